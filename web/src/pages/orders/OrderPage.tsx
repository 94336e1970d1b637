import { Alert, Badge, Group, Loader, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import { formatDateTime, formatMoney } from "../../lib/format";
import { LINE_FIELD, ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";

/** One order: its state, where it came from and its lines, the missing fields highlighted. */
export function OrderPage() {
  const { orderId } = useParams({ from: "/app/orders/$orderId" });
  const order = useQuery({
    queryKey: ["orders", orderId],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: orderId } }, signal })),
  });
  if (order.isPending) return <Loader aria-label="Загрузка" />;
  if (order.isError) return <Alert color="red">Не удалось загрузить заявку: {order.error.message}</Alert>;
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
      {o.problems.length > 0 ? (
        <Alert color="orange" title="Не хватает данных">
          {o.problems.join("; ")}
        </Alert>
      ) : null}
      <Table striped withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>№</Table.Th>
            <Table.Th>Наименование</Table.Th>
            <Table.Th>Модель</Table.Th>
            <Table.Th>Цвет</Table.Th>
            <Table.Th>Размер</Table.Th>
            <Table.Th>Рост</Table.Th>
            <Table.Th>Кол-во</Table.Th>
            <Table.Th>Цена</Table.Th>
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
                {cell("quantity", line.quantity)}
                <Table.Td>{line.agreed_price ? formatMoney(line.agreed_price) : "—"}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
