import { Anchor, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { DayInput } from "../../components/WhenInput";
import { useClientName } from "../../lib/clients";
import { formatMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { formatDay } from "./days";
import { ClientSelect } from "./PaymentsClientSelect";
import { PaymentForm } from "./PaymentsForm";
import type { PaymentsSearch } from "./PaymentsSearch";
import { NotLoaded } from "../../components/NotLoaded";

const PAGE = 50;

export function ClientName({ id }: { id: number }) {
  const name = useClientName(id);
  return <>{name.data ?? `Клиент №${id}`}</>;
}

/** «Оплаты»: the payments that came, by client and period, newest first; the accountant enters one. */
export function PaymentsPage() {
  const search = useSearch({ from: "/app/payments" });
  const navigate = useNavigate({ from: "/payments" });
  const me = useMe();
  const canEnter = me.data?.permissions.includes("payments:write") ?? false;
  const set = (change: Partial<PaymentsSearch>) =>
    void navigate({ search: (prev: PaymentsSearch) => ({ ...prev, ...change }), replace: true });
  const list = useInfiniteQuery({
    queryKey: ["payments", "list", search.client, search.from, search.to],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/payments", {
          params: {
            query: { client_id: search.client, paid_from: search.from, paid_to: search.to, cursor: pageParam, limit: PAGE },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>Оплаты</Title>
        {canEnter ? <Button onClick={() => set({ enter: true })}>Внести оплату</Button> : null}
      </Group>
      <Group align="flex-end" gap="sm" data-testid="payments-filters">
        <ClientSelect label="Клиент" placeholder="Все клиенты" clearable w={320} value={search.client ?? null}
          onChange={(id) => set({ client: id ?? undefined })} />
        <DayInput label="С" w={150} value={search.from ?? ""} onChange={(v) => set({ from: v || undefined })} />
        <DayInput label="По" w={150} value={search.to ?? ""} onChange={(v) => set({ to: v || undefined })} />
      </Group>
      {list.isSuccess ? null : <NotLoaded query={list} what="оплаты" />}
      {list.isSuccess && rows.length === 0 ? <Text c="dimmed">Оплат не найдено.</Text> : null}
      {rows.length > 0 ? (
        <Table withTableBorder striped data-testid="payments">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Дата</Table.Th>
              <Table.Th>Клиент</Table.Th>
              <Table.Th>Платёжное поручение</Table.Th>
              <Table.Th ta="right">Сумма</Table.Th>
              <Table.Th ta="right">Аванс</Table.Th>
              <Table.Th>Счета</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((p) => (
              <Table.Tr key={p.id} data-payment={p.id}>
                <Table.Td>{formatDay(p.paid_on)}</Table.Td>
                <Table.Td><ClientName id={p.client_id} /></Table.Td>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/payments/$paymentId" params={{ paymentId: p.id }} />}>
                    {p.reference ?? `Оплата №${p.id}`}
                  </Anchor>
                </Table.Td>
                <Table.Td ta="right">{formatMoney(p.amount)}</Table.Td>
                <Table.Td ta="right">{Number(p.unallocated) > 0 ? formatMoney(p.unallocated) : ""}</Table.Td>
                <Table.Td>{p.allocations.length}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {list.hasNextPage ? (
        <Button variant="subtle" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          Показать ещё
        </Button>
      ) : null}
      {search.enter && canEnter ? (
        <PaymentForm clientId={search.client ?? null} onClose={() => set({ enter: undefined })} />
      ) : null}
    </Stack>
  );
}
