import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch, newIdempotencyKey } from "../../api/client";
import { PdfFrame } from "../../components/PdfFrame";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useEmployeeNames } from "../../lib/employees";
import { formatDate, formatDateTime, formatMoney } from "../../lib/format";
import { INVOICE_STATUS } from "../../lib/labels";
import { useProblemHandler } from "../../lib/problems";

type Order = components["schemas"]["OrderRead"];
type Invoice = components["schemas"]["InvoiceRead"];
type Flag = components["schemas"]["FlagRead"];

/** The regulation's words for the invoice's actions (the last segment of POST /invoices/{id}/<name>). */
const ACTION_LABEL: Record<string, string> = {
  send: "Отправить клиенту",
  "request-changes": "Клиент просит изменить",
  revise: "Изменить счёт",
  approve: "Клиент согласовал",
  "approve-discount": "Одобрить скидку",
  "refuse-discount": "Отказать в скидке",
};

/** The order's invoice (the latest of the client's invoices made from this order), if there is one. */
export function useOrderInvoice(order: Order) {
  return useQuery({
    queryKey: ["invoices", "order", order.id],
    enabled: order.client_id !== null,
    queryFn: async ({ signal }) => {
      const page = unwrap(
        await api.GET("/api/v1/invoices", { params: { query: { client_id: order.client_id ?? 0, limit: 200 } }, signal }),
      );
      return page.items.find((i) => i.order_id === order.id) ?? null;
    },
  });
}

/** «Счёт»: the PDF in the page, its lines, its actions, revisions side by side, mistakes flagged. */
export function InvoiceSection({ order }: { order: Order }) {
  const found = useOrderInvoice(order);
  if (!found.data) return null;
  return <InvoiceCard invoice={found.data} />;
}

