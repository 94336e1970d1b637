import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";

import { useClientName, useClientSearch } from "../../lib/clients";

/** A client found by name or INN as it is typed; the chosen one keeps its name while others are listed. */
export function ClientSelect({
  label,
  value,
  onChange,
  error,
  required,
  clearable,
  placeholder = "Название или ИНН",
  w,
  autoFocus,
}: {
  label: string;
  value: number | null;
  onChange: (id: number | null) => void;
  error?: string | undefined;
  required?: boolean;
  clearable?: boolean;
  placeholder?: string;
  w?: number;
  autoFocus?: boolean;
}) {
  const [query, setQuery] = useState("");
  const [debounced] = useDebouncedValue(query, 250);
  const found = useClientSearch(debounced);
  const chosen = useClientName(value);
  const options = (found.data?.items ?? []).map((c) => ({ value: String(c.id), label: c.name }));
  if (value !== null && !options.some((o) => o.value === String(value))) {
    options.unshift({ value: String(value), label: chosen.data ?? `Клиент №${value}` });
  }
  return (
    <Select
      label={label}
      placeholder={placeholder}
      required={required}
      clearable={clearable}
      searchable
      w={w}
      data-autofocus={autoFocus || undefined}
      value={value === null ? null : String(value)}
      onChange={(v) => onChange(v ? Number(v) : null)}
      searchValue={query}
      onSearchChange={setQuery}
      filter={({ options: all }) => all}
      nothingFoundMessage={found.isFetching ? "Ищем…" : "Никого не нашли"}
      data={options}
      error={error}
    />
  );
}
