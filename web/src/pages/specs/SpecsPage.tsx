import { Anchor, Badge, Button, Group, Loader, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatDate, formatDateTime } from "../../lib/format";
import { useMe } from "../../lib/me";
import { draftOf, gridTotals } from "./drafts";
import { LOGO_METHOD, SPEC_KIND, SPEC_STATUS } from "./labels";
import { NewSpecModal } from "./NewSpecModal";

type Spec = components["schemas"]["SpecRead"];
type S = components["schemas"];

const PAGE = 50;

/** A date of the API (`YYYY-MM-DD`) as «07.12.2026». */
export function day(value: string | null | undefined): string {
  return value ? formatDate(`${value}T12:00:00Z`) : "—";
}

/** What the spec is about, in a line: the logo's place and method, the model and how many people, the item and how many. */
export function specSummary(spec: Spec): string {
  const d = draftOf(spec.details);
  switch (d.kind) {
    case "logo":
      return `${d.placement}, ${d.method ? LOGO_METHOD[d.method].toLowerCase() : ""}, ${d.width_mm} × ${d.height_mm} мм`;
    case "tailoring":
      return `${d.model}: ${d.wearers.length} чел.`;
    case "manufacturing":
      return `${d.item}: ${gridTotals(d).total} шт.`;
  }
}

/** «ТЗ в швейный цех»: the specs by kind and state, newest first; a new one taken from a manager. */
export function SpecsPage() {
  const me = useMe();
  const canWrite = me.data?.permissions.includes("specs:write") ?? false;
  const [kind, setKind] = useState<S["SpecKind"] | null>(null);
  const [status, setStatus] = useState<S["SpecStatus"] | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useInfiniteQuery({
    queryKey: ["specs", "list", kind, status],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/specs", {
          params: { query: { kind: kind ?? undefined, status: status ?? undefined, cursor: pageParam ?? undefined, limit: PAGE } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack maw={1100}>
      <Group justify="space-between">
        <Title order={2}>ТЗ в швейный цех</Title>
        {canWrite ? <Button onClick={() => setCreating(true)}>Новое ТЗ</Button> : null}
      </Group>
      <Group gap="sm">
        <Select label="Вид" placeholder="Все" clearable w={280} value={kind} onChange={(v) => setKind(v as typeof kind)}
          data={Object.entries(SPEC_KIND).map(([value, label]) => ({ value, label }))} />
        <Select label="Состояние" placeholder="Все" clearable w={320} value={status} onChange={(v) => setStatus(v as typeof status)}
          data={Object.entries(SPEC_STATUS).map(([value, label]) => ({ value, label }))} />
      </Group>
      {list.isPending ? <Loader size="sm" aria-label="Загрузка" /> : null}
      {!list.isPending && rows.length === 0 ? (
        <Text c="dimmed" size="sm">
          ТЗ нет
        </Text>
      ) : null}
      {rows.length ? (
        <Table striped withTableBorder data-testid="specs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={80}>ТЗ</Table.Th>
              <Table.Th>Вид и что</Table.Th>
              <Table.Th w={90}>Заявка</Table.Th>
              <Table.Th w={110}>Счёт</Table.Th>
              <Table.Th w={200}>Состояние</Table.Th>
              <Table.Th w={100}>Срок</Table.Th>
              <Table.Th w={150}>Получено</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((s) => (
              <Table.Tr key={s.id} data-spec={s.id}>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/specs/$specId" params={{ specId: s.id }} />}>№{s.id}</Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{SPEC_KIND[s.kind]}</Text>
                  <Text size="xs" c="dimmed">
                    {specSummary(s)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Anchor renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId: s.order_id }} />}>
                    №{s.order_id}
                  </Anchor>
                </Table.Td>
                <Table.Td>{s.invoice_number ? `№ ${s.invoice_number}` : "—"}</Table.Td>
                <Table.Td>
                  <Badge variant="light" data-testid="spec-row-status">
                    {SPEC_STATUS[s.status]}
                  </Badge>
                </Table.Td>
                <Table.Td>{day(s.due_on)}</Table.Td>
                <Table.Td>{formatDateTime(s.created_at)}</Table.Td>
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
      {creating ? <NewSpecModal onClose={() => setCreating(false)} /> : null}
    </Stack>
  );
}
