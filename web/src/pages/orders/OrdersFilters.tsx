import { Select } from "@mantine/core";
import { DatePickerInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useState } from "react";

import type { components } from "../../api/schema";
import { useClientName, useClientSearch } from "../../lib/clients";
import { useEmployeesWithRole } from "../../lib/employees";
import { ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";
import type { OrdersSearch } from "./search";

type Status = components["schemas"]["OrderStatus"];
type Channel = components["schemas"]["OrderChannel"];

/**
 * The list's selects (status, channel, client, assistant) and its days: loaded right after the
 * list's first rows are drawn, in the place of the same fields drawn plain (OrdersPage).
 */
export function OrdersFilters({
  search,
  setFilter,
  wanted,
}: {
  search: OrdersSearch;
  setFilter: (change: Partial<OrdersSearch>) => void;
  /** The field pressed while it was drawn plain: it takes the focus and opens as it arrives. */
  wanted?: string;
}) {
  useEffect(() => {
    const field = wanted ? document.querySelector<HTMLElement>(`[data-filter="${wanted}"]`) : null;
    field?.focus();
    field?.click();
    // Only as the fields arrive: a later change of the wish has no field to wait for.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const [rangeStart, setRangeStart] = useState<string | null>(null);
  const [clientQuery, setClientQuery] = useState("");
  const [debounced] = useDebouncedValue(clientQuery, 250);
  const clients = useClientSearch(debounced);
  const chosenClient = useClientName(search.client);
  const clientOptions = (clients.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }));
  if (search.client !== undefined && !clientOptions.some((o) => o.value === String(search.client))) {
    clientOptions.unshift({ value: String(search.client), label: chosenClient.data ?? `№${search.client}` });
  }
  const assistants = useEmployeesWithRole("assistant");

  return (
    <>
      <Select
        label="Статус"
        data-filter="Статус"
        placeholder="Все"
        clearable
        w={200}
        value={search.status ?? null}
        onChange={(v) => setFilter({ status: (v as Status | null) ?? undefined })}
        data={Object.entries(ORDER_STATUS).map(([value, label]) => ({ value, label }))}
      />
      <Select
        label="Канал"
        data-filter="Канал"
        placeholder="Все"
        clearable
        w={180}
        value={search.channel ?? null}
        onChange={(v) => setFilter({ channel: (v as Channel | null) ?? undefined })}
        data={Object.entries(ORDER_CHANNEL).map(([value, label]) => ({ value, label }))}
      />
      <Select
        label="Клиент"
        data-filter="Клиент"
        placeholder="Название или ИНН"
        searchable
        clearable
        w={260}
        value={search.client !== undefined ? String(search.client) : null}
        onChange={(v) => setFilter({ client: v ? Number(v) : undefined })}
        searchValue={clientQuery}
        onSearchChange={setClientQuery}
        filter={({ options }) => options}
        nothingFoundMessage="Не найдено"
        data={clientOptions}
      />
      <Select
        label="Помощник"
        data-filter="Помощник"
        placeholder="Все"
        clearable
        searchable
        w={220}
        value={search.assistant !== undefined ? String(search.assistant) : null}
        onChange={(v) => setFilter({ assistant: v ? Number(v) : undefined })}
        data={assistants.data ?? []}
      />
      <DatePickerInput
        type="range"
        label="Получена"
        data-filter="Получена"
        placeholder="Любые дни"
        clearable
        allowSingleDateInRange
        valueFormat="DD.MM.YYYY"
        w={240}
        value={rangeStart ? [rangeStart, null] : [search.from ?? null, search.to ?? null]}
        onChange={([from, to]) => {
          // The first day picked waits here; the address takes the range once both ends are picked.
          if (from && !to) {
            setRangeStart(from);
            return;
          }
          setRangeStart(null);
          setFilter({ from: from ?? undefined, to: to ?? undefined });
        }}
      />
    </>
  );
}
