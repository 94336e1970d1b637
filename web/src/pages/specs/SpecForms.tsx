import {
  ActionIcon,
  Autocomplete,
  Button,
  Group,
  Image,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { Dropzone, IMAGE_MIME_TYPE, PDF_MIME_TYPE } from "@mantine/dropzone";
import { useMemo, type ClipboardEvent } from "react";

import { useObjectUrl } from "../../components/PdfFrame";

import {
  emptyWearer,
  gridTotals,
  pasteWearers,
  wearerErrors,
  WEARER_COLUMNS,
  type Draft,
  type LogoDraft,
  type ManufacturingDraft,
  type TailoringDraft,
  type WearerColumn,
} from "./drafts";
import { GarmentSketch, PLACEMENTS } from "./GarmentSketch";
import { LOGO_METHOD, MEASURES } from "./labels";

type Errors = Record<string, string>;

/** The kind's own form: logo application, tailoring to measurements or manufacturing. */
export function DetailsForm({ draft, onChange, errors }: { draft: Draft; onChange: (d: Draft) => void; errors: Errors }) {
  switch (draft.kind) {
    case "logo":
      return <LogoForm draft={draft} onChange={onChange} errors={errors} />;
    case "tailoring":
      return <TailoringForm draft={draft} onChange={onChange} errors={errors} />;
    case "manufacturing":
      return <ManufacturingForm draft={draft} onChange={onChange} errors={errors} />;
  }
}

function LogoForm({ draft, onChange, errors }: { draft: LogoDraft; onChange: (d: Draft) => void; errors: Errors }) {
  const set = (patch: Partial<LogoDraft>) => onChange({ ...draft, ...patch });
  const setGarment = (i: number, patch: Partial<LogoDraft["garments"][number]>) =>
    set({ garments: draft.garments.map((g, j) => (j === i ? { ...g, ...patch } : g)) });
  return (
    <Stack gap="sm" data-testid="logo-form">
      <Group align="flex-start" gap="lg" wrap="nowrap">
        <GarmentSketch value={draft.placement} onPick={(placement) => set({ placement })} />
        <Stack gap="sm" style={{ flex: 1 }}>
          <Autocomplete
            label="Место нанесения"
            description="Точка на эскизе или своими словами"
            required
            data={PLACEMENTS.map((p) => p.name)}
            value={draft.placement}
            onChange={(placement) => set({ placement })}
            error={errors.placement}
          />
          <Select
            label="Способ нанесения"
            required
            data={Object.entries(LOGO_METHOD).map(([value, label]) => ({ value, label }))}
            value={draft.method}
            onChange={(v) => set({ method: v as LogoDraft["method"] })}
            error={errors.method}
          />
          <TagsInput
            label="Цвета"
            description="Цвет нити или краски; Enter после каждого"
            required
            maxTags={12}
            value={draft.colors}
            onChange={(colors) => set({ colors })}
            error={errors.colors}
          />
          <Group grow>
            <TextInput label="Ширина, мм" required inputMode="numeric" value={draft.width_mm}
              onChange={(e) => set({ width_mm: e.currentTarget.value })} error={errors.width_mm} />
            <TextInput label="Высота, мм" required inputMode="numeric" value={draft.height_mm}
              onChange={(e) => set({ height_mm: e.currentTarget.value })} error={errors.height_mm} />
          </Group>
        </Stack>
      </Group>
      <Text size="sm" fw={500}>
        Изделия
      </Text>
      <Table data-testid="garments">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Изделие</Table.Th>
            <Table.Th w={150}>Цвет</Table.Th>
            <Table.Th w={100}>Размер</Table.Th>
            <Table.Th w={100}>Кол-во</Table.Th>
            <Table.Th w={40} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {draft.garments.map((g, i) => (
            <Table.Tr key={i}>
              <Table.Td>
                <TextInput aria-label={`Изделие, строка ${i + 1}`} value={g.name} error={errors[`garments.${i}.name`]}
                  onChange={(e) => setGarment(i, { name: e.currentTarget.value })} />
              </Table.Td>
              <Table.Td>
                <TextInput aria-label={`Цвет изделия, строка ${i + 1}`} value={g.color}
                  onChange={(e) => setGarment(i, { color: e.currentTarget.value })} />
              </Table.Td>
              <Table.Td>
                <TextInput aria-label={`Размер, строка ${i + 1}`} value={g.size}
                  onChange={(e) => setGarment(i, { size: e.currentTarget.value })} />
              </Table.Td>
              <Table.Td>
                <TextInput aria-label={`Количество, строка ${i + 1}`} inputMode="numeric" value={g.quantity}
                  error={errors[`garments.${i}.quantity`]} onChange={(e) => setGarment(i, { quantity: e.currentTarget.value })} />
              </Table.Td>
              <Table.Td>
                {draft.garments.length > 1 ? (
                  <ActionIcon variant="subtle" color="red" aria-label={`Убрать строку ${i + 1}`}
                    onClick={() => set({ garments: draft.garments.filter((_, j) => j !== i) })}>
                    ×
                  </ActionIcon>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {errors.garments ? <Text size="sm" c="red">{errors.garments}</Text> : null}
      <Button variant="subtle" size="xs" w="fit-content"
        onClick={() => set({ garments: [...draft.garments, { name: "", color: "", size: "", quantity: "" }] })}>
        Добавить изделие
      </Button>
    </Stack>
  );
}

function TailoringForm({ draft, onChange, errors }: { draft: TailoringDraft; onChange: (d: Draft) => void; errors: Errors }) {
  const set = (patch: Partial<TailoringDraft>) => onChange({ ...draft, ...patch });
  // The table's own marks: every wrong cell, as it is typed or pasted.
  const cells = useMemo(() => wearerErrors(draft.wearers), [draft.wearers]);
  const touched = draft.wearers.some((w, i) => i > 0 || WEARER_COLUMNS.some((c) => c !== "quantity" && w[c].trim()));
  const setCell = (i: number, column: WearerColumn, value: string) =>
    set({ wearers: draft.wearers.map((w, j) => (j === i ? { ...w, [column]: value } : w)) });
  const onPaste = (i: number, column: WearerColumn) => (e: ClipboardEvent<HTMLInputElement>) => {
    const clip = e.clipboardData.getData("text/plain");
    if (!clip.includes("\t") && !clip.includes("\n")) return; // one value: the input takes it itself
    e.preventDefault();
    set({ wearers: pasteWearers(draft.wearers, clip, i, column) });
  };
  const header: Record<WearerColumn, string> = {
    name: "ФИО",
    ...Object.fromEntries(MEASURES.map((m) => [m.key, m.label])),
    quantity: "Кол-во",
    note: "Примечание",
  } as Record<WearerColumn, string>;
  const bad = Object.keys(cells).length;
  return (
    <Stack gap="sm" data-testid="tailoring-form">
      <Group grow>
        <TextInput label="Модель" required value={draft.model} onChange={(e) => set({ model: e.currentTarget.value })} error={errors.model} />
        <TextInput label="Ткань" required value={draft.fabric} onChange={(e) => set({ fabric: e.currentTarget.value })} error={errors.fabric} />
        <TextInput label="Цвет" required value={draft.color} onChange={(e) => set({ color: e.currentTarget.value })} error={errors.color} />
      </Group>
      <Text size="sm" c="dimmed">
        Мерки в сантиметрах. Строки можно скопировать из таблицы Excel и вставить (Ctrl+V) в ячейку: столбцы по порядку — ФИО,
        рост, груди, талии, бёдер, шеи, рукав, внутр. шов, количество, примечание.
      </Text>
      <div style={{ overflowX: "auto" }}>
        <Table data-testid="wearers" withTableBorder verticalSpacing={4} horizontalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              {WEARER_COLUMNS.map((c) => (
                <Table.Th key={c} fz="xs">
                  {header[c]}
                  {MEASURES.find((m) => m.key === c)?.required || c === "name" ? " *" : ""}
                </Table.Th>
              ))}
              <Table.Th w={32} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {draft.wearers.map((w, i) => (
              <Table.Tr key={i} data-testid="wearer">
                {WEARER_COLUMNS.map((c) => {
                  const error = touched ? cells[`${i}:${c}`] : undefined;
                  return (
                    <Table.Td key={c} bg={error ? "red.0" : undefined} data-bad={error ? true : undefined} title={error}>
                      <TextInput
                        size="xs"
                        aria-label={`${header[c]}, строка ${i + 1}`}
                        aria-invalid={error ? true : undefined}
                        value={w[c]}
                        w={c === "name" ? 170 : c === "note" ? 130 : 64}
                        inputMode={c === "name" || c === "note" ? undefined : "decimal"}
                        onChange={(e) => setCell(i, c, e.currentTarget.value)}
                        onPaste={onPaste(i, c)}
                        styles={error ? { input: { borderColor: "var(--mantine-color-red-6)" } } : undefined}
                      />
                    </Table.Td>
                  );
                })}
                <Table.Td>
                  {draft.wearers.length > 1 ? (
                    <ActionIcon variant="subtle" color="red" size="sm" aria-label={`Убрать строку ${i + 1}`}
                      onClick={() => set({ wearers: draft.wearers.filter((_, j) => j !== i) })}>
                      ×
                    </ActionIcon>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      <Group justify="space-between">
        <Button variant="subtle" size="xs" onClick={() => set({ wearers: [...draft.wearers, emptyWearer()] })}>
          Добавить человека
        </Button>
        <Text size="sm" c={touched && bad ? "red" : "dimmed"} data-testid="wearers-summary">
          Людей: {draft.wearers.length}
          {touched && bad ? ` · ошибок в ячейках: ${bad}` : ""}
        </Text>
      </Group>
      {errors.wearers ? <Text size="sm" c="red">{errors.wearers}</Text> : null}
    </Stack>
  );
}

function ManufacturingForm({ draft, onChange, errors }: { draft: ManufacturingDraft; onChange: (d: Draft) => void; errors: Errors }) {
  const set = (patch: Partial<ManufacturingDraft>) => onChange({ ...draft, ...patch });
  const totals = gridTotals(draft);
  // A size or height renamed keeps its quantities.
  const rename = (axis: "sizes" | "heights", i: number, value: string) => {
    const old = draft[axis][i] ?? "";
    const quantities: Record<string, string> = {};
    for (const [key, q] of Object.entries(draft.quantities)) {
      const [s, h] = key.split("|") as [string, string];
      const moved = axis === "sizes" ? (s === old ? `${value}|${h}` : key) : h === old ? `${s}|${value}` : key;
      quantities[moved] = q;
    }
    set({ [axis]: draft[axis].map((x, j) => (j === i ? value : x)), quantities });
  };
  return (
    <Stack gap="sm" data-testid="manufacturing-form">
      <Group grow>
        <TextInput label="Изделие" required value={draft.item} onChange={(e) => set({ item: e.currentTarget.value })} error={errors.item} />
        <TextInput label="Ткань" required value={draft.fabric} onChange={(e) => set({ fabric: e.currentTarget.value })} error={errors.fabric} />
        <TextInput label="Цвет" required value={draft.color} onChange={(e) => set({ color: e.currentTarget.value })} error={errors.color} />
      </Group>
      <div style={{ overflowX: "auto" }}>
        <Table data-testid="grid" withTableBorder verticalSpacing={4} horizontalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th fz="xs">Размер \ рост</Table.Th>
              {draft.heights.map((h, j) => (
                <Table.Th key={j}>
                  <TextInput size="xs" w={90} aria-label={`Рост, столбец ${j + 1}`} value={h} error={errors[`heights.${j}`]}
                    onChange={(e) => rename("heights", j, e.currentTarget.value)} />
                </Table.Th>
              ))}
              <Table.Th fz="xs">Итого</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {draft.sizes.map((s, i) => (
              <Table.Tr key={i}>
                <Table.Td>
                  <TextInput size="xs" w={90} aria-label={`Размер, строка ${i + 1}`} value={s} error={errors[`sizes.${i}`]}
                    onChange={(e) => rename("sizes", i, e.currentTarget.value)} />
                </Table.Td>
                {draft.heights.map((h, j) => {
                  const key = `${s}|${h}`;
                  return (
                    <Table.Td key={j}>
                      <TextInput size="xs" w={90} inputMode="numeric" aria-label={`Количество: размер ${s}, рост ${h}`}
                        value={draft.quantities[key] ?? ""} error={errors[`grid.${key}`] ? true : undefined}
                        onChange={(e) => set({ quantities: { ...draft.quantities, [key]: e.currentTarget.value } })} />
                    </Table.Td>
                  );
                })}
                <Table.Td fw={600} data-testid="size-total">{totals.bySize[i]}</Table.Td>
              </Table.Tr>
            ))}
            <Table.Tr>
              <Table.Td fw={600}>Итого</Table.Td>
              {totals.byHeight.map((t, j) => (
                <Table.Td key={j} fw={600} data-testid="height-total">{t}</Table.Td>
              ))}
              <Table.Td fw={700} data-testid="grid-total">{totals.total}</Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </div>
      <Group gap="xs">
        <Button variant="subtle" size="xs" onClick={() => set({ sizes: [...draft.sizes, ""] })}>
          Добавить размер
        </Button>
        <Button variant="subtle" size="xs" onClick={() => set({ heights: [...draft.heights, ""] })}>
          Добавить рост
        </Button>
      </Group>
      {errors.grid ? <Text size="sm" c="red">{errors.grid}</Text> : null}
    </Stack>
  );
}

const LOGO_TYPES = [...IMAGE_MIME_TYPE, ...PDF_MIME_TYPE, "application/postscript", "image/x-eps", "application/eps"];

/** A picture of a chosen file (a raster or SVG image; a vector original shows by its name only). */
export function useFilePreview(file: File | Blob | null): string | null {
  return useObjectUrl(file && file.type.startsWith("image/") ? file : null);
}

/** The logo file dropped in or chosen, with its preview. */
export function LogoFilePicker({ file, onFile, error, onReject }: {
  file: File | null;
  onFile: (f: File | null) => void;
  error?: string;
  onReject: () => void;
}) {
  const preview = useFilePreview(file);
  return (
    <Stack gap={4}>
      <Group align="center" wrap="nowrap">
        <Dropzone
          onDrop={(files) => onFile(files[0] ?? null)}
          onReject={onReject}
          accept={LOGO_TYPES}
          maxSize={20 * 1024 * 1024}
          maxFiles={1}
          multiple={false}
          aria-label="Файл логотипа"
          style={{ flex: 1 }}
        >
          <Text size="sm" ta="center" data-testid="logo-file">
            {file ? `Логотип: ${file.name}` : "Файл логотипа (PDF, SVG, EPS, JPEG, PNG, WebP): перетащите сюда или нажмите"}
          </Text>
        </Dropzone>
        {preview ? <Image src={preview} alt="Предпросмотр логотипа" h={80} w={120} fit="contain" data-testid="logo-preview" /> : null}
      </Group>
      {error ? <Text size="sm" c="red">{error}</Text> : null}
    </Stack>
  );
}
