import { formatDate, plural } from "../../lib/format";

/** An ISO date (a day, no time) as «07.12.2026»: noon UTC is that day in every zone the console shows. */
export function formatDay(day: string | null | undefined): string {
  return day ? formatDate(`${day}T12:00:00Z`) : "—";
}

/** Whole days from ``from`` to ``to`` (ISO dates). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** «5 дней» */
export function daysText(n: number): string {
  return `${n} ${plural(n, ["день", "дня", "дней"])}`;
}
