import { Anchor, Badge, Button, Group, Image, List, Loader, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { blobOf, PdfFrame, useObjectUrl } from "../../components/PdfFrame";
import { saveFile } from "../../lib/download";
import { useEmployeeNames } from "../../lib/employees";
import { formatDateTime } from "../../lib/format";
import { INVOICE_STATUS } from "../../lib/labels";
import { useProblemHandler } from "../../lib/problems";
import { draftOf, gridTotals, WEARER_COLUMNS, type Draft } from "./drafts";
import { CHANNEL, LOGO_METHOD, MEASURES, RECEIVED_VIA, SPEC_EVENT, SPEC_KIND, SPEC_STATUS } from "./labels";
import { SpecActions } from "./SpecActions";
import { day } from "./SpecsPage";
import { NotLoaded } from "../../components/NotLoaded";

type Spec = components["schemas"]["SpecRead"];

/** One spec: what the workshop is to do, its PDF, supply's signature, the chat it went to, the
 * workshop's answer and remarks, the goods ready; the actions its state allows as buttons. */
export function SpecPage() {
  const { specId } = useParams({ from: "/app/specs/$specId" });
  const spec = useQuery({
    queryKey: ["specs", specId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/specs/{spec_id}", { params: { path: { spec_id: specId } }, signal })),
  });
  if (!spec.isSuccess) return <NotLoaded query={spec} what="ТЗ" />;
  const s = spec.data;
  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>ТЗ №{s.id}</Title>
        <Badge size="lg" data-testid="spec-status">
          {SPEC_STATUS[s.status]}
        </Badge>
        <Text c="dimmed">редакция {s.revision}</Text>
      </Group>
      <Text size="sm" data-testid="spec-context">
        {SPEC_KIND[s.kind]} · заявка{" "}
        <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: s.order_id }} />}>№{s.order_id}</Anchor>
        {s.invoice_number ? ` · счёт № ${s.invoice_number}` : " · счёта ещё нет"}
        {s.invoice_status ? ` (${INVOICE_STATUS[s.invoice_status as keyof typeof INVOICE_STATUS] ?? s.invoice_status})` : ""} ·{" "}
        {RECEIVED_VIA[s.received_via].toLowerCase()}, {formatDateTime(s.created_at)}
        {s.due_on ? ` · срок ${day(s.due_on)}` : ""}
      </Text>
      <SpecActions spec={s} />
      {s.comment ? <Text size="sm">Комментарий: {s.comment}</Text> : null}
      <Details spec={s} />
      <SimpleGrid cols={2}>
        <Signature spec={s} />
        <Workshop spec={s} />
      </SimpleGrid>
      <Documents spec={s} />
      <History specId={s.id} />
    </Stack>
  );
}

