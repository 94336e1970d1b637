import "mantine-datatable/styles.css";

import { Badge, Button, Group, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { DataTable } from "mantine-datatable";
import { useEffect, useState } from "react";

import type { components } from "../../api/schema";
import { useClientName, useClientSearch } from "../../lib/clients";
import { useEmployeesWithRole } from "../../lib/employees";
import { formatDateTime } from "../../lib/format";
import { ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";
import { useMe } from "../../lib/me";
import { NewOrderModal } from "./NewOrderModal";
import { ordersQuery } from "./query";
import type { OrdersSearch } from "./search";

type Order = components["schemas"]["OrderRead"];
type Status = components["schemas"]["OrderStatus"];
type Channel = components["schemas"]["OrderChannel"];

/**
 * «Заявки»: the orders I may see, newest first, page by page, filtered by status, channel, client,
 * assistant, the days received and a search; the filters live in the address (reload, share).
 */
export function OrdersPage() {
  const navigate = useNavigate();
  const search = useSearch({ from: "/app/orders" });
  const me = useMe();
  const canCreate = me.data?.permissions.includes("orders:write") ?? false;
  const [creating, setCreating] = useState(false);
  const setFilter = (change: Partial<OrdersSearch>) =>
    void navigate({ to: "/orders", search: (prev) => clean({ ...prev, ...change }), replace: true });

  const [text, setText] = useState(search.q ?? "");
  const [typed] = useDebouncedValue(text.trim(), 300);
  useEffect(() => {
    if (typed !== (search.q ?? "")) setFilter({ q: typed || undefined });
    // Only the debounced text moves the address; the address moving (back, a link) moves the text.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);
  // The address moving (back, a shared link) moves the text: adjusted while rendering, as React advises.
  const [shownQ, setShownQ] = useState(search.q);
  if (shownQ !== search.q) {
    setShownQ(search.q);
    if (text.trim() !== (search.q ?? "")) setText(search.q ?? "");
  }

  const [rangeStart, setRangeStart] = useState<string | null>(null);
  const [clientQuery, setClientQuery] = useState("");
  const [debounced] = useDebouncedValue(clientQuery, 250);
  const clients = useClientSearch(debounced);
  const chosenClient = useClientName(search.client);
  const clientOptions = (clients.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }));
  if (search.client !== undefined && !clientOptions.some((o) => o.value === String(search.client))) {
    clientOptions.unshift({ value: String(search.client), label: chosenClient.data ?? `№${search.client}` });
  }
  const assistants = useEmployeesWithRole("assistant");

  const orders = useInfiniteQuery(ordersQuery(search));
  const rows = orders.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Заявки</Title>
        {canCreate ? <Button onClick={() => setCreating(true)}>Новая заявка</Button> : null}
      </Group>
      {creating ? <NewOrderModal onClose={() => setCreating(false)} /> : null}
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Поиск"
          placeholder="№, клиент, ИНН или текст"
          w={260}
          maxLength={100}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          data-testid="orders-search"
        />
        <Select
          label="Статус"
          placeholder="Все"
          clearable
          w={200}
          value={search.status ?? null}
          onChange={(v) => setFilter({ status: (v as Status | null) ?? undefined })}
          data={Object.entries(ORDER_STATUS).map(([value, label]) => ({ value, label }))}
        />
        <Select
          label="Канал"
          placeholder="Все"
          clearable
          w={180}
          value={search.channel ?? null}
          onChange={(v) => setFilter({ channel: (v as Channel | null) ?? undefined })}
          data={Object.entries(ORDER_CHANNEL).map(([value, label]) => ({ value, label }))}
        />
        <Select
          label="Клиент"
          placeholder="Название или ИНН"
          searchable
          clearable
          w={260}
          value={search.client !== undefined ? String(search.client) : null}
          onChange={(v) => setFilter({ client: v ? Number(v) : undefined })}
          searchValue={clientQuery}
          onSearchChange={setClientQuery}
          filter={({ options }) => options}
          nothingFoundMessage="Не найдено"
          data={clientOptions}
        />
        <Select
          label="Помощник"
          placeholder="Все"
          clearable
          searchable
          w={220}
          value={search.assistant !== undefined ? String(search.assistant) : null}
          onChange={(v) => setFilter({ assistant: v ? Number(v) : undefined })}
          data={assistants.data ?? []}
        />
        <DatePickerInput
          type="range"
          label="Получена"
          placeholder="Любые дни"
          clearable
          allowSingleDateInRange
          valueFormat="DD.MM.YYYY"
          w={240}
          value={rangeStart ? [rangeStart, null] : [search.from ?? null, search.to ?? null]}
          onChange={([from, to]) => {
            // The first day picked waits here; the address takes the range once both ends are picked.
            if (from && !to) {
              setRangeStart(from);
              return;
            }
            setRangeStart(null);
            setFilter({ from: from ?? undefined, to: to ?? undefined });
          }}
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

/** The search without its empty filters, so the address names only what narrows the list. */
function clean(search: OrdersSearch): OrdersSearch {
  return Object.fromEntries(Object.entries(search).filter(([, v]) => v !== undefined && v !== "")) as OrdersSearch;
}

function ClientName({ id }: { id: number | null }) {
  const name = useClientName(id);
  if (id === null) return <Text c="orange" size="sm">не указан</Text>;
  return <>{name.data ?? `№${id}`}</>;
}
