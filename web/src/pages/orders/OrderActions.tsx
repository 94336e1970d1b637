import { Autocomplete, Button, Group, Modal, Select, Stack, Table, TextInput, Textarea } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useClientSearch } from "../../lib/clients";
import { useProblemHandler } from "../../lib/problems";
import { AgreeDeliveryModal, FeedbackModal } from "./Delivery";

type Order = components["schemas"]["OrderRead"];
type LineIn = components["schemas"]["OrderLineIn"];

/** The regulation's words for the order's actions (named as the last segment of their path). */
const ACTION_LABEL: Record<string, string> = {
  clarify: "Уточнить",
  "approve-credit": "Впустить с долгом",
  invoice: "Выставить счёт",
  "send-for-approval": "Отправить счёт на согласование",
  "request-revision": "Клиент просит изменить",
  revise: "Исправить счёт",
  approve: "Счёт согласован",
  fulfil: "Обеспечить",
  "send-to-warehouse": "Передать на склад",
  "warehouse-accepted": "Принято складом",
  "warehouse-accept": "Принято складом",
  "workshop-accept": "Принято цехом",
  ready: "Собрано",
  "agree-delivery": "Доставка согласована",
  delivery: "Доставка согласована",
  received: "Получено клиентом",
  feedback: "Звонок обратной связи",
  ship: "Отгружено",
  receive: "Получено клиентом",
  close: "Закрыть",
  cancel: "Отменить заявку",
};

/** These take a reason, asked for before the call. */
const WITH_REASON = new Set(["cancel", "approve-credit"]);

export function actionLabel(action: string): string {
  return ACTION_LABEL[action.replaceAll("_", "-")] ?? action;
}

