import { Badge, Text, Timeline as MantineTimeline, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { components } from "../../api/schema";
import { useEmployeeNames } from "../../lib/employees";
import { formatDateTime } from "../../lib/format";
import { useOrderHistory } from "./OrderActions";
import { NotLoaded } from "../../components/NotLoaded";

type Order = components["schemas"]["OrderRead"];
type Status = components["schemas"]["OrderStatus"];

/** Process 1 of the regulation, step by step: each step is done when the order reaches its status. */
export const ORDER_STEPS: readonly { status: Status; label: string }[] = [
  { status: "received", label: "Заявка получена от менеджера" },
  { status: "accepted", label: "Заявка принята: в каждой строке модель, цвет, размер, ростовка и ценовая категория" },
  { status: "invoiced", label: "Счёт создан в 1С" },
  { status: "sent_for_approval", label: "Счёт отправлен клиенту на согласование" },
  { status: "approved", label: "Счёт согласован клиентом" },
  { status: "fulfilment", label: "Проверка наличия: резерв или закупка по каждой строке" },
  { status: "sent_to_warehouse", label: "Счёт отправлен на склад в чат «Заявки на склад»" },
  { status: "waiting_for_supply", label: "Склад ответил «Принято»; недостающее заказано у снабжения" },
  { status: "ready", label: "Всё по счёту готово к отгрузке, клиенту сообщили" },
  { status: "delivery_agreed", label: "Доставка согласована с клиентом: способ и время" },
  { status: "shipped", label: "Отгружено" },
  { status: "delivered", label: "Товар получен клиентом" },
  { status: "closed", label: "Звонок обратной связи: всё ли хорошо" },
];

/** Where a status stands on the timeline: the index of the last step done. */
function doneThrough(status: Status): number {
  if (status === "needs_clarification") return 0;
  if (status === "revision") return ORDER_STEPS.findIndex((s) => s.status === "invoiced");
  return ORDER_STEPS.findIndex((s) => s.status === status);
}

/** The regulation's timeline: the steps done (who, when, from the history), the current one with
 * its deadline (from the order's open tasks), the steps still ahead. */
export function OrderTimeline({ order }: { order: Order }) {
  const history = useOrderHistory(order.id);
  const names = useEmployeeNames();
  const tasks = useQuery({
    queryKey: ["tasks", "order", order.id],
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/tasks", {
          params: { query: { subject_type: "order", subject_id: order.id, limit: 100 } },
          signal,
        }),
      ),
  });
  if (!history.isSuccess) return <NotLoaded query={history} what="историю заявки" size="sm" />;

  const events = history.data.items;
  // When (and by whom) each status was last reached; the order's creation is the first step.
  const reached = new Map<string, (typeof events)[number]>();
  for (const e of events) {
    const to = typeof e.after?.status === "string" ? e.after.status : e.action === "created" ? "received" : null;
    if (to) reached.set(to, e);
    if (e.action === "created" && !reached.has("received")) reached.set("received", e);
  }
  const cancelled = order.status === "cancelled";
  const last = cancelled
    ? Math.max(-1, ...ORDER_STEPS.map((s, i) => (reached.has(s.status) ? i : -1)))
    : doneThrough(order.status);
  const open = (tasks.data?.items ?? [])
    .filter((t) => t.status === "open" || t.status === "in_progress")
    .sort((a, b) => a.due_at.localeCompare(b.due_at));
  const who = (id: number | null) => (id === null ? "система" : (names.data?.get(id) ?? `сотрудник №${id}`));

  return (
    <section aria-label="Ход заявки по регламенту" data-testid="order-timeline">
      <Title order={3} size="h4" mb="xs">
        Ход по регламенту
      </Title>
      <MantineTimeline active={last} bulletSize={18} lineWidth={2}>
        {ORDER_STEPS.map((step, i) => {
          const event = reached.get(step.status);
          const state = i <= last ? "done" : i === last + 1 && !cancelled ? "current" : "next";
          return (
            <MantineTimeline.Item
              key={step.status}
              data-step={state}
              title={
                <Text size="sm" fw={state === "current" ? 700 : 500} c={state === "next" ? "dimmed" : undefined}>
                  {i + 1}. {step.label}
                  {state === "current" ? (
                    <Badge ml="xs" size="sm" variant="light">
                      сейчас
                    </Badge>
                  ) : null}
                </Text>
              }
            >
              {state === "done" && event ? (
                <Text size="xs" c="dimmed">
                  {formatDateTime(event.occurred_at)} · {who(event.actor_id)}
                </Text>
              ) : null}
              {state === "current"
                ? open.map((t) => (
                    <Text key={t.id} size="xs" c={t.overdue ? "red" : undefined} data-testid="timeline-task">
                      {t.title} — срок {formatDateTime(t.due_at)}
                      {t.overdue ? " (просрочено)" : ""} · {who(t.assignee_id)}
                    </Text>
                  ))
                : null}
              {state === "current" && order.status === "needs_clarification" ? (
                <Text size="xs" c="orange">
                  Ждёт уточнения у менеджера
                </Text>
              ) : null}
              {state === "current" && order.status === "revision" ? (
                <Text size="xs" c="orange">
                  Клиент просит изменить счёт
                </Text>
              ) : null}
            </MantineTimeline.Item>
          );
        })}
      </MantineTimeline>
      {cancelled ? (
        <Text size="sm" c="red" mt="xs">
          Заявка отменена{order.cancel_reason ? `: ${order.cancel_reason}` : ""}
        </Text>
      ) : null}
    </section>
  );
}
