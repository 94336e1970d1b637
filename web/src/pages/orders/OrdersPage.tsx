import "mantine-datatable/styles.css";

import { Badge, Button, Group, Select, Stack, Text, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { DataTable } from "mantine-datatable";
import { useState } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useClientName, useClientSearch } from "../../lib/clients";
import { formatDateTime } from "../../lib/format";
import { ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";

type Order = components["schemas"]["OrderRead"];
type Status = components["schemas"]["OrderStatus"];
type Channel = components["schemas"]["OrderChannel"];

const PAGE = 50;

/** «Заявки»: the orders I may see, newest first, filtered by status, channel and client, page by page. */
export function OrdersPage() {
  const navigate = useNavigate();
  const [status, setStatus] = useState<Status | null>(null);
  const [channel, setChannel] = useState<Channel | null>(null);
  const [clientId, setClientId] = useState<string | null>(null);
  const [clientQuery, setClientQuery] = useState("");
  const [debounced] = useDebouncedValue(clientQuery, 250);
  const clients = useClientSearch(debounced);

  const orders = useInfiniteQuery({
    queryKey: ["orders", "list", status, channel, clientId],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/orders", {
          params: {
            query: {
              status: status ?? undefined,
              channel: channel ?? undefined,
              client_id: clientId ? Number(clientId) : undefined,
              cursor: pageParam ?? undefined,
              limit: PAGE,
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = orders.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack maw={1100}>
      <Title order={2}>Заявки</Title>
      <Group align="flex-end" gap="sm">
        <Select
          label="Статус"
          placeholder="Все"
          clearable
          w={220}
          value={status}
          onChange={(v) => setStatus(v as Status | null)}
          data={Object.entries(ORDER_STATUS).map(([value, label]) => ({ value, label }))}
        />
        <Select
          label="Канал"
          placeholder="Все"
          clearable
          w={200}
          value={channel}
          onChange={(v) => setChannel(v as Channel | null)}
          data={Object.entries(ORDER_CHANNEL).map(([value, label]) => ({ value, label }))}
        />
        <Select
          label="Клиент"
          placeholder="Название или ИНН"
          searchable
          clearable
          w={300}
          value={clientId}
          onChange={setClientId}
          searchValue={clientQuery}
          onSearchChange={setClientQuery}
          filter={({ options }) => options}
          nothingFoundMessage="Не найдено"
          data={(clients.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }))}
        />
      </Group>
      <DataTable<Order>
        withTableBorder
        striped
        highlightOnHover
        minHeight={160}
        fetching={orders.isFetching}
        records={rows}
        idAccessor="id"
        noRecordsText="Заявок нет"
        onRowClick={({ record }) => void navigate({ to: "/orders/$orderId", params: { orderId: record.id } })}
        columns={[
          { accessor: "id", title: "№", width: 70 },
          { accessor: "created_at", title: "Получена", width: 160, render: (o) => formatDateTime(o.created_at) },
          { accessor: "channel", title: "Канал", width: 150, render: (o) => ORDER_CHANNEL[o.channel] },
          { accessor: "client_id", title: "Клиент", render: (o) => <ClientName id={o.client_id} /> },
          {
            accessor: "status",
            title: "Статус",
            width: 200,
            render: (o) => (
              <Badge variant="light" color={o.problems.length ? "orange" : "blue"}>
                {ORDER_STATUS[o.status]}
              </Badge>
            ),
          },
        ]}
      />
      <Group justify="space-between">
        <Text size="sm" c="dimmed" data-testid="orders-shown">
          Показано: {rows.length}
        </Text>
        {orders.hasNextPage ? (
          <Button variant="default" loading={orders.isFetchingNextPage} onClick={() => void orders.fetchNextPage()}>
            Показать ещё
          </Button>
        ) : null}
      </Group>
    </Stack>
  );
}

function ClientName({ id }: { id: number | null }) {
  const name = useClientName(id);
  if (id === null) return <Text c="orange" size="sm">не указан</Text>;
  return <>{name.data ?? `№${id}`}</>;
}