function Details({ spec }: { spec: Spec }) {
  const d: Draft = draftOf(spec.details);
  return (
    <section aria-label="Что сделать" data-testid="spec-details">
      <Title order={3} size="h4" mb="xs">
        {SPEC_KIND[spec.kind]}
      </Title>
      {d.kind === "logo" ? (
        <Group align="flex-start" wrap="nowrap" gap="lg">
          <Stack gap={4} style={{ flex: 1 }}>
            <Text size="sm">Место нанесения: {d.placement}</Text>
            <Text size="sm">Способ: {d.method ? LOGO_METHOD[d.method] : "—"}</Text>
            <Text size="sm">Цвета: {d.colors.join(", ")}</Text>
            <Text size="sm">
              Размер: {d.width_mm} × {d.height_mm} мм
            </Text>
            <Table withTableBorder mt="xs" data-testid="garments">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Изделие</Table.Th>
                  <Table.Th>Цвет</Table.Th>
                  <Table.Th>Размер</Table.Th>
                  <Table.Th>Кол-во</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.garments.map((g, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{g.name}</Table.Td>
                    <Table.Td>{g.color || "—"}</Table.Td>
                    <Table.Td>{g.size || "—"}</Table.Td>
                    <Table.Td>{g.quantity}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
          <LogoPreview spec={spec} />
        </Group>
      ) : null}
      {d.kind === "tailoring" ? (
        <Stack gap={4}>
          <Text size="sm">
            Модель: {d.model} · ткань: {d.fabric} · цвет: {d.color}
          </Text>
          <Table withTableBorder striped data-testid="wearers">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>ФИО</Table.Th>
                {MEASURES.map((m) => (
                  <Table.Th key={m.key} fz="xs">
                    {m.label}, см
                  </Table.Th>
                ))}
                <Table.Th>Кол-во</Table.Th>
                <Table.Th>Примечание</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.wearers.map((w, i) => (
                <Table.Tr key={i} data-testid="wearer">
                  {WEARER_COLUMNS.map((c) => (
                    <Table.Td key={c}>{w[c] || "—"}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      ) : null}
      {d.kind === "manufacturing" ? <GridView draft={d} /> : null}
    </section>
  );
}

function GridView({ draft: d }: { draft: Extract<Draft, { kind: "manufacturing" }> }) {
  const totals = gridTotals(d);
  return (
    <Stack gap={4}>
      <Text size="sm">
        Изделие: {d.item} · ткань: {d.fabric} · цвет: {d.color}
      </Text>
      <Table withTableBorder data-testid="grid" w="fit-content">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Размер \ рост</Table.Th>
            {d.heights.map((h) => (
              <Table.Th key={h}>{h}</Table.Th>
            ))}
            <Table.Th>Итого</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {d.sizes.map((s, i) => (
            <Table.Tr key={s}>
              <Table.Td fw={500}>{s}</Table.Td>
              {d.heights.map((h) => (
                <Table.Td key={h}>{d.quantities[`${s}|${h}`] ?? "—"}</Table.Td>
              ))}
              <Table.Td fw={600}>{totals.bySize[i]}</Table.Td>
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Td fw={600}>Итого</Table.Td>
            {totals.byHeight.map((t, j) => (
              <Table.Td key={j} fw={600}>
                {t}
              </Table.Td>
            ))}
            <Table.Td fw={700} data-testid="grid-total">
              {totals.total}
            </Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

/** The logo file as uploaded: a picture of a raster or SVG file, the name of a vector original. */
function LogoPreview({ spec }: { spec: Spec }) {
  const onProblem = useProblemHandler();
  const image = spec.logo_content_type?.startsWith("image/") && spec.logo_content_type !== "image/x-eps";
  const logo = useQuery({
    queryKey: ["specs", spec.id, "logo", spec.revision],
    enabled: Boolean(spec.logo_filename),
    queryFn: async ({ signal }) =>
      blobOf(await api.GET("/api/v1/specs/{spec_id}/logo", { params: { path: { spec_id: spec.id } }, parseAs: "blob", signal }), "Логотип"),
  });
  const url = useObjectUrl(image ? logo.data : null);
  if (!spec.logo_filename) {
    return (
      <Text size="sm" c="orange" w={220} data-testid="logo-missing">
        Файла логотипа ещё нет: без него ТЗ не подписать.
      </Text>
    );
  }
  return (
    <Stack gap={4} w={220} align="center">
      {url ? <Image src={url} alt={`Логотип ${spec.logo_filename}`} h={140} w={200} fit="contain" data-testid="logo-image" /> : null}
      <Anchor component="button" type="button" size="sm" data-testid="logo-name"
        onClick={() =>
          void save(api.GET("/api/v1/specs/{spec_id}/logo", { params: { path: { spec_id: spec.id } }, parseAs: "blob" }),
            spec.logo_filename ?? "logo").catch(onProblem)
        }>
        {spec.logo_filename}
      </Anchor>
    </Stack>
  );
}

function Signature({ spec }: { spec: Spec }) {
  const names = useEmployeeNames();
  const onProblem = useProblemHandler();
  const who = spec.signed_by_id !== null ? (names.data?.get(spec.signed_by_id) ?? `сотрудник №${spec.signed_by_id}`) : null;
  return (
    <section aria-label="Подпись снабжения" data-testid="spec-signature">
      <Title order={3} size="h4" mb="xs">
        Подпись снабжения
      </Title>
      {spec.signed_at ? (
        <Stack gap={4}>
          <Text size="sm" c={spec.signature_current ? undefined : "orange"}>
            {spec.signature_current ? "Подписано" : "Подписана прежняя редакция"}: {who}, {formatDateTime(spec.signed_at)}, редакция{" "}
            {spec.signed_revision}, {spec.signed_via === "scan" ? "скан бумажной копии" : "в системе"}
          </Text>
          {spec.signed_filename ? (
            <Anchor component="button" type="button" size="sm" style={{ alignSelf: "flex-start" }}
              onClick={() =>
                void save(api.GET("/api/v1/specs/{spec_id}/signed-file", { params: { path: { spec_id: spec.id } }, parseAs: "blob" }),
                  spec.signed_filename ?? "ТЗ.pdf").catch(onProblem)
              }>
              {spec.signed_filename}
            </Anchor>
          ) : null}
        </Stack>
      ) : (
        <Text size="sm" c="dimmed">
          Не подписано
        </Text>
      )}
    </section>
  );
}

function Workshop({ spec }: { spec: Spec }) {
  const names = useEmployeeNames();
  const who = (id: number | null) => (id === null ? "через чат" : (names.data?.get(id) ?? `сотрудник №${id}`));
  return (
    <section aria-label="Швейный цех" data-testid="spec-workshop">
      <Title order={3} size="h4" mb="xs">
        Швейный цех
      </Title>
      <Stack gap={4}>
        {spec.sent_at ? (
          <Text size="sm" data-testid="spec-channel">
            Отправлено в чат «{spec.channel ? (CHANNEL[spec.channel] ?? spec.channel) : "—"}» {formatDateTime(spec.sent_at)}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            В цех ещё не отправлено
          </Text>
        )}
        {spec.workshop_accepted_at ? (
          <Text size="sm" c="green" data-testid="spec-accepted">
            Цех: «Принято» — {who(spec.workshop_accepted_by_id)}, {formatDateTime(spec.workshop_accepted_at)}
          </Text>
        ) : null}
        {spec.workshop_feedback.length ? (
          <List size="sm" data-testid="spec-feedback">
            {spec.workshop_feedback.map((f, i) => (
              <List.Item key={i}>
                {f.text}{" "}
                <Text span size="xs" c="dimmed">
                  · {who(f.by)}, {formatDateTime(f.at)}
                </Text>
              </List.Item>
            ))}
          </List>
        ) : null}
        {spec.goods_ready_at ? <Text size="sm">Товар готов: {formatDateTime(spec.goods_ready_at)}</Text> : null}
        {spec.upd_onec_id ? <Text size="sm">УПД в 1С: {spec.upd_onec_id}</Text> : null}
      </Stack>
    </section>
  );
}

/** The spec as it prints (two copies) shown in the page, and the requisition-book extract. */
function Documents({ spec }: { spec: Spec }) {
  const onProblem = useProblemHandler();
  return (
    <section aria-label="ТЗ для печати" data-testid="spec-documents">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h4">
          ТЗ для печати
        </Title>
        <Button variant="default" size="xs"
          onClick={() =>
            void save(
              api.GET("/api/v1/specs/{spec_id}/requisition-extract", { params: { path: { spec_id: spec.id } }, parseAs: "blob" }),
              `Выписка_ТЗ_${spec.id}.pdf`,
            ).catch(onProblem)
          }>
          Выписка из книги заявок
        </Button>
      </Group>
      <PdfFrame
        queryKey={["specs", spec.id, "pdf", spec.version]}
        load={async (signal) =>
          blobOf(await api.GET("/api/v1/specs/{spec_id}/pdf", { params: { path: { spec_id: spec.id } }, parseAs: "blob", signal }), "PDF")
        }
        title={`ТЗ №${spec.id}, PDF`}
        testId="spec-pdf"
        failed="Не удалось получить PDF ТЗ"
      />
    </section>
  );
}

/** Save a file the API answers, or throw its problem. */
async function save(request: Promise<{ data?: Blob; error?: unknown; response: Response }>, fallback: string): Promise<void> {
  const r = await request;
  saveFile(unwrap(r), r.response, fallback);
}

function History({ specId }: { specId: number }) {
  const names = useEmployeeNames();
  const history = useQuery({
    queryKey: ["specs", specId, "history"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/specs/{spec_id}/history", { params: { path: { spec_id: specId }, query: { limit: 100 } }, signal })),
  });
  return (
    <section aria-label="История" data-testid="spec-history">
      <Title order={3} size="h4" mb="xs">
        История
      </Title>
      {history.isPending ? <Loader size="sm" /> : null}
      <Table withTableBorder>
        <Table.Tbody>
          {(history.data?.items ?? []).map((e) => {
            const to = typeof e.after?.status === "string" ? SPEC_STATUS[e.after.status as keyof typeof SPEC_STATUS] : null;
            const channel = e.action === "send_to_workshop" && typeof e.after?.channel === "string" ? e.after.channel : null;
            return (
              <Table.Tr key={e.id}>
                <Table.Td w={170}>{formatDateTime(e.occurred_at)}</Table.Td>
                <Table.Td>
                  {SPEC_EVENT[e.action] ?? e.action}
                  {channel ? ` в чат «${CHANNEL[channel] ?? channel}»` : ""}
                  {to && e.action !== "received" ? ` → ${to}` : ""}
                </Table.Td>
                <Table.Td w={260}>{e.actor_id !== null ? (names.data?.get(e.actor_id) ?? "") : "система"}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </section>
  );
}
