import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "@tanstack/react-router";

import { formatDate, formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { deferment } from "../clients/ClientsPage";
import { CREDIT_STATUS, STATUS_COLOR } from "./labels";
import { useCreditRequests } from "./queries";

/** On a client's card: its credit requests, the decision and its reason on each, and a new one. */
export function ClientCredit({ clientId }: { clientId: number }) {
  const me = useMe();
  const list = useCreditRequests(clientId);
  const canAsk = me.data?.permissions.includes("clients:write") ?? false;
  const rows = list.data?.items ?? [];
  return (
    <Stack gap="xs" component="section" aria-label="Заявки на отсрочку" data-testid="client-credit">
      <Group justify="space-between">
        <Title order={3} size="h4">
          Заявки на отсрочку
        </Title>
        {canAsk ? (
          <Button variant="light" size="xs" renderRoot={(props) => <Link {...props} to="/credit" search={{ new: clientId }} />}>
            Запросить отсрочку
          </Button>
        ) : null}
      </Group>
      {rows.length === 0 && list.isSuccess ? (
        <Text size="sm" c="dimmed">
          Заявок не было
        </Text>
      ) : null}
      {rows.length > 0 ? (
        <Table withTableBorder>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/credit/$requestId" params={{ requestId: r.id }} />}>
                    №{r.id}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  {deferment(r.deferment_days)}, {r.credit_limit ? formatMoney(r.credit_limit) : "без лимита"}
                </Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLOR[r.status]} variant="light">
                    {CREDIT_STATUS[r.status]}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {r.status === "approved" ? `с ${formatDate(r.effective_from)}: ` : ""}
                  {r.decision_comment ?? ""}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Stack>
  );
}
