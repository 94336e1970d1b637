import { Badge, Text } from "@mantine/core";
import type { ReactNode } from "react";

import type { components } from "../../api/schema";
import { useClientName } from "../../lib/clients";
import { formatDateTime } from "../../lib/format";
import { ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";

export type Order = components["schemas"]["OrderRead"];

export interface OrderColumn {
  accessor: "id" | "created_at" | "channel" | "client_id" | "status";
  title: string;
  width?: number;
  render: (order: Order) => ReactNode;
}

/**
 * The list's columns, one definition for the table the list opens with (its first rows, drawn
 * before the data table's code has arrived) and for the data table that takes over from it, so
 * the rows look the same in both.
 */
export const ORDER_COLUMNS: OrderColumn[] = [
  { accessor: "id", title: "№", width: 70, render: (o) => o.id },
  { accessor: "created_at", title: "Получена", width: 160, render: (o) => formatDateTime(o.created_at) },
  { accessor: "channel", title: "Канал", width: 150, render: (o) => ORDER_CHANNEL[o.channel] },
  { accessor: "client_id", title: "Клиент", render: (o) => <ClientName id={o.client_id} /> },
  {
    accessor: "status",
    title: "Статус",
    width: 200,
    render: (o) => (
      <Badge variant="light" color={o.problems.length ? "orange" : "blue"}>
        {ORDER_STATUS[o.status]}
      </Badge>
    ),
  },
];

function ClientName({ id }: { id: number | null }) {
  const name = useClientName(id);
  if (id === null) return <Text c="orange" size="sm">не указан</Text>;
  return <>{name.data ?? `№${id}`}</>;
}
