import "mantine-datatable/styles.css";

import { Button, Group, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { DataTable } from "mantine-datatable";
import { useState } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatMoney } from "../../lib/format";

type Client = components["schemas"]["ClientRead"];

const PAGE = 50;

/** «Клиенты»: the clients I may see by name, searched by a part of the name or the INN's start, page by page. */
export function ClientsPage() {
  const navigate = useNavigate();
  const [query, setQuery] = useState("");
  const [q] = useDebouncedValue(query.trim(), 250);

  const clients = useInfiniteQuery({
    queryKey: ["clients", "list", q],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/clients", {
          params: { query: { q: q || undefined, cursor: pageParam ?? undefined, limit: PAGE } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = clients.data?.pages.flatMap((p) => p.items) ?? [];
  const open = (id: number) => void navigate({ to: "/clients/$clientId", params: { clientId: id } });

  return (
    <Stack maw={1100}>
      <Title order={2}>Клиенты</Title>
      <TextInput
        label="Поиск"
        placeholder="Часть названия или начало ИНН"
        w={360}
        value={query}
        onChange={(e) => setQuery(e.currentTarget.value)}
      />
      <DataTable<Client>
        withTableBorder
        striped
        highlightOnHover
        minHeight={160}
        fetching={clients.isFetching}
        records={rows}
        idAccessor="id"
        noRecordsText="Клиентов не найдено"
        onRowClick={({ record }) => open(record.id)}
        columns={[
          {
            accessor: "name",
            title: "Клиент",
            render: (c) => (
              // A link, so the card is reachable from the keyboard as well as by a click on the row.
              <a
                href={`/clients/${c.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  e.stopPropagation();
                  open(c.id);
                }}
                style={{ color: "inherit" }}
              >
                {c.name}
              </a>
            ),
          },
          { accessor: "inn", title: "ИНН", width: 140 },
          { accessor: "deferment_days", title: "Отсрочка", width: 120, render: (c) => deferment(c.deferment_days) },
          {
            accessor: "credit_limit",
            title: "Кредитный лимит",
            width: 170,
            render: (c) => (c.deferment_days === null ? "—" : c.credit_limit ? formatMoney(c.credit_limit) : "без лимита"),
          },
          { accessor: "contacts", title: "Контакты", width: 110, render: (c) => c.contacts.length },
        ]}
      />
      <Group justify="space-between">
        <Text size="sm" c="dimmed" data-testid="clients-shown">
          Показано: {rows.length}
        </Text>
        {clients.hasNextPage ? (
          <Button variant="default" loading={clients.isFetchingNextPage} onClick={() => void clients.fetchNextPage()}>
            Показать ещё
          </Button>
        ) : null}
      </Group>
    </Stack>
  );
}

/** The approved deferment: «предоплата» for 0 days, «14 дн.» otherwise, «—» when none is approved. */
export function deferment(days: number | null): string {
  if (days === null) return "—";
  return days === 0 ? "предоплата" : `${days} дн.`;
}
