import { Anchor, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { formatDay } from "./days";

type Case = components["schemas"]["CaseRead"];

/** The client's payments since the case was opened, each a link to what it paid; the accountant
 * enters one from here. */
export function CasePayments({ c }: { c: Case }) {
  const me = useMe();
  const may = new Set(me.data?.permissions ?? []);
  const payments = useQuery({
    queryKey: ["payments", "list", c.client_id, c.opened_on, "case"],
    enabled: may.has("payments:read"),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/payments", {
          params: { query: { client_id: c.client_id, paid_from: c.opened_on, limit: 20 } },
          signal,
        }),
      ),
  });
  if (!may.has("payments:read")) return null;
  const rows = payments.data?.items ?? [];
  return (
    <Stack gap="xs" data-testid="case-payments">
      <Group justify="space-between">
        <Title order={3}>Оплаты с открытия дела</Title>
        {may.has("payments:write") && c.stage !== "closed" ? (
          <Button size="xs" variant="light"
            renderRoot={(props) => <Link {...props} to="/payments" search={{ client: c.client_id, enter: true }} />}>
            Внести оплату
          </Button>
        ) : null}
      </Group>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">Оплат не было.</Text>
      ) : (
        <Table withTableBorder striped>
          <Table.Tbody>
            {rows.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td w={120}>{formatDay(p.paid_on)}</Table.Td>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/payments/$paymentId" params={{ paymentId: p.id }} />}>
                    {p.reference ?? `Оплата №${p.id}`}
                  </Anchor>
                </Table.Td>
                <Table.Td ta="right">{formatMoney(p.amount)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
