import { Group } from "@mantine/core";
import { DateInput, TimeInput } from "@mantine/dates";
import dayjs from "dayjs";
import customParseFormat from "dayjs/plugin/customParseFormat";

dayjs.extend(customParseFormat);

/** A day typed as «07.12.2026» as `YYYY-MM-DD`, or null when it is not one. */
export function parseDay(input: string): string | null {
  const parsed = dayjs(input, "DD.MM.YYYY", true);
  return parsed.isValid() ? parsed.format("YYYY-MM-DD") : null;
}

/** A wall-clock moment in the department's zone: `YYYY-MM-DDTHH:mm`, or "" for none. */
export type When = string;

/** A date typed as «07.12.2026» (or picked in the calendar) and a time, both in Moscow time. */
export function WhenInput({
  label,
  value,
  onChange,
  error,
  testId,
}: {
  label: string;
  value: When;
  onChange: (value: When) => void;
  error?: string | undefined;
  testId: string;
}) {
  const [day = "", time = ""] = value ? value.split("T") : [];
  return (
    <Group grow align="flex-start" gap="xs">
      <DayInput
        label={label}
        value={day}
        onChange={(next) => onChange(next ? `${next}T${time || "10:00"}` : "")}
        error={error}
        testId={`${testId}-date`}
      />
      <TimeInput
        label="Время (МСК)"
        value={time}
        disabled={!day}
        onChange={(e) => onChange(day ? `${day}T${e.currentTarget.value || "10:00"}` : "")}
        data-testid={`${testId}-time`}
      />
    </Group>
  );
}

/** A date typed as «07.12.2026» or picked in the calendar: `YYYY-MM-DD`, or "" for none (one Tab stop,
 * unlike the browser's own date field). */
export function DayInput({
  label,
  value,
  onChange,
  error,
  testId,
  description,
  required,
  minDate,
  maxDate,
  w,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  testId?: string | undefined;
  description?: string | undefined;
  required?: boolean | undefined;
  minDate?: string | undefined;
  maxDate?: string | undefined;
  w?: number | undefined;
}) {
  return (
    <DateInput
      label={label}
      description={description}
      placeholder="ДД.ММ.ГГГГ"
      valueFormat="DD.MM.YYYY"
      locale="ru"
      clearable
      required={required}
      w={w}
      minDate={minDate}
      maxDate={maxDate}
      dateParser={parseDay}
      value={value || null}
      onChange={(next) => onChange(next ?? "")}
      error={error}
      data-testid={testId}
    />
  );
}
