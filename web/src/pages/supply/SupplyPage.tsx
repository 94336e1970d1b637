import { Badge, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatDateTime, parseMoney } from "../../lib/format";
import { useMe } from "../../lib/me";
import { useProblemHandler } from "../../lib/problems";
import { AnchorLink } from "../proposals/AnchorLink";
import { LinePhoto } from "../proposals/Photo";

type Request = components["schemas"]["PriceRequestRead"];

const PAGE = 100;

/** «Снабжение»: the price requests for non-standard positions, the overdue first, each answered in place. */
export function SupplyPage() {
  const me = useMe();
  const canPrice = me.data?.permissions.includes("proposals:price") ?? false;
  const queue = useInfiniteQuery({
    queryKey: ["proposals", "price-requests"],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/proposals/price-requests", {
          params: { query: { cursor: pageParam ?? undefined, limit: PAGE } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor,
    refetchInterval: 60_000,
  });
  const rows = queue.data?.pages.flatMap((p) => p.items) ?? [];
  const overdue = rows.filter((r) => r.overdue).length;
  return (
    <Stack maw={1180}>
      <Group gap="sm">
        <Title order={2}>Снабжение: запросы цен</Title>
        {overdue > 0 ? (
          <Badge color="red" data-testid="overdue-count">
            просрочено: {overdue}
          </Badge>
        ) : null}
      </Group>
      <Text size="sm" c="dimmed">
        Нестандартные позиции коммерческих предложений, которым нужна закупочная цена. Цена с наценкой менеджера встанет в КП сразу после ответа.
      </Text>
      {queue.isPending ? <Loader aria-label="Загрузка" /> : null}
      {queue.isSuccess && rows.length === 0 ? <Text c="dimmed">Запросов цен нет</Text> : null}
      {rows.length > 0 ? (
        <Table withTableBorder data-testid="price-requests" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>КП</Table.Th>
              <Table.Th w={64}>Фото</Table.Th>
              <Table.Th>Позиция</Table.Th>
              <Table.Th>Кол-во</Table.Th>
              <Table.Th>Запрошено</Table.Th>
              <Table.Th>Ответить до</Table.Th>
              {canPrice ? <Table.Th w={260}>Закупочная цена, ₽</Table.Th> : null}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={`${r.proposal_id}-${r.position}`} data-request={`${r.proposal_id}-${r.position}`} bg={r.overdue ? "red.0" : undefined}>
                <Table.Td>
                  <AnchorLink to="/proposals/$proposalId" params={{ proposalId: r.proposal_id }}>
                    КП №{r.proposal_id}
                  </AnchorLink>
                  <Text size="xs" c="dimmed">
                    {r.client_name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <LinePhoto proposalId={r.proposal_id} version={r.proposal_version} line={r} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {r.position}. {r.name}
                  </Text>
                  {r.description ? (
                    <Text size="xs" c="dimmed">
                      {r.description}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  {r.quantity} {r.unit}
                </Table.Td>
                <Table.Td>{formatDateTime(r.requested_at)}</Table.Td>
                <Table.Td>
                  {formatDateTime(r.due_at)}
                  {r.overdue ? (
                    <Badge ml={4} size="xs" color="red" data-testid="overdue">
                      просрочено
                    </Badge>
                  ) : null}
                  {r.reminders > 0 ? (
                    <Text size="xs" c="dimmed">
                      напоминаний: {r.reminders}
                    </Text>
                  ) : null}
                </Table.Td>
                {canPrice ? (
                  <Table.Td>
                    <Answer request={r} />
                  </Table.Td>
                ) : null}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
      {queue.hasNextPage ? (
        <Button variant="subtle" loading={queue.isFetchingNextPage} onClick={() => void queue.fetchNextPage()}>
          Показать ещё
        </Button>
      ) : null}
    </Stack>
  );
}

/** The purchase price typed in the row and sent with the proposal's version: the row leaves the queue. */
function Answer({ request }: { request: Request }) {
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const [price, setPrice] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const answer = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/v1/proposals/{proposal_id}/lines/{position}/purchase-price", {
          params: {
            path: { proposal_id: request.proposal_id, position: request.position },
            header: ifMatch(request.proposal_version),
          },
          body: { purchase_price: parseMoney(price) ?? price.trim() },
        }),
      ),
    onSuccess: (updated) => {
      queryClient.setQueryData(["proposals", request.proposal_id], updated);
      void queryClient.invalidateQueries({ queryKey: ["proposals"] });
    },
    onError: (e) => onProblem(e, setErrors, ["purchase_price"]),
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setErrors({});
        if (price.trim()) answer.mutate();
      }}
    >
      <Group gap={4} wrap="nowrap" align="flex-start">
        <TextInput
          aria-label={`Закупочная цена: КП №${request.proposal_id}, позиция ${request.position}`}
          inputMode="decimal"
          w={130}
          value={price}
          onChange={(e) => setPrice(e.currentTarget.value)}
          error={errors.purchase_price}
        />
        <Button type="submit" size="sm" loading={answer.isPending} disabled={!price.trim()}>
          Ответить
        </Button>
      </Group>
    </form>
  );
}