/** The order's actions as buttons: exactly those `allowed_actions` lists. */
export function OrderActions({ order }: { order: Order }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [asking, setAsking] = useState<string | null>(null);
  const [clarifying, setClarifying] = useState(false);
  const [form, setForm] = useState<"delivery" | "feedback" | null>(null);

  const act = useMutation({
    mutationFn: async ({ action, body }: { action: string; body?: object }) => {
      // The action is the last segment of POST /orders/{id}/<action>: not one of the typed paths.
      const post = api.POST as unknown as (
        path: string,
        init: { params: { path: { order_id: number }; header: Record<string, string> }; body?: object },
      ) => Promise<{ data?: Order | object; error?: unknown; response: Response }>;
      return unwrap(
        await post(`/api/v1/orders/{order_id}/${action}`, {
          params: { path: { order_id: order.id }, header: ifMatch(order.version) },
          body,
        }),
      );
    },
    onSuccess: (updated) => {
      // Most actions answer with the order; some with what they made (the invoice, the delivery).
      if ("channel" in updated) queryClient.setQueryData(["orders", order.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      void queryClient.invalidateQueries({ queryKey: ["invoices"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      setAsking(null);
      setForm(null);
    },
    onError: (error) => onProblem(error),
  });

  if (order.allowed_actions.length === 0) return null;
  return (
    <Group gap="xs" data-testid="order-actions">
      {order.allowed_actions.map((action) => {
        const name = action.replaceAll("_", "-");
        return (
          <Button
            key={action}
            size="sm"
            variant={name === "cancel" ? "light" : "filled"}
            color={name === "cancel" ? "red" : undefined}
            loading={act.isPending && act.variables.action === name}
            onClick={() => {
              if (name === "clarify") setClarifying(true);
              else if (name === "delivery" || name === "feedback") setForm(name);
              else if (name === "received") act.mutate({ action: name, body: {} });
              else if (WITH_REASON.has(name)) setAsking(name);
              else act.mutate({ action: name });
            }}
          >
            {actionLabel(name)}
          </Button>
        );
      })}
      {asking ? (
        <ReasonModal
          title={actionLabel(asking)}
          busy={act.isPending}
          onClose={() => setAsking(null)}
          onSubmit={(reason) => act.mutate({ action: asking, body: { reason } })}
        />
      ) : null}
      {clarifying ? <ClarifyModal order={order} onClose={() => setClarifying(false)} /> : null}
      {form === "delivery" ? <AgreeDeliveryModal order={order} onClose={() => setForm(null)} /> : null}
      {form === "feedback" ? (
        <FeedbackModal busy={act.isPending} onClose={() => setForm(null)} onSubmit={(body) => act.mutate({ action: "feedback", body })} />
      ) : null}
    </Group>
  );
}

function ReasonModal({
  title,
  busy,
  onClose,
  onSubmit,
}: {
  title: string;
  busy: boolean;
  onClose: () => void;
  onSubmit: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  return (
    <Modal opened onClose={onClose} title={title}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) onSubmit(reason.trim());
        }}
      >
        <Stack>
          <Textarea label="Причина" required autosize minRows={2} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-autofocus />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Назад
            </Button>
            <Button type="submit" loading={busy} disabled={!reason.trim()}>
              Подтвердить
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const FIELDS = ["model", "color", "size", "height", "price_category"] as const;
const FIELD_LABEL: Record<(typeof FIELDS)[number], string> = {
  model: "Модель",
  color: "Цвет",
  size: "Размер",
  height: "Рост",
  price_category: "Цен. категория",
};

/** The manager's answer: the client and the lines in full, each found in the 1C catalogue as you type. */
function ClarifyModal({ order, onClose }: { order: Order; onClose: () => void }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [clientId, setClientId] = useState<string | null>(order.client_id ? String(order.client_id) : null);
  const [clientQuery, setClientQuery] = useState("");
  const [debouncedClient] = useDebouncedValue(clientQuery, 250);
  const clients = useClientSearch(debouncedClient);
  const [lines, setLines] = useState<LineIn[]>(() =>
    order.lines.map((l) => ({
      product_id: l.product_id,
      name: l.name,
      model: l.model,
      color: l.color,
      size: l.size,
      height: l.height,
      price_category: l.price_category,
      quantity: l.quantity,
    })),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});

  const clarify = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/orders/{order_id}/clarify", {
          params: { path: { order_id: order.id }, header: ifMatch(order.version) },
          body: { client_id: clientId ? Number(clientId) : null, lines: lines.length ? lines : null },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(["orders", order.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      onClose();
    },
    onError: (error) => onProblem(error, setErrors, ["client_id", ...lines.flatMap(() => ["lines.name", "lines.quantity"])]),
  });

  const setLine = (i: number, patch: Partial<LineIn>) =>
    setLines((all) => all.map((l, j) => (j === i ? { ...l, ...patch } : l)));

  return (
    <Modal opened onClose={onClose} title={`Уточнение заявки №${order.id}`} size="95%">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setErrors({});
          clarify.mutate();
        }}
      >
        <Stack>
          <Select
            label="Клиент"
            placeholder="Название или ИНН"
            searchable
            clearable
            maw={420}
            value={clientId}
            onChange={setClientId}
            searchValue={clientQuery}
            onSearchChange={setClientQuery}
            filter={({ options }) => options}
            nothingFoundMessage="Не найдено"
            data={(clients.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }))}
            error={errors.client_id}
          />
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Наименование (поиск в 1С)</Table.Th>
                {FIELDS.map((f) => (
                  <Table.Th key={f}>{FIELD_LABEL[f]}</Table.Th>
                ))}
                <Table.Th>Кол-во</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {lines.map((line, i) => (
                <Table.Tr key={i}>
                  <Table.Td miw={260}>
                    <ProductSearch line={line} onPick={(patch) => setLine(i, patch)} />
                  </Table.Td>
                  {FIELDS.map((f) => (
                    <Table.Td key={f}>
                      <TextInput
                        aria-label={`${FIELD_LABEL[f]}, строка ${i + 1}`}
                        value={line[f] ?? ""}
                        onChange={(e) => setLine(i, { [f]: e.currentTarget.value || null })}
                        error={!line[f] ? true : undefined}
                      />
                    </Table.Td>
                  ))}
                  <Table.Td w={90}>
                    <TextInput
                      aria-label={`Количество, строка ${i + 1}`}
                      inputMode="numeric"
                      value={String(line.quantity)}
                      onChange={(e) => setLine(i, { quantity: Number(e.currentTarget.value) || 1 })}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between">
            <Button variant="subtle" onClick={() => setLines((all) => [...all, { name: "", quantity: 1 }])}>
              Добавить строку
            </Button>
            <Group>
              <Button variant="default" onClick={onClose}>
                Отмена
              </Button>
              <Button type="submit" loading={clarify.isPending}>
                Сохранить уточнение
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ProductSearch({ line, onPick }: { line: LineIn; onPick: (patch: Partial<LineIn>) => void }) {
  const [q, setQ] = useState(line.name ?? "");
  const [debounced] = useDebouncedValue(q, 250);
  const found = useQuery({
    queryKey: ["catalogue", debounced],
    enabled: debounced.trim().length >= 2,
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/catalogue/products", { params: { query: { q: debounced.trim(), limit: 10 } }, signal })),
    staleTime: 60_000,
  });
  const items = found.data?.items ?? [];
  const label = (p: (typeof items)[number]) => `${p.name} · ${p.model}, ${p.color}, ${p.size}/${p.height} · ${p.sku}`;
  const pick = (p: (typeof items)[number]) => {
    setQ(p.name);
    onPick({ product_id: p.id, name: p.name, model: p.model, color: p.color, size: p.size, height: p.height });
  };
  return (
    <Autocomplete
      aria-label="Наименование"
      value={q}
      onChange={(value) => {
        // A picked option arrives as its value (or, by some versions, its label); typing as text.
        const picked = items.find((p) => p.id === value || label(p) === value);
        if (picked) {
          pick(picked);
          return;
        }
        setQ(value);
        onPick({ name: value || null, product_id: null });
      }}
      filter={({ options }) => options}
      data={items.map((p) => ({ value: p.id, label: label(p) }))}
    />
  );
}

export function useOrderHistory(orderId: number) {
  return useQuery({
    queryKey: ["orders", orderId, "history"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/orders/{order_id}/history", { params: { path: { order_id: orderId }, query: { limit: 200 } }, signal })),
  });
}

export function useOrderAttachments(orderId: number) {
  return useQuery({
    queryKey: ["orders", orderId, "attachments"],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/orders/{order_id}/attachments", { params: { path: { order_id: orderId } }, signal }))
        .items,
  });
}

/** Open an attachment: fetched with the token (a plain link would carry none), shown by the browser. */
export async function openAttachment(orderId: number, attachmentId: number): Promise<void> {
  const { data, response } = await api.GET("/api/v1/orders/{order_id}/attachments/{attachment_id}", {
    params: { path: { order_id: orderId, attachment_id: attachmentId } },
    parseAs: "blob",
  });
  if (!response.ok || !(data instanceof Blob)) return;
  const url = URL.createObjectURL(data);
  window.open(url, "_blank", "noopener");
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
