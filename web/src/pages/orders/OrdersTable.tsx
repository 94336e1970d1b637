import { DataTable } from "mantine-datatable";

import { ORDER_COLUMNS, type Order } from "./columns";

/** The list as a data table (mantine-datatable): loaded right after the list's first rows are drawn. */
export function OrdersTable({
  rows,
  fetching,
  onOpen,
}: {
  rows: Order[];
  fetching: boolean;
  onOpen: (order: Order) => void;
}) {
  return (
    <DataTable<Order>
      withTableBorder
      striped
      highlightOnHover
      minHeight={160}
      fetching={fetching}
      records={rows}
      idAccessor="id"
      noRecordsText="Заявок нет"
      onRowClick={({ record }) => onOpen(record)}
      columns={ORDER_COLUMNS}
    />
  );
}
