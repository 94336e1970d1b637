import { Alert, Anchor, Badge, Group, List, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { formatDateTime, formatMoney } from "../../lib/format";
import { LINE_FIELD, ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";
import { FULFILMENT } from "../warehouse/labels";
import { DeliverySection } from "./Delivery";
import { InvoiceSection } from "./Invoice";
import { OrderTimeline } from "./Timeline";
import { OrderActions, actionLabel, openAttachment, useOrderAttachments, useOrderHistory } from "./OrderActions";
import { NotLoaded } from "../../components/NotLoaded";

/** One order: its state, where it came from and its lines, the missing fields highlighted. */
export function OrderPage() {
  const { orderId } = useParams({ from: "/app/orders/$orderId" });
  const order = useQuery({
    queryKey: ["orders", orderId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: orderId } }, signal })),
  });
  if (!order.isSuccess) return <NotLoaded query={order} what="заявку" />;
  const o = order.data;
  return (
    <Stack maw={1100}>
      <Group gap="sm">
        <Title order={2}>Заявка №{o.id}</Title>
        <Badge size="lg" data-testid="order-status">
          {ORDER_STATUS[o.status]}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed">
        {ORDER_CHANNEL[o.channel]} · {o.source} · получена {formatDateTime(o.created_at)}
      </Text>
      <OrderActions order={o} />
      {o.cancel_reason ? <Text size="sm">Причина отмены: {o.cancel_reason}</Text> : null}
      {o.problems.length > 0 ? (
        <Alert color="orange" title="Не хватает данных">
          {o.problems.join("; ")}
        </Alert>
      ) : null}
      <Table striped withTableBorder data-testid="order-lines">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>№</Table.Th>
            <Table.Th>Наименование</Table.Th>
            <Table.Th>Модель</Table.Th>
            <Table.Th>Цвет</Table.Th>
            <Table.Th>Размер</Table.Th>
            <Table.Th>Рост</Table.Th>
            <Table.Th>Цен. категория</Table.Th>
            <Table.Th>Кол-во</Table.Th>
            <Table.Th>Цена</Table.Th>
            <Table.Th>Обеспечение</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {o.lines.map((line) => {
            const missing = new Set(line.missing);
            const cell = (field: string, value: string | number | null | undefined) => (
              <Table.Td
                bg={missing.has(field) ? "yellow.1" : undefined}
                title={missing.has(field) ? `Не указано: ${LINE_FIELD[field] ?? field}` : undefined}
                data-missing={missing.has(field) || undefined}
              >
                {value ?? "—"}
              </Table.Td>
            );
            return (
              <Table.Tr key={line.position}>
                <Table.Td>{line.position}</Table.Td>
                {cell("name", line.name)}
                {cell("model", line.model)}
                {cell("color", line.color)}
                {cell("size", line.size)}
                {cell("height", line.height)}
                {cell("price_category", line.price_category)}
                {cell("quantity", line.quantity)}
                <Table.Td>{line.agreed_price ? formatMoney(line.agreed_price) : "—"}</Table.Td>
                <Table.Td>{line.fulfilment ? (FULFILMENT[line.fulfilment] ?? line.fulfilment) : "—"}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <DeliverySection order={o} />
      <InvoiceSection order={o} />
      <OrderTimeline order={o} />
      <Attachments orderId={o.id} />
      <History orderId={o.id} />
    </Stack>
  );
}

function Attachments({ orderId }: { orderId: number }) {
  const files = useOrderAttachments(orderId);
  if (!files.data?.length) return null;
  return (
    <section aria-label="Вложения">
      <Title order={3} size="h4" mb="xs">
        Вложения
      </Title>
      <List size="sm">
        {files.data.map((f) => (
          <List.Item key={f.id}>
            <Anchor component="button" type="button" onClick={() => void openAttachment(orderId, f.id)}>
              {f.filename}
            </Anchor>{" "}
            <Text span c="dimmed" size="sm">
              {Math.ceil(f.size / 1024)} КБ · {formatDateTime(f.created_at)}
            </Text>
          </List.Item>
        ))}
      </List>
    </section>
  );
}

const EVENT_LABEL: Record<string, string> = {
  created: "Заявка зарегистрирована",
  updated: "Изменена",
  clarified: "Уточнена",
  credit_approved: "Впущена с долгом",
  attachment_added: "Добавлен файл",
  line_reserved: "Позиция зарезервирована",
  delivery_checked: "Отмечен пункт доставки",
};

/** What happened, in words: a known event by its name, a change of status by the status it led to. */
function eventText(action: string, to: string | null): string {
  const known = EVENT_LABEL[action];
  if (known) return to ? `${known} → ${to}` : known;
  if (to) return `Статус: ${to}`;
  return actionLabel(action);
}

function History({ orderId }: { orderId: number }) {
  const history = useOrderHistory(orderId);
  return (
    <section aria-label="История" data-testid="order-history">
      <Title order={3} size="h4" mb="xs">
        История
      </Title>
      {history.isPending ? <Loader size="sm" /> : null}
      <Table withTableBorder>
        <Table.Tbody>
          {(history.data?.items ?? []).map((e) => {
            const to = typeof e.after?.status === "string" ? ORDER_STATUS[e.after.status as keyof typeof ORDER_STATUS] : null;
            return (
              <Table.Tr key={e.id}>
                <Table.Td w={170}>{formatDateTime(e.occurred_at)}</Table.Td>
                <Table.Td>{eventText(e.action, to)}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </section>
  );
}
