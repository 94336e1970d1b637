import { Anchor, Badge, Button, Group, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";

import { useClientName } from "../../lib/clients";
import { formatDate, formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { deferment } from "../clients/ClientsPage";
import { CREDIT_STATUS, STATUS_COLOR, STATUS_ORDER } from "./labels";
import { NewCreditRequest } from "./NewCreditRequest";
import { useCreditRequests, type CreditRequest } from "./queries";
import { NotLoaded } from "../../components/NotLoaded";

const WAITING = new Set(["requested", "reviewed", "recommended"]);

/** «Кредитные лимиты / отсрочка»: the requests, those waiting first in the order of the steps
 * (the lawyer, the department head, management), then the decided ones; a new request. */
export function CreditRequestsPage() {
  const search = useSearch({ from: "/app/credit" });
  const navigate = useNavigate({ from: "/credit" });
  const me = useMe();
  const list = useCreditRequests();
  const show = search.show ?? "waiting";
  const canAsk = me.data?.permissions.includes("clients:write") ?? false;
  const setSearch = (next: { show?: "waiting" | "all"; new?: number }) =>
    void navigate({ search: (s) => ({ ...s, ...next }) });

  if (!list.isSuccess) return <NotLoaded query={list} what="заявки" />;
  const rows = list.data.items
    .filter((r) => show === "all" || WAITING.has(r.status))
    .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || b.id - a.id);
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Кредитные лимиты и отсрочка</Title>
        <Group gap="md">
          <SegmentedControl
            aria-label="Какие заявки"
            value={show}
            onChange={(v) => setSearch({ show: v === "all" ? "all" : "waiting" })}
            data={[
              { value: "waiting", label: "Ждут решения" },
              { value: "all", label: "Все" },
            ]}
          />
          {canAsk ? <Button onClick={() => setSearch({ new: 0 })}>Новая заявка</Button> : null}
        </Group>
      </Group>
      <Text size="sm" c="dimmed">
        Отсрочка, лимит и увеличение скидки — только по согласованию руководства: юрист проверяет
        контрагента, руководитель отдела даёт рекомендацию, руководство решает.
      </Text>
      {rows.length === 0 ? (
        <Text c="dimmed">{show === "waiting" ? "Нет заявок, ждущих решения" : "Заявок нет"}</Text>
      ) : (
        <Table striped withTableBorder data-testid="credit-requests">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>№</Table.Th>
              <Table.Th>Клиент</Table.Th>
              <Table.Th>Отсрочка</Table.Th>
              <Table.Th>Лимит</Table.Th>
              <Table.Th>Подана</Table.Th>
              <Table.Th>Состояние</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Row key={r.id} r={r} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {search.new !== undefined ? (
        <NewCreditRequest clientId={search.new || undefined} onClose={() => setSearch({ new: undefined })} />
      ) : null}
    </Stack>
  );
}

function Row({ r }: { r: CreditRequest }) {
  const name = useClientName(r.client_id);
  return (
    <Table.Tr data-request={r.id}>
      <Table.Td>
        <Anchor renderRoot={(props) => <Link {...props} to="/credit/$requestId" params={{ requestId: r.id }} />}>
          №{r.id}
        </Anchor>
      </Table.Td>
      <Table.Td>{name.data ?? `Клиент №${r.client_id}`}</Table.Td>
      <Table.Td>{deferment(r.deferment_days)}</Table.Td>
      <Table.Td>{r.credit_limit ? formatMoney(r.credit_limit) : "без лимита"}</Table.Td>
      <Table.Td>{formatDate(r.created_at)}</Table.Td>
      <Table.Td>
        <Badge color={STATUS_COLOR[r.status]} variant="light">
          {CREDIT_STATUS[r.status]}
        </Badge>
      </Table.Td>
    </Table.Tr>
  );
}
