import { Anchor, Badge, Button, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";

import { api } from "../../api/client";
import { ApiProblem, unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { DayInput } from "../../components/WhenInput";
import { useDebouncedFilter } from "../../lib/debouncedFilter";
import { formatDateTime } from "../../lib/format";
import { MAIL_KIND, MAIL_KIND_COLOR } from "./labels";

type Kind = components["schemas"]["InboundKind"];

const PAGE = 50;

/** «Почта»: the letters taken from the shared mailbox, newest first, and what each became. */
export function MailPage() {
  const [kind, setKind] = useState<Kind | null>(null);
  const [sender, setSender] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  // Applied after a pause in the typing or on Enter; held while a row is pressed and dropped once a
  // letter is opened, so the list does not change under the pointer.
  const typing = useDebouncedFilter(sender.trim(), 300);
  const senderNow = typing.applied;
  const list = useInfiniteQuery({
    queryKey: ["mail", "list", kind, senderNow, from, to],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/inbound-emails", {
          params: {
            query: {
              kind: kind ?? undefined,
              sender: senderNow || undefined,
              received_from: from || undefined,
              received_to: to || undefined,
              cursor: pageParam ?? undefined,
              limit: PAGE,
            },
          },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const fields = list.error instanceof ApiProblem ? list.error.fieldErrors() : {};
  return (
    <Stack maw={1100}>
      <Title order={2}>Почта</Title>
      <Group gap="sm" align="flex-start">
        <Select
          label="Что стало с письмом"
          placeholder="Все"
          clearable
          w={220}
          value={kind}
          onChange={(v) => setKind(v as Kind | null)}
          data={Object.entries(MAIL_KIND).map(([value, label]) => ({ value, label }))}
          data-testid="mail-kind"
        />
        <TextInput
          label="Отправитель"
          placeholder="адрес или его часть"
          w={240}
          value={sender}
          onChange={(e) => setSender(e.currentTarget.value)}
          onKeyDown={typing.onKeyDown}
          error={fields["query.sender"]}
          data-testid="mail-sender"
        />
        <DayInput label="Получено с" value={from} onChange={setFrom} w={150} error={fields["query.received_from"]} />
        <DayInput label="по" value={to} onChange={setTo} w={150} error={fields["query.received_to"]} />
      </Group>
      {list.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {list.isError && Object.keys(fields).length === 0 ? (
        <Text c="red" size="sm">
          Не удалось загрузить письма: {list.error.message}
        </Text>
      ) : null}
      {!list.isPending && !list.isError && rows.length === 0 ? (
        <Text c="dimmed" size="sm">
          Писем нет
        </Text>
      ) : null}
      {rows.length ? (
        <Table striped withTableBorder data-testid="mail" {...typing.listProps}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={150}>Получено</Table.Th>
              <Table.Th w={230}>Отправитель</Table.Th>
              <Table.Th>Тема</Table.Th>
              <Table.Th w={150}>Что стало</Table.Th>
              <Table.Th w={120}>Заявка</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((m) => (
              <Table.Tr key={m.id} data-mail={m.id}>
                <Table.Td>{formatDateTime(m.received_at)}</Table.Td>
                <Table.Td style={{ wordBreak: "break-all" }}>{m.sender ?? "—"}</Table.Td>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/mail/$emailId" params={{ emailId: m.id }} />}>
                    {m.subject || "(без темы)"}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={MAIL_KIND_COLOR[m.kind]} data-testid="mail-row-kind">
                    {MAIL_KIND[m.kind]}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {m.order_id ? (
                    <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: m.order_id ?? 0 }} />}>
                      №{m.order_id}
                    </Anchor>
                  ) : (
                    "—"
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {list.hasNextPage ? (
        <Button variant="default" w="fit-content" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          Показать ещё
        </Button>
      ) : null}
    </Stack>
  );
}
