// The department's words for the reports' parts.
import type { components } from "../../api/schema";

type S = components["schemas"];

export type Bucket = S["AgingInvoiceRead"]["bucket"];

export const BUCKETS: { key: Bucket; label: string; color: string }[] = [
  { key: "current", label: "Не просрочено", color: "teal.6" },
  { key: "days_1_30", label: "1–30 дней", color: "yellow.6" },
  { key: "days_31_60", label: "31–60 дней", color: "orange.6" },
  { key: "days_61_90", label: "61–90 дней", color: "red.6" },
  { key: "over_90", label: "Более 90 дней", color: "red.9" },
];

export const BUCKET_LABEL = Object.fromEntries(BUCKETS.map((b) => [b.key, b.label])) as Record<Bucket, string>;

export const REPORT_STATUS: Record<S["ReportStatus"], string> = {
  draft: "Черновик",
  submitted: "Отправлен",
  reviewed: "Получен ответ",
};
