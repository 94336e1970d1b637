import { DateInput } from "@mantine/dates";

import { parseDay } from "../../components/WhenInput";

/** A day typed as «07.12.2026» or picked in the calendar; its value is the API's `YYYY-MM-DD`, "" for none. */
export function DayInput({ label, value, onChange, error, description }: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  description?: string;
}) {
  return (
    <DateInput
      label={label}
      description={description}
      placeholder="ДД.ММ.ГГГГ"
      valueFormat="DD.MM.YYYY"
      locale="ru"
      clearable
      dateParser={parseDay}
      value={value || null}
      onChange={(next) => onChange(next ?? "")}
      error={error}
    />
  );
}
