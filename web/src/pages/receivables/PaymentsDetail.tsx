import { Alert, Anchor, Badge, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useEmployeeName } from "../../lib/employees";
import { formatDateTime, formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { daysText, formatDay } from "./days";
import { STAGE } from "./labels";
import { ClientLedger } from "./Ledger";
import { ClientName } from "./PaymentsPage";
import { NotLoaded } from "../../components/NotLoaded";

/** One payment and what it did: the invoices it paid with what is still owed on each, the client's
 * open collection case with its overdue debt now, and the client's settlements. */
export function PaymentPage() {
  const { paymentId } = useParams({ from: "/app/payments/$paymentId" });
  const one = useQuery({
    queryKey: ["payments", paymentId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/payments/{payment_id}", { params: { path: { payment_id: paymentId } }, signal })),
  });
  const me = useMe();
  const p = one.data;
  const recorder = useEmployeeName(p?.recorded_by_id);
  const invoices = useQueries({
    queries: (p?.allocations ?? []).map((a) => ({
      queryKey: ["invoices", a.invoice_id],
      queryFn: async ({ signal }: { signal: AbortSignal }) =>
        unwrap(await api.GET("/api/v1/invoices/{invoice_id}", { params: { path: { invoice_id: a.invoice_id } }, signal })),
    })),
  });
  const cases = useQuery({
    queryKey: ["collection-cases", "client", p?.client_id],
    enabled: p !== undefined && (me.data?.permissions.includes("collection:read") ?? false),
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/collection-cases", { params: { query: { client_id: p?.client_id, limit: 5 } }, signal })),
  });
  if (!one.isSuccess || !p) return <NotLoaded query={one} what="оплату" />;
  // The open case, or the one this payment closed (the newest).
  const open = (cases.data?.items ?? []).find((c) => c.stage !== "closed") ?? cases.data?.items[0];
  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>Оплата {p.reference ?? `№${p.id}`}</Title>
        <Badge variant="light">{p.source === "manual" ? "внесена вручную" : "из 1С"}</Badge>
      </Group>
      <Text size="sm" data-testid="payment-summary">
        <Anchor renderRoot={(props) => <Link {...props} to="/clients/$clientId" params={{ clientId: p.client_id }} />}>
          <ClientName id={p.client_id} />
        </Anchor>{" "}
        · <b>{formatMoney(p.amount)}</b> · оплачено {formatDay(p.paid_on)} · внесено {formatDateTime(p.created_at)}
        {recorder.data ? `, ${recorder.data}` : ""}
        {Number(p.unallocated) > 0 ? ` · аванс ${formatMoney(p.unallocated)}` : ""}
      </Text>
      {p.comment ? <Text size="sm">{p.comment}</Text> : null}
      <Title order={3}>Оплаченные счета</Title>
      {p.allocations.length === 0 ? (
        <Text size="sm" c="dimmed">Счетов не оплачено: вся сумма — аванс клиента.</Text>
      ) : (
        <Table withTableBorder striped data-testid="payment-allocations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Счёт</Table.Th>
              <Table.Th>Срок оплаты</Table.Th>
              <Table.Th ta="right">Сумма счёта</Table.Th>
              <Table.Th ta="right">Зачтено</Table.Th>
              <Table.Th ta="right">Осталось оплатить</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {p.allocations.map((a, i) => {
              const invoice = invoices[i]?.data;
              return (
                <Table.Tr key={a.invoice_id}>
                  <Table.Td>
                    {invoice ? (
                      <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: invoice.order_id }} />}>
                        № {invoice.number}
                      </Anchor>
                    ) : (
                      `Счёт №${a.invoice_id}`
                    )}
                  </Table.Td>
                  <Table.Td>{formatDay(invoice?.due_on)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(invoice?.total)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(a.amount)}</Table.Td>
                  <Table.Td ta="right">{invoice ? (Number(invoice.outstanding) === 0 ? "оплачен" : formatMoney(invoice.outstanding)) : "…"}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
      {open ? (
        <Alert color="orange" title="Дело о задолженности" data-testid="payment-case">
          <Anchor renderRoot={(props) => <Link {...props} to="/receivables/$caseId" params={{ caseId: open.id }} />}>
            Дело №{open.id}
          </Anchor>{" "}
          ({STAGE[open.stage]}): просроченный долг теперь <b data-testid="payment-case-debt">{formatMoney(open.overdue_debt)}</b>
          {Number(open.overdue_debt) > 0 ? `, просрочка ${daysText(open.days_overdue)}` : ""}.
        </Alert>
      ) : null}
      {me.data?.permissions.includes("payments:read") ? <ClientLedger clientId={p.client_id} /> : null}
    </Stack>
  );
}
