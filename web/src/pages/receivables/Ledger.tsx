import { Anchor, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { useCompany } from "../../lib/company";
import { formatMoney } from "../../lib/format";
import { formatDay } from "./days";

/** The client's settlements for the last twelve months: the opening balance, each invoice (debit)
 * and payment (credit) with the balance after it, and the closing balance. */
export function ClientLedger({ clientId }: { clientId: number }) {
  const today = useCompany().data?.today;
  const from = today ? `${Number(today.slice(0, 4)) - 1}${today.slice(4)}` : undefined;
  const ledger = useQuery({
    queryKey: ["clients", clientId, "ledger", from],
    enabled: Boolean(from),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/clients/{client_id}/ledger", {
          params: { path: { client_id: clientId }, query: { date_from: from } },
          signal,
        }),
      ),
  });
  const l = ledger.data;
  if (!l) return null;
  return (
    <section aria-label="Расчёты" data-testid="client-ledger">
      <Stack gap="xs">
        <Title order={3} size="h4">
          Расчёты с {formatDay(l.date_from)} по {formatDay(l.date_to)}
        </Title>
        <Table withTableBorder striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Дата</Table.Th>
              <Table.Th>Документ</Table.Th>
              <Table.Th ta="right">Дебет</Table.Th>
              <Table.Th ta="right">Кредит</Table.Th>
              <Table.Th ta="right">Сальдо</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            <Table.Tr>
              <Table.Td colSpan={4}>Сальдо на начало</Table.Td>
              <Table.Td ta="right">{formatMoney(l.opening_balance)}</Table.Td>
            </Table.Tr>
            {l.entries.map((e) => (
              <Table.Tr key={`${e.kind}-${e.document_id}`}>
                <Table.Td>{formatDay(e.on)}</Table.Td>
                <Table.Td>
                  {e.kind === "invoice" ? (
                    `Счёт № ${e.number}`
                  ) : (
                    <Anchor renderRoot={(props) => <Link {...props} to="/payments/$paymentId" params={{ paymentId: e.document_id }} />}>
                      Оплата {e.number}
                    </Anchor>
                  )}
                </Table.Td>
                <Table.Td ta="right">{e.kind === "invoice" ? formatMoney(e.debit) : ""}</Table.Td>
                <Table.Td ta="right">{e.kind === "payment" ? formatMoney(e.credit) : ""}</Table.Td>
                <Table.Td ta="right">{formatMoney(e.balance)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="sm" data-testid="ledger-closing">
          Сальдо на конец: <b>{formatMoney(l.closing_balance)}</b>
          {l.in_favour_of === "company" ? " в пользу компании (долг клиента)" : l.in_favour_of === "client" ? " в пользу клиента (аванс)" : ""}
        </Text>
      </Stack>
    </section>
  );
}
