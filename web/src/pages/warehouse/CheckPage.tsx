import { Anchor, Badge, Button, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { Fragment, useEffect, useRef } from "react";

import { api, ifMatch } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { formatDate, formatDateTime } from "../../lib/format";
import { useProblemHandler } from "../../lib/problems";
import { CHECK_STATUS, FULFILMENT, MARK, MARK_BUTTONS } from "./labels";
import { Employee } from "./WarehousePage";
import { NotLoaded } from "../../components/NotLoaded";

type Check = components["schemas"]["WarehouseCheckRead"];
type Item = components["schemas"]["CheckItemRead"];
type ItemMark = components["schemas"]["ItemMark"];

const MARK_COLOR: Record<ItemMark, string> = {
  pending: "gray",
  set_aside_warehouse: "green",
  set_aside_shop: "teal",
  arrived: "blue",
  missing: "red",
};

/** Move the focus to the first mark button of the next position still to mark (else of the next one). */
function focusNext(check: Check, after: number) {
  const index = check.items.findIndex((i) => i.id === after);
  const rest = check.items.slice(index + 1);
  const next = rest.find((i) => i.mark === "pending") ?? rest[0];
  const target = next
    ? document.querySelector<HTMLButtonElement>(`[data-item="${next.id}"] button`)
    : document.querySelector<HTMLButtonElement>('[data-testid="check-complete"]');
  target?.focus();
}

/**
 * The morning check sheet, position by position: each row's marks are buttons, so the sheet is
 * worked from the keyboard (Tab to a mark, Enter: it is recorded and the next position is focused),
 * then the keeper's «Собрано» per invoice and «Проверка завершена».
 */
export function CheckPage() {
  const { checkId } = useParams({ from: "/app/warehouse/checks/$checkId" });
  const queryClient = useQueryClient();
  const onProblem = useProblemHandler();
  const key = ["warehouse-checks", "one", checkId];
  const check = useQuery({
    queryKey: key,
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/warehouse-checks/{check_id}", { params: { path: { check_id: checkId } }, signal }),
      ),
  });
  // After a mark, the next position takes the focus once the sheet shows that mark (not before:
  // «Проверка завершена» is enabled only by the render that shows the last one).
  const pendingFocus = useRef<{ after: number; version: number } | null>(null);
  useEffect(() => {
    const pending = pendingFocus.current;
    if (pending && check.data && check.data.version >= pending.version) {
      pendingFocus.current = null;
      focusNext(check.data, pending.after);
    }
  }, [check.data]);
  const done = (updated: Check) => {
    queryClient.setQueryData(key, updated);
    void queryClient.invalidateQueries({ queryKey: ["warehouse-checks"], exact: false, refetchType: "none" });
  };
  const mark = useMutation({
    mutationFn: async ({ item, value, version }: { item: Item; value: ItemMark; version: number }) =>
      unwrap(
        await api.POST("/api/v1/warehouse-checks/{check_id}/marks", {
          params: { path: { check_id: checkId }, header: ifMatch(version) },
          body: { marks: [{ item_id: item.id, mark: value }] },
        }),
      ),
    onSuccess: (updated, { item }) => {
      pendingFocus.current = { after: item.id, version: updated.version };
      done(updated);
    },
    onError: (error) => onProblem(error),
  });
  const step = useMutation({
    mutationFn: async (action: "start" | "complete") => {
      const init = { params: { path: { check_id: checkId }, header: ifMatch(check.data?.version ?? 0) } };
      return unwrap(
        action === "start"
          ? await api.POST("/api/v1/warehouse-checks/{check_id}/start", init)
          : await api.POST("/api/v1/warehouse-checks/{check_id}/complete", init),
      );
    },
    onSuccess: done,
    onError: (error) => onProblem(error),
  });
  const picked = useMutation({
    mutationFn: async (orderId: number) =>
      unwrap(
        await api.POST("/api/v1/warehouse-checks/{check_id}/picked", {
          params: { path: { check_id: checkId }, header: ifMatch(check.data?.version ?? 0) },
          body: { order_id: orderId },
        }),
      ),
    onSuccess: done,
    onError: (error) => onProblem(error),
  });

  if (!check.isSuccess) return <NotLoaded query={check} what="лист" />;
  const c = check.data;
  const allowed = new Set(c.allowed_actions);
  const busy = mark.isPending || step.isPending || picked.isPending;
  const left = c.items.filter((i) => i.mark === "pending").length;
  const orders = [...new Set(c.items.map((i) => i.order_id))];
  const pickedOrders = new Set(c.picked_order_ids);

  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>Утренняя проверка · лист №{c.id}</Title>
        <Badge size="lg" data-testid="check-status">
          {CHECK_STATUS[c.status]}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {formatDate(`${c.day}T12:00:00Z`)} · помощник <Employee id={c.assistant_id} /> · кладовщик{" "}
        <Employee id={c.keeper_id} />
        {c.completed_at ? ` · завершена ${formatDateTime(c.completed_at)}` : ""}
      </Text>
      <Group gap="xs">
        {allowed.has("start") ? (
          <Button variant="default" loading={step.isPending && step.variables === "start"} onClick={() => step.mutate("start")}>
            Начать проверку
          </Button>
        ) : null}
        <Text size="sm" data-testid="check-left">
          {left === 0 ? "Все позиции отмечены" : `Осталось отметить: ${left}`}
        </Text>
      </Group>
      <Table withTableBorder data-testid="check-sheet">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>№</Table.Th>
            <Table.Th>Наименование</Table.Th>
            <Table.Th w={70}>Кол-во</Table.Th>
            <Table.Th w={150}>Обеспечение</Table.Th>
            <Table.Th w={170}>Отметка</Table.Th>
            <Table.Th w={330}>Отметить</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {orders.map((orderId) => (
            <Fragment key={orderId}>
              <Table.Tr bg="gray.0" data-order={orderId}>
                <Table.Td colSpan={5}>
                  <Anchor fw={600} renderRoot={(props) => <Link {...props} to="/orders/$orderId" params={{ orderId }} />}>
                    Заявка №{orderId}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  {pickedOrders.has(orderId) ? (
                    <Badge color="green" data-testid={`picked-${orderId}`}>
                      Собрано
                    </Badge>
                  ) : allowed.has("picked") ? (
                    <Button
                      size="xs"
                      variant="light"
                      loading={picked.isPending && picked.variables === orderId}
                      onClick={() => !busy && picked.mutate(orderId)}
                    >
                      Собрано
                    </Button>
                  ) : null}
                </Table.Td>
              </Table.Tr>
              {c.items
                .filter((i) => i.order_id === orderId)
                .map((item) => (
                  <Table.Tr key={item.id} data-item={item.id} data-mark={item.mark}>
                    <Table.Td>{item.position}</Table.Td>
                    <Table.Td>{item.name}</Table.Td>
                    <Table.Td>{item.quantity}</Table.Td>
                    <Table.Td>
                      {FULFILMENT[item.fulfilment] ?? item.fulfilment}
                      {item.expected_on ? `, ожидается ${formatDate(`${item.expected_on}T12:00:00Z`)}` : ""}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={MARK_COLOR[item.mark]}>
                        {MARK[item.mark]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {allowed.has("marks") ? (
                        <Group gap={4} wrap="nowrap">
                          {MARK_BUTTONS.map(({ mark: value, short }) => (
                            <Button
                              key={value}
                              size="compact-xs"
                              variant={item.mark === value ? "filled" : "default"}
                              aria-pressed={item.mark === value}
                              aria-label={`${MARK[value]}: позиция ${item.position}, ${item.name}`}
                              onClick={() => !busy && mark.mutate({ item, value, version: c.version })}
                            >
                              {short}
                            </Button>
                          ))}
                        </Group>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Fragment>
          ))}
        </Table.Tbody>
      </Table>
      {allowed.has("complete") ? (
        <Group>
          <Button
            data-testid="check-complete"
            disabled={left > 0}
            loading={step.isPending && step.variables === "complete"}
            onClick={() => step.mutate("complete")}
          >
            Проверка завершена
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}
