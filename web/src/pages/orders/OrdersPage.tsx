import "mantine-datatable/styles.css";

import { Button, Center, ComboboxChevron, Group, Input, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { lazy, startTransition, Suspense, useEffect, useState } from "react";

import { useClientName } from "../../lib/clients";
import { useDebouncedFilter } from "../../lib/debouncedFilter";
import { useEmployeeName } from "../../lib/employees";
import { ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";
import { useMe } from "../../lib/me";
import { ORDER_COLUMNS, type Order } from "./columns";
import { ordersQuery } from "./query";
import type { OrdersSearch } from "./search";

// What the list's first rows do not need comes right after them: the data table, the selects and
// the days picker (with the dates library), and the new order's form.
const OrdersTable = lazy(() => import("./OrdersTable").then((m) => ({ default: m.OrdersTable })));
const OrdersFilters = lazy(() => import("./OrdersFilters").then((m) => ({ default: m.OrdersFilters })));
const NewOrderModal = lazy(() => import("./NewOrderModal").then((m) => ({ default: m.NewOrderModal })));
// If the first page is slow to come, the rest of the page does not wait for it longer than this.
const REST_AT_THE_LATEST_MS = 1000;
// The rows drawn first: a screen's worth (the rest of the page's 50 come with the rest of the page).
const FIRST_ROWS = 15;

/**
 * «Заявки»: the orders I may see, newest first, page by page, filtered by status, channel, client,
 * assistant, the days received and a search; the filters live in the address (reload, share).
 *
 * The first rows are drawn as soon as the first page is there: a screen's worth, as a plain table
 * that looks as the data table does (the same columns, classes and styles). The rest of the rows,
 * the data table and the filters' selects come after that paint; the data table and the selects
 * take the plain table's and fields' places, the same size, while the search field (which may
 * already hold the focus) stays as it is.
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
  // Applied after a pause in the typing or on Enter; held while a row is pressed, dropped once a
  // row is opened, so the typed text never takes the list (and the address) back from the order.
  const typing = useDebouncedFilter(text.trim(), 300);
  const typed = typing.applied;
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

  const orders = useInfiniteQuery(ordersQuery(search));
  const rows = orders.data?.pages.flatMap((p) => p.items) ?? [];
  const open = (order: Order) => void navigate({ to: "/orders/$orderId", params: { orderId: order.id } });

  // The rest of the page is asked for once the first rows are drawn (or the first page failed).
  const [rest, setRest] = useState(false);
  // A filter the reader reached for before its select came: that select opens as it arrives.
  const [wanted, setWanted] = useState<string>();
  useEffect(() => {
    if (rest) return;
    const timer = window.setTimeout(
      () => startTransition(() => setRest(true)),
      orders.isPending ? REST_AT_THE_LATEST_MS : 0,
    );
    return () => window.clearTimeout(timer);
  }, [rest, orders.isPending]);

  const firstRows = <FirstRows rows={rest ? rows : rows.slice(0, FIRST_ROWS)} settled={!orders.isPending} onOpen={open} />;
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Заявки</Title>
        {canCreate ? <Button onClick={() => setCreating(true)}>Новая заявка</Button> : null}
      </Group>
      {creating ? (
        <Suspense fallback={null}>
          <NewOrderModal onClose={() => setCreating(false)} />
        </Suspense>
      ) : null}
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Поиск"
          placeholder="№, клиент, ИНН или текст"
          w={260}
          maxLength={100}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={typing.onKeyDown}
          data-testid="orders-search"
        />
        {rest ? (
          <Suspense fallback={<PlainFilters search={search} onWant={setWanted} />}>
            <OrdersFilters search={search} setFilter={setFilter} wanted={wanted} />
          </Suspense>
        ) : (
          <PlainFilters search={search} onWant={setWanted} />
        )}
      </Group>
      <div {...typing.listProps}>
        {rest ? (
          <Suspense fallback={firstRows}>
            <OrdersTable rows={rows} fetching={orders.isFetching} onOpen={open} />
          </Suspense>
        ) : (
          firstRows
        )}
      </div>
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

/**
 * The rows as a plain table in the data table's own markup (mantine-datatable's classes and
 * stylesheet on Mantine's Table), so the data table that replaces it draws the same rows in the
 * same places.
 */
function FirstRows({ rows, settled, onOpen }: { rows: Order[]; settled: boolean; onOpen: (order: Order) => void }) {
  const width = (w: number | undefined) => (w === undefined ? undefined : { width: w, minWidth: w, maxWidth: w });
  return (
    <div
      className="mantine-datatable mantine-datatable-with-border"
      style={{ height: "100%", minHeight: 160, position: "relative" }}
    >
      <div className="mantine-datatable-scroll-area">
        <Table
          className="mantine-datatable-table"
          verticalSpacing={7}
          data-striped="true"
          data-highlight-on-hover="true"
        >
          <Table.Thead className="mantine-datatable-header">
            <Table.Tr>
              {ORDER_COLUMNS.map((c) => (
                <Table.Th key={c.accessor} data-accessor={c.accessor} style={width(c.width)}>
                  <div className="mantine-datatable-nowrap mantine-datatable-ellipsis" title={c.title}>
                    {c.title}
                  </div>
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((o) => (
              <Table.Tr key={o.id} className="mantine-datatable-row mantine-datatable-pointer-cursor" onClick={() => onOpen(o)}>
                {ORDER_COLUMNS.map((c) => (
                  <Table.Td key={c.accessor} style={width(c.width)}>
                    {c.render(o)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
      {settled && rows.length === 0 ? (
        <Center pos="absolute" inset={0} top={37}>
          <Text c="dimmed" size="sm">
            Заявок нет
          </Text>
        </Center>
      ) : null}
    </div>
  );
}

/**
 * The filters' fields drawn plain, the same size and words, until their selects arrive (not inputs:
 * nothing is typed into a field that is about to be replaced); the one pressed is remembered.
 */
function PlainFilters({ search, onWant }: { search: OrdersSearch; onWant: (label: string) => void }) {
  const client = useClientName(search.client);
  const assistant = useEmployeeName(search.assistant);
  const day = (iso: string | undefined) => (iso ? iso.split("-").reverse().join(".") : "");
  const fields: { label: string; placeholder: string; w: number; value: string; chevron: boolean }[] = [
    { label: "Статус", placeholder: "Все", w: 200, value: search.status ? ORDER_STATUS[search.status] : "", chevron: true },
    { label: "Канал", placeholder: "Все", w: 180, value: search.channel ? ORDER_CHANNEL[search.channel] : "", chevron: true },
    {
      label: "Клиент",
      placeholder: "Название или ИНН",
      w: 260,
      value: search.client !== undefined ? (client.data ?? `№${search.client}`) : "",
      chevron: true,
    },
    {
      label: "Помощник",
      placeholder: "Все",
      w: 220,
      value: search.assistant !== undefined ? (assistant.data ?? "") : "",
      chevron: true,
    },
    {
      label: "Получена",
      placeholder: "Любые дни",
      w: 240,
      value: search.from || search.to ? `${day(search.from)} – ${day(search.to)}` : "",
      chevron: false,
    },
  ];
  return (
    <>
      {fields.map((f) => (
        <Input.Wrapper key={f.label} label={f.label} w={f.w}>
          <Input
            component="div"
            pointer
            onMouseDown={() => onWant(f.label)}
            rightSection={f.chevron ? <ComboboxChevron /> : null}
            rightSectionPointerEvents="none"
            styles={{ input: { display: "flex", alignItems: "center" } }}
          >
            {f.value || <Input.Placeholder>{f.placeholder}</Input.Placeholder>}
          </Input>
        </Input.Wrapper>
      ))}
    </>
  );
}
