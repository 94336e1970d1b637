import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useClientName } from "../../lib/clients";
import { saveFile } from "../../lib/download";
import { useEmployeeName } from "../../lib/employees";
import { formatDate, formatDateTime, toZonedInput } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { CHECK_STATUS } from "./labels";

type Order = components["schemas"]["OrderRead"];

/** «Склад»: the orders sent to the warehouse with their Excel file and «Принято», and today's morning checks. */
export function WarehousePage() {
  const me = useMe();
  const permissions = new Set(me.data?.permissions ?? []);
  return (
    <Stack maw={1100}>
      <Title order={2}>Склад</Title>
      {permissions.has("orders:read") ? (
        <SentOrders canAccept={permissions.has("warehouse:accept")} canClients={permissions.has("clients:read")} />
      ) : null}
      {permissions.has("warehouse_checks:work") ? <TodayChecks /> : null}
    </Stack>
  );
}

function SentOrders({ canAccept, canClients }: { canAccept: boolean; canClients: boolean }) {
  const orders = useQuery({
    queryKey: ["orders", "list", "sent_to_warehouse"],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/orders", { params: { query: { status: "sent_to_warehouse", limit: 200 } }, signal }),
      ),
  });
  const rows = orders.data?.items ?? [];
  return (
    <section aria-label="Заявки на склад" data-testid="warehouse-orders">
      <Title order={3} size="h4" mb="xs">
        Заявки на склад
      </Title>
      {orders.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {orders.isSuccess && rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          Новых заявок нет
        </Text>
      ) : null}
      {rows.length > 0 ? (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Заявка</Table.Th>
              {canClients ? <Table.Th>Клиент</Table.Th> : null}
              <Table.Th>Передана</Table.Th>
              <Table.Th>Позиций</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((o) => (
              <SentOrder key={o.id} order={o} canAccept={canAccept} canClients={canClients} />
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </section>
  );
}

function SentOrder({ order: o, canAccept, canClients }: { order: Order; canAccept: boolean; canClients: boolean }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  // The keeper does not read clients: the name only for those who may.
  const client = useClientName(canClients ? o.client_id : null);
  const [downloading, setDownloading] = useState(false);
  const accept = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/orders/{order_id}/warehouse-accepted", {
          params: { path: { order_id: o.id }, header: ifMatch(o.version) },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(["orders", o.id], updated);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
    },
    onError: (error) => onProblem(error),
  });
  const download = async () => {
    setDownloading(true);
    try {
      const { data, response } = await api.GET("/api/v1/orders/{order_id}/warehouse.xlsx", {
        params: { path: { order_id: o.id } },
        parseAs: "blob",
      });
      if (response.ok && data instanceof Blob) saveFile(data, response, `order-${o.id}.xlsx`);
    } finally {
      setDownloading(false);
    }
  };
  return (
    <Table.Tr data-order={o.id}>
      <Table.Td>
        <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: o.id }} />}>
          №{o.id}
        </Anchor>
      </Table.Td>
      {canClients ? <Table.Td>{client.data ?? "—"}</Table.Td> : null}
      <Table.Td>{formatDateTime(o.updated_at)}</Table.Td>
      <Table.Td>{o.lines.length}</Table.Td>
      <Table.Td>
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button size="xs" variant="default" loading={downloading} onClick={() => void download()}>
            Файл Excel
          </Button>
          {canAccept ? (
            <Button size="xs" loading={accept.isPending} onClick={() => accept.mutate()}>
              Принято
            </Button>
          ) : null}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Today's sheets of the morning check (made at 8:30 for every assistant with invoices to check). */
function TodayChecks() {
  const today = toZonedInput(new Date()).slice(0, 10);
  const checks = useQuery({
    queryKey: ["warehouse-checks", today],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/warehouse-checks", { params: { query: { day: today, limit: 100 } }, signal })),
  });
  const rows = checks.data?.items ?? [];
  return (
    <section aria-label="Утренняя проверка" data-testid="warehouse-checks">
      <Title order={3} size="h4" mb="xs">
        Утренняя проверка · {formatDate(`${today}T12:00:00Z`)}
      </Title>
      {checks.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {checks.isSuccess && rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          Листов проверки на сегодня нет
        </Text>
      ) : null}
      {rows.length > 0 ? (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Лист</Table.Th>
              <Table.Th>Помощник</Table.Th>
              <Table.Th>Позиций</Table.Th>
              <Table.Th>Отмечено</Table.Th>
              <Table.Th>Состояние</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/warehouse/checks/$checkId" params={{ checkId: c.id }} />}>
                    Лист №{c.id}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Employee id={c.assistant_id} />
                </Table.Td>
                <Table.Td>{c.items.length}</Table.Td>
                <Table.Td>{c.items.filter((i) => i.mark !== "pending").length}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={c.status === "done" ? "green" : c.status === "started" ? "blue" : "gray"}>
                    {CHECK_STATUS[c.status]}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </section>
  );
}

export function Employee({ id }: { id: number | null }) {
  const name = useEmployeeName(id);
  if (id === null) return <>—</>;
  return <>{name.data ?? `№${id}`}</>;
}