function InvoiceCard({ invoice }: { invoice: Invoice }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [asking, setAsking] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const act = useMutation({
    mutationFn: async ({ action, body }: { action: string; body: object }) => {
      // The action is the last segment of POST /invoices/{id}/<action>: not one of the typed paths.
      const post = api.POST as unknown as (
        path: string,
        init: { params: { path: { invoice_id: number }; header: Record<string, string> }; body: object },
      ) => Promise<{ data?: object; error?: unknown; response: Response }>;
      return unwrap(
        await post(`/api/v1/invoices/{invoice_id}/${action}`, {
          params: { path: { invoice_id: invoice.id }, header: ifMatch(invoice.version) },
          body,
        }),
      );
    },
    onSuccess: () => {
      setAsking(null);
      void queryClient.invalidateQueries({ queryKey: ["invoices"] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (error) => onProblem(error, setErrors, ["email", "comment", "reason", "lines.quantity", "lines.discount_percent"]),
  });
  const run = (action: string, body: object) => {
    setErrors({});
    act.mutate({ action, body });
  };

  return (
    <section aria-label="Счёт" data-testid="invoice">
      <Group gap="sm" mb="xs">
        <Title order={3} size="h4">
          Счёт № {invoice.number} от {formatDate(invoice.issued_on)}
        </Title>
        <Badge variant="light" data-testid="invoice-status">
          {INVOICE_STATUS[invoice.status]}
        </Badge>
        <Text size="sm" c="dimmed">
          редакция {invoice.revision} · итого {formatMoney(invoice.total)}, в т. ч. НДС {formatMoney(invoice.vat_total)}
        </Text>
      </Group>
      <Stack gap="sm">
        {invoice.discount_approval === "pending" ? (
          <Alert color="yellow" title="Скидка ждёт решения руководства" data-testid="discount-pending">
            Скидка больше согласованной с клиентом или ниже закупочной цены: счёт не отправить, пока руководство не решит.
          </Alert>
        ) : null}
        {invoice.discount_approval === "refused" ? (
          <Alert color="red" title="Руководство отказало в скидке">
            {invoice.discount_comment ?? ""}
          </Alert>
        ) : null}
        {invoice.client_comment && invoice.status === "revision_requested" ? (
          <Alert color="orange" title="Клиент просит изменить">
            {invoice.client_comment}
          </Alert>
        ) : null}
        <Group gap="xs" data-testid="invoice-actions">
          {invoice.allowed_actions.map((action) => (
            <Button
              key={action}
              size="sm"
              variant={action === "refuse-discount" ? "light" : "filled"}
              color={action === "refuse-discount" ? "red" : undefined}
              loading={act.isPending && act.variables.action === action}
              onClick={() => {
                setErrors({});
                if (action === "approve" || action === "approve-discount") run(action, {});
                else setAsking(action);
              }}
            >
              {ACTION_LABEL[action] ?? action}
            </Button>
          ))}
        </Group>
        <Table withTableBorder striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>№</Table.Th>
              <Table.Th>Товар</Table.Th>
              <Table.Th>Кол-во</Table.Th>
              <Table.Th>Цена по прайсу</Table.Th>
              <Table.Th>Скидка, %</Table.Th>
              <Table.Th>Цена</Table.Th>
              <Table.Th>Сумма</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoice.lines.map((l) => (
              <Table.Tr key={l.position}>
                <Table.Td>{l.position}</Table.Td>
                <Table.Td>{l.name}</Table.Td>
                <Table.Td>
                  {l.quantity} {l.unit}
                </Table.Td>
                <Table.Td>{formatMoney(l.unit_price)}</Table.Td>
                <Table.Td>{l.discount_percent}</Table.Td>
                <Table.Td>{formatMoney(l.price)}</Table.Td>
                <Table.Td>{formatMoney(l.amount)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Flags invoice={invoice} />
        {invoice.revision > 1 ? <Revisions key={invoice.revision} invoice={invoice} /> : null}
        <InvoicePdf invoice={invoice} />
      </Stack>
      {asking === "send" ? (
        <AskModal title="Отправить счёт клиенту" busy={act.isPending} onClose={() => setAsking(null)}
          fields={[{ name: "email", label: "E-mail клиента (если не из карточки)", required: false }, { name: "note", label: "Сопроводительный текст", required: false, long: true }]}
          errors={errors}
          onSubmit={(v) => run("send", { email: v.email || null, note: v.note || null })} />
      ) : null}
      {asking === "request-changes" ? (
        <AskModal title="Клиент просит изменить счёт" busy={act.isPending} onClose={() => setAsking(null)}
          fields={[{ name: "comment", label: "Что клиент просит изменить", required: true, long: true }]}
          errors={errors}
          onSubmit={(v) => run("request-changes", { comment: v.comment })} />
      ) : null}
      {asking === "refuse-discount" ? (
        <AskModal title="Отказать в скидке" busy={act.isPending} onClose={() => setAsking(null)}
          fields={[{ name: "comment", label: "Почему", required: true, long: true }]}
          errors={errors}
          onSubmit={(v) => run("refuse-discount", { comment: v.comment })} />
      ) : null}
      {asking === "revise" ? (
        <ReviseModal invoice={invoice} busy={act.isPending} errors={errors} onClose={() => setAsking(null)}
          onSubmit={(body) => run("revise", body)} />
      ) : null}
    </section>
  );
}

type AskField = { name: string; label: string; required: boolean; long?: boolean };

/** A short form before an action: its fields, the problems the API named beside them. */
function AskModal({ title, fields, errors, busy, onClose, onSubmit }: {
  title: string;
  fields: AskField[];
  errors: Record<string, string>;
  busy: boolean;
  onClose: () => void;
  onSubmit: (values: Record<string, string>) => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const ready = fields.every((f) => !f.required || (values[f.name] ?? "").trim());
  return (
    <Modal opened onClose={onClose} title={title}>
      <form onSubmit={(e) => { e.preventDefault(); if (ready) onSubmit(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()]))); }}>
        <Stack>
          {fields.map((f, i) => {
            const props = {
              label: f.label,
              required: f.required,
              value: values[f.name] ?? "",
              error: errors[f.name],
              "data-autofocus": i === 0 || undefined,
              onChange: (e: { currentTarget: { value: string } }) => {
                const value = e.currentTarget.value;
                setValues((all) => ({ ...all, [f.name]: value }));
              },
            };
            return f.long ? <Textarea key={f.name} autosize minRows={2} {...props} /> : <TextInput key={f.name} {...props} />;
          })}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Назад</Button>
            <Button type="submit" loading={busy} disabled={!ready}>Подтвердить</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The client's changes: each line's quantity and discount, and why. */
function ReviseModal({ invoice, errors, busy, onClose, onSubmit }: {
  invoice: Invoice;
  errors: Record<string, string>;
  busy: boolean;
  onClose: () => void;
  onSubmit: (body: components["schemas"]["InvoiceRevise"]) => void;
}) {
  const [reason, setReason] = useState(invoice.client_comment ?? "");
  const [lines, setLines] = useState(() =>
    invoice.lines.map((l) => ({ position: l.position, quantity: l.quantity, discount_percent: l.discount_percent })),
  );
  const set = (i: number, patch: Partial<(typeof lines)[number]>) =>
    setLines((all) => all.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  return (
    <Modal opened onClose={onClose} title={`Изменить счёт № ${invoice.number}`} size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) onSubmit({ reason: reason.trim(), lines });
        }}
      >
        <Stack>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Товар</Table.Th>
                <Table.Th w={110}>Кол-во</Table.Th>
                <Table.Th w={120}>Скидка, %</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoice.lines.map((l, i) => (
                <Table.Tr key={l.position}>
                  <Table.Td>{l.name}</Table.Td>
                  <Table.Td>
                    <NumberInput aria-label={`Количество, строка ${l.position}`} min={0} allowDecimal={false}
                      value={lines[i]?.quantity ?? 0} onChange={(v) => set(i, { quantity: Number(v) || 0 })}
                      error={i === 0 ? errors["lines.quantity"] : undefined} />
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={`Скидка, строка ${l.position}`} inputMode="decimal"
                      value={String(lines[i]?.discount_percent ?? "0")}
                      onChange={(e) => set(i, { discount_percent: e.currentTarget.value.replace(",", ".") })}
                      error={i === 0 ? errors["lines.discount_percent"] : undefined} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Textarea label="Причина изменения" required autosize minRows={2} value={reason}
            onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Назад</Button>
            <Button type="submit" loading={busy} disabled={!reason.trim()}>Сохранить новую редакцию</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

const COMPARED_FIELD: Record<string, string> = {
  quantity: "Кол-во",
  discount_percent: "Скидка, %",
  unit_price: "Цена по прайсу",
  price: "Цена",
  amount: "Сумма",
  vat_amount: "НДС",
};
const CHANGE: Record<string, string> = { added: "добавлена", removed: "удалена", changed: "изменена" };
const MONEY_FIELDS = new Set(["unit_price", "price", "amount", "vat_amount"]);

function shown(field: string, value: unknown): string {
  if (value === null || value === undefined) return "—";
  return MONEY_FIELDS.has(field) ? formatMoney(String(value)) : String(value);
}

/** Two revisions side by side: what changed in each line and in the totals. */
function Revisions({ invoice }: { invoice: Invoice }) {
  const [from, setFrom] = useState(String(invoice.revision - 1));
  const [to, setTo] = useState(String(invoice.revision));
  const compared = useQuery({
    queryKey: ["invoices", invoice.id, "compare", from, to],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/invoices/{invoice_id}/revisions/compare", {
          params: { path: { invoice_id: invoice.id }, query: { from: Number(from), to: Number(to) } },
          signal,
        }),
      ),
  });
  const options = Array.from({ length: invoice.revision }, (_, i) => ({ value: String(i + 1), label: `Редакция ${i + 1}` }));
  const c = compared.data;
  return (
    <section aria-label="Сравнение редакций" data-testid="revisions">
      <Group gap="sm" mb="xs">
        <Title order={4} size="h5">
          Сравнение редакций
        </Title>
        <Select aria-label="Ранняя редакция" w={150} data={options} value={from} allowDeselect={false} onChange={(v) => v && setFrom(v)} />
        <Select aria-label="Поздняя редакция" w={150} data={options} value={to} allowDeselect={false} onChange={(v) => v && setTo(v)} />
      </Group>
      {compared.isPending ? <Loader size="sm" /> : null}
      {c ? (
        <Stack gap="xs">
          {c.reason ? <Text size="sm">Причина: {c.reason}</Text> : null}
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Строка</Table.Th>
                <Table.Th>Что</Table.Th>
                <Table.Th>Редакция {c.from_revision}</Table.Th>
                <Table.Th>Редакция {c.to_revision}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {c.lines.flatMap((l) =>
                Object.entries(l.fields).map(([field, change], k) => (
                  <Table.Tr key={`${l.position}-${field}`} data-testid="revision-change">
                    <Table.Td>{k === 0 ? `${l.position}. ${l.name} (${CHANGE[l.change] ?? l.change})` : ""}</Table.Td>
                    <Table.Td>{COMPARED_FIELD[field] ?? field}</Table.Td>
                    <Table.Td>{shown(field, change.before)}</Table.Td>
                    <Table.Td>{shown(field, change.after)}</Table.Td>
                  </Table.Tr>
                )),
              )}
              <Table.Tr data-testid="revision-total">
                <Table.Td fw={600}>Итого</Table.Td>
                <Table.Td />
                <Table.Td>{shown("amount", c.total.before)}</Table.Td>
                <Table.Td>{shown("amount", c.total.after)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Stack>
      ) : null}
    </section>
  );
}

/** Mistakes flagged in the invoice (posted to «Косяки в документах») and their fixing. */
function Flags({ invoice }: { invoice: Invoice }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const names = useEmployeeNames();
  const [flagging, setFlagging] = useState(false);
  const [fixing, setFixing] = useState<Flag | null>(null);
  const [key] = useState(newIdempotencyKey);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const done = () => {
    setFlagging(false);
    setFixing(null);
    void queryClient.invalidateQueries({ queryKey: ["invoices"] });
  };
  const flag = useMutation({
    mutationFn: async (description: string) =>
      unwrap(
        await api.POST("/api/v1/document-flags", {
          params: { header: { "Idempotency-Key": key } },
          body: { document_kind: "invoice", document_ref: invoice.number, description },
        }),
      ),
    onSuccess: done,
    onError: (error) => onProblem(error, setErrors, ["description"]),
  });
  const fix = useMutation({
    mutationFn: async ({ f, note }: { f: Flag; note: string }) =>
      unwrap(
        await api.POST("/api/v1/document-flags/{flag_id}/fixed", {
          params: { path: { flag_id: f.id }, header: ifMatch(f.version) },
          body: { note },
        }),
      ),
    onSuccess: done,
    onError: (error) => onProblem(error, setErrors, ["note"]),
  });
  return (
    <div data-testid="invoice-flags">
      {invoice.open_flags.map((f) => (
        <Alert key={f.id} color="red" title="Ошибка в документе" mb="xs" data-testid="flag">
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">
              {f.description}
              <Text span size="xs" c="dimmed">
                {" "}
                · {formatDateTime(f.created_at)}
                {f.flagged_by_id !== null ? ` · ${names.data?.get(f.flagged_by_id) ?? ""}` : ""}
              </Text>
            </Text>
            <Button size="xs" variant="light" onClick={() => setFixing(f)}>
              Исправлено
            </Button>
          </Group>
        </Alert>
      ))}
      <Button size="xs" variant="subtle" color="red" onClick={() => setFlagging(true)}>
        Сообщить об ошибке в счёте
      </Button>
      {flagging ? (
        <AskModal title={`Ошибка в счёте № ${invoice.number}`} busy={flag.isPending} errors={errors} onClose={() => setFlagging(false)}
          fields={[{ name: "description", label: "Что не так", required: true, long: true }]}
          onSubmit={(v) => flag.mutate(v.description ?? "")} />
      ) : null}
      {fixing ? (
        <AskModal title="Ошибка исправлена" busy={fix.isPending} errors={errors} onClose={() => setFixing(null)}
          fields={[{ name: "note", label: "Что исправлено", required: true, long: true }]}
          onSubmit={(v) => fix.mutate({ f: fixing, note: v.note ?? "" })} />
      ) : null}
    </div>
  );
}

/** The invoice's PDF, shown in the page. */
function InvoicePdf({ invoice }: { invoice: Invoice }) {
  return (
    <PdfFrame
      queryKey={["invoices", invoice.id, "pdf", invoice.version]}
      load={(signal) =>
        api.GET("/api/v1/invoices/{invoice_id}/pdf", { params: { path: { invoice_id: invoice.id } }, parseAs: "blob", signal })
      }
      title={`Счёт № ${invoice.number}, PDF`}
      failed="Не удалось получить PDF счёта"
      testId="invoice-pdf"
    />
  );
}
