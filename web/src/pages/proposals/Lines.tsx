import {
  ActionIcon,
  Autocomplete,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useEmployeeNames } from "../../lib/employees";
import { FormModal } from "../../components/FormModal";
import { formatMoney, parseMoney } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";
import { PRICE_SOURCE } from "./labels";
import { LinePhoto, PhotoModal } from "./Photo";

type Proposal = components["schemas"]["ProposalRead"];

/** The states whose content may still change (a change after sending makes a new revision). */
export const EDITABLE = new Set<components["schemas"]["ProposalStatus"]>(["draft", "priced", "sent_to_manager", "approved", "sent_to_client"]);
type Line = components["schemas"]["ProposalLineRead"];

/** After a change the proposal answered with: shown at once, the lists around it asked again. */
function useSettled(proposalId: number) {
  const queryClient = useQueryClient();
  return (updated: Proposal) => {
    queryClient.setQueryData(["proposals", proposalId], updated);
    void queryClient.invalidateQueries({ queryKey: ["proposals"] });
    void queryClient.invalidateQueries({ queryKey: ["tasks"] });
  };
}

/**
 * The lines: photo, name and description, quantity, the purchase price and the margin (for those
 * who price), the price and the amount; a line waiting for supply or for a head says so.
 */
export function LinesTable({ proposal, permissions }: { proposal: Proposal; permissions: Set<string> }) {
  const onProblem = useProblemHandler();
  const settled = useSettled(proposal.id);
  const names = useEmployeeNames();
  const editable = permissions.has("proposals:write") && EDITABLE.has(proposal.status);
  const staff = permissions.has("proposals:write") || permissions.has("proposals:price");
  const mayApproveBelowCost = permissions.has("proposals:approve_below_cost");
  const [editing, setEditing] = useState<Line | null>(null);
  const [photo, setPhoto] = useState<Line | null>(null);
  const [approving, setApproving] = useState<Line | null>(null);
  const [deciding, setDeciding] = useState<{ line: Line; action: Decision } | null>(null);
  // A head deciding on a waiting price has the column even where the lines are not theirs to edit.
  const withActions = editable || proposal.lines.some((l) => l.allowed_actions.length > 0);
  const remove = useMutation({
    mutationFn: async (line: Line) =>
      unwrap(
        await api.DELETE("/api/v1/proposals/{proposal_id}/lines/{position}", {
          params: { path: { proposal_id: proposal.id, position: line.position }, header: ifMatch(proposal.version) },
        }),
      ),
    onSuccess: settled,
    onError: (e) => onProblem(e),
  });
  if (proposal.lines.length === 0) return <Text c="dimmed">Позиций пока нет</Text>;
  return (
    <>
      <Table withTableBorder data-testid="proposal-lines" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={30}>№</Table.Th>
            <Table.Th w={64}>Фото</Table.Th>
            <Table.Th>Наименование</Table.Th>
            <Table.Th w={80}>Кол-во</Table.Th>
            {staff ? <Table.Th>Закупка</Table.Th> : null}
            <Table.Th>Цена</Table.Th>
            {staff ? <Table.Th>Маржа</Table.Th> : null}
            <Table.Th>Сумма</Table.Th>
            {withActions ? <Table.Th /> : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {proposal.lines.map((l) => {
            const waitsForSupply = l.nonstandard && l.purchase_price === null;
            const below = l.price !== null && l.purchase_price !== null && Number(l.price) < Number(l.purchase_price);
            return (
              <Table.Tr key={l.position} data-line={l.position}>
                <Table.Td>{l.position}</Table.Td>
                <Table.Td>
                  <LinePhoto proposalId={proposal.id} version={proposal.version} line={l} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{l.name}</Text>
                  {l.description ? (
                    <Text size="xs" c="dimmed">
                      {l.description}
                    </Text>
                  ) : null}
                  <Group gap={4} mt={2}>
                    {l.nonstandard ? <Badge size="xs" variant="outline">нестандартная</Badge> : null}
                    {waitsForSupply ? (
                      <Badge size="xs" color="orange" data-testid="waits-supply">
                        ждёт цену снабжения
                      </Badge>
                    ) : null}
                    {l.below_cost_pending ? (
                      <Text size="xs" c="red" fw={600} data-testid="waits-head">
                        ниже закупки — ждёт руководителя
                      </Text>
                    ) : null}
                    {below && l.below_cost_approved_by_id !== null ? (
                      <Badge size="xs" color="grape">
                        ниже закупки: согласовал(а) {names.data?.get(l.below_cost_approved_by_id) ?? "руководитель"}
                      </Badge>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td>
                  {l.quantity} {l.unit}
                </Table.Td>
                {staff ? <Table.Td data-testid="purchase">{formatMoney(l.purchase_price)}</Table.Td> : null}
                <Table.Td>
                  <Text size="sm" data-testid="price">{formatMoney(l.price)}</Text>
                  {l.price_source ? (
                    <Text size="xs" c="dimmed">
                      {PRICE_SOURCE[l.price_source]}
                    </Text>
                  ) : null}
                </Table.Td>
                {staff ? (
                  <Table.Td data-testid="margin" c={l.margin !== null && Number(l.margin) < 0 ? "red" : undefined}>
                    {formatMoney(l.margin_total)}
                  </Table.Td>
                ) : null}
                <Table.Td>{formatMoney(l.amount)}</Table.Td>
                {withActions ? (
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      {(["approve-below-cost", "reject-below-cost"] as const)
                        .filter((action) => l.allowed_actions.includes(action))
                        .map((action) => (
                          <Button
                            key={action}
                            size="compact-xs"
                            variant="light"
                            color={action === "approve-below-cost" ? "grape" : "red"}
                            onClick={() => setDeciding({ line: l, action })}
                          >
                            {DECISION[action].button}
                          </Button>
                        ))}
                      {editable ? (
                        <>
                          <Button size="compact-xs" variant="light" onClick={() => setEditing(l)}>
                            Изменить
                          </Button>
                          <Button size="compact-xs" variant="light" onClick={() => setPhoto(l)}>
                            Фото
                          </Button>
                          {mayApproveBelowCost && l.purchase_price !== null && !l.below_cost_pending ? (
                            <Button size="compact-xs" variant="light" color="grape" onClick={() => setApproving(l)}>
                              Ниже закупки
                            </Button>
                          ) : null}
                          <ActionIcon
                            size="sm"
                            variant="subtle"
                            color="red"
                            aria-label={`Удалить позицию ${l.position}`}
                            loading={remove.isPending && remove.variables.position === l.position}
                            onClick={() => remove.mutate(l)}
                          >
                            ×
                          </ActionIcon>
                        </>
                      ) : null}
                    </Group>
                  </Table.Td>
                ) : null}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {editing ? <LineModal proposal={proposal} line={editing} onClose={() => setEditing(null)} /> : null}
      {photo ? <PhotoModal proposal={proposal} line={photo} onClose={() => setPhoto(null)} /> : null}
      {approving ? <BelowCostModal proposal={proposal} line={approving} onClose={() => setApproving(null)} /> : null}
      {deciding ? (
        <DecisionModal proposal={proposal} line={deciding.line} action={deciding.action} onClose={() => setDeciding(null)} />
      ) : null}
    </>
  );
}

/** A line's name, description, quantity and price; a price below the purchase price waits for a head. */
function LineModal({ proposal, line, onClose }: { proposal: Proposal; line: Line; onClose: () => void }) {
  const onProblem = useProblemHandler();
  const settled = useSettled(proposal.id);
  const [name, setName] = useState(line.name);
  const [description, setDescription] = useState(line.description ?? "");
  const [quantity, setQuantity] = useState<number | string>(line.quantity);
  const [price, setPrice] = useState(line.price ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () => {
      // What is no sum goes as typed: the API names the field and why.
      const typed = parseMoney(price) ?? price.trim();
      const priceChanged = typed !== "" && typed !== line.price;
      return unwrap(
        await api.PATCH("/api/v1/proposals/{proposal_id}/lines/{position}", {
          params: { path: { proposal_id: proposal.id, position: line.position }, header: ifMatch(proposal.version) },
          body: {
            name: name.trim(),
            description: description.trim() || null,
            quantity: Number(quantity) || 0,
            ...(priceChanged ? { price: typed } : {}),
          },
        }),
      );
    },
    onSuccess: (updated) => {
      settled(updated);
      onClose();
    },
    onError: (e) => onProblem(e, setErrors, ["name", "description", "quantity", "price"]),
  });
  return (
    <FormModal
      title={`Позиция ${line.position}`}
      onClose={onClose}
      onSubmit={() => {
        setErrors({});
        save.mutate();
      }}
      saving={save.isPending}
    >
      <TextInput label="Наименование" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} data-autofocus />
      <Textarea label="Описание" autosize minRows={2} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errors.description} />
      <Group grow align="flex-start">
        <NumberInput label="Количество" min={1} allowDecimal={false} value={quantity} onChange={setQuantity} error={errors.quantity} />
        <TextInput
          label="Цена за единицу, ₽"
          inputMode="decimal"
          value={price}
          onChange={(e) => setPrice(e.currentTarget.value)}
          error={errors.price}
          description={
            line.purchase_price !== null
              ? `Закупочная: ${formatMoney(line.purchase_price)}; ниже — ждёт руководителя`
              : undefined
          }
        />
      </Group>
    </FormModal>
  );
}

type Decision = "approve-below-cost" | "reject-below-cost";

const DECISION: Record<Decision, { button: string; title: string; submit: string }> = {
  "approve-below-cost": { button: "Согласовать", title: "Согласовать цену ниже закупочной", submit: "Согласовать" },
  "reject-below-cost": { button: "Отклонить", title: "Отклонить цену ниже закупочной", submit: "Отклонить" },
};

/** A head's word on the price a line waits with: approved as asked, or rejected (the line needs a price again). */
function DecisionModal({ proposal, line, action, onClose }: { proposal: Proposal; line: Line; action: Decision; onClose: () => void }) {
  const onProblem = useProblemHandler();
  const settled = useSettled(proposal.id);
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const decide = useMutation({
    mutationFn: async () => {
      const init = {
        params: { path: { proposal_id: proposal.id, position: line.position }, header: ifMatch(proposal.version) },
        body: { reason: reason.trim() },
      };
      return unwrap(
        action === "approve-below-cost"
          ? await api.POST("/api/v1/proposals/{proposal_id}/lines/{position}/approve-below-cost", init)
          : await api.POST("/api/v1/proposals/{proposal_id}/lines/{position}/reject-below-cost", init),
      );
    },
    onSuccess: (updated) => {
      settled(updated);
      onClose();
    },
    onError: (e) => onProblem(e, setErrors, ["reason"]),
  });
  const { title, submit } = DECISION[action];
  return (
    <Modal opened onClose={onClose} title={`${title}: позиция ${line.position}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          decide.mutate();
        }}
      >
        <Stack>
          <Text size="sm" data-testid="below-cost-asked">
            {line.name}: цена {formatMoney(line.price)} при закупочной {formatMoney(line.purchase_price)}
          </Text>
          <Textarea label="Причина" required autosize minRows={2} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason} data-autofocus />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Отмена
            </Button>
            <Button type="submit" color={action === "approve-below-cost" ? "grape" : "red"} loading={decide.isPending} disabled={!reason.trim()}>
              {submit}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** A head approves selling the line below its purchase price, with the reason. */
function BelowCostModal({ proposal, line, onClose }: { proposal: Proposal; line: Line; onClose: () => void }) {
  const onProblem = useProblemHandler();
  const settled = useSettled(proposal.id);
  const [price, setPrice] = useState(line.price ?? "");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const approve = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/proposals/{proposal_id}/lines/{position}/approve-below-cost", {
          params: { path: { proposal_id: proposal.id, position: line.position }, header: ifMatch(proposal.version) },
          body: { price: parseMoney(price) ?? price.trim(), reason: reason.trim() },
        }),
      ),
    onSuccess: (updated) => {
      settled(updated);
      onClose();
    },
    onError: (e) => onProblem(e, setErrors, ["price", "reason"]),
  });
  return (
    <Modal opened onClose={onClose} title={`Цена ниже закупочной: позиция ${line.position}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          approve.mutate();
        }}
      >
        <Stack>
          <Text size="sm">
            {line.name}: закупочная цена {formatMoney(line.purchase_price)}
          </Text>
          <TextInput label="Цена за единицу, ₽" required inputMode="decimal" value={price} onChange={(e) => setPrice(e.currentTarget.value)} error={errors.price} data-autofocus />
          <Textarea label="Причина" required autosize minRows={2} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Отмена
            </Button>
            <Button type="submit" color="grape" loading={approve.isPending} disabled={!reason.trim() || !price.trim()}>
              Согласовать
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

type Product = components["schemas"]["ProductStaffRead"];

/** A new line: an item of the 1C catalogue found as you type, or a non-standard position (priced by supply). */
export function AddLine({ proposal }: { proposal: Proposal }) {
  const onProblem = useProblemHandler();
  const settled = useSettled(proposal.id);
  const [kind, setKind] = useState<"catalogue" | "nonstandard">("catalogue");
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q, 250);
  const [product, setProduct] = useState<Product | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [quantity, setQuantity] = useState<number | string>(1);
  const [purchase, setPurchase] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [key, setKey] = useState(newIdempotencyKey);
  const found = useQuery({
    queryKey: ["catalogue", debounced],
    enabled: kind === "catalogue" && debounced.trim().length >= 2,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/catalogue/products", { params: { query: { q: debounced.trim(), limit: 10 } }, signal })),
    staleTime: 60_000,
  });
  const items = found.data?.items ?? [];
  const label = (p: Product) => `${p.name} · ${p.model}, ${p.color}, ${p.size}/${p.height} · ${p.sku}`;

  const add = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/proposals/{proposal_id}/lines", {
          params: { path: { proposal_id: proposal.id }, header: { ...ifMatch(proposal.version), "Idempotency-Key": key } },
          body:
            kind === "catalogue"
              ? { product_id: product?.id ?? null, quantity: Number(quantity) || 0, description: description.trim() || null }
              : {
                  name: name.trim(),
                  description: description.trim() || null,
                  quantity: Number(quantity) || 0,
                  purchase_price: purchase.trim() ? (parseMoney(purchase) ?? purchase.trim()) : null,
                },
        }),
      ),
    onSuccess: (updated) => {
      settled(updated);
      setQ("");
      setProduct(null);
      setName("");
      setDescription("");
      setQuantity(1);
      setPurchase("");
      setKey(newIdempotencyKey());
    },
    onError: (e) => onProblem(e, setErrors, ["product_id", "name", "description", "quantity", "purchase_price", "price"]),
  });
  const ready = kind === "catalogue" ? product !== null : name.trim() !== "";
  return (
    <form
      aria-label="Новая позиция"
      onSubmit={(e) => {
        e.preventDefault();
        setErrors({});
        if (ready) add.mutate();
      }}
    >
      <Stack gap="xs" data-testid="add-line">
        <SegmentedControl
          w="fit-content"
          value={kind}
          onChange={(v) => setKind(v as typeof kind)}
          data={[
            { value: "catalogue", label: "Из каталога 1С" },
            { value: "nonstandard", label: "Нестандартная позиция" },
          ]}
        />
        <Group align="flex-start" gap="xs" wrap="nowrap">
          {kind === "catalogue" ? (
            <Autocomplete
              label="Товар (поиск в 1С)"
              placeholder="Название или артикул"
              style={{ flex: 1 }}
              value={q}
              onChange={(value) => {
                const picked = items.find((p) => p.id === value || label(p) === value);
                if (picked) {
                  setProduct(picked);
                  setQ(label(picked));
                  return;
                }
                setProduct(null);
                setQ(value);
              }}
              filter={({ options }) => options}
              data={items.map((p) => ({ value: p.id, label: label(p) }))}
              error={errors.product_id}
            />
          ) : (
            <TextInput label="Наименование" style={{ flex: 1 }} value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
          )}
          <TextInput label="Описание" w={220} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={errors.description} />
          <NumberInput label="Кол-во" w={90} min={1} allowDecimal={false} value={quantity} onChange={setQuantity} error={errors.quantity} />
          {kind === "nonstandard" ? (
            <TextInput
              label="Закупочная, ₽"
              w={130}
              inputMode="decimal"
              placeholder="спросить снабжение"
              value={purchase}
              onChange={(e) => setPurchase(e.currentTarget.value)}
              error={errors.purchase_price ?? errors.price}
            />
          ) : null}
          <Button type="submit" mt={25} loading={add.isPending} disabled={!ready}>
            Добавить
          </Button>
        </Group>
        {kind === "nonstandard" ? (
          <Text size="xs" c="dimmed">
            Без закупочной цены позиция уходит снабжению в чат «Нестандартные позиции»; цена с наценкой встанет, когда снабжение ответит.
          </Text>
        ) : null}
      </Stack>
    </form>
  );
}
