// The regulation's words for the reconciliation act («акт сверки взаимных расчётов»).
import type { components } from "../../api/schema";

type S = components["schemas"];

export const ACT_STATUS: Record<S["ActStatus"], string> = {
  draft: "Не отправлен",
  sent: "Отправлен",
  signed: "Подписан",
  discrepancy: "Расхождения",
};

export const ACT_STATUS_COLOR: Record<S["ActStatus"], string> = {
  draft: "gray",
  sent: "blue",
  signed: "green",
  discrepancy: "orange",
};

export const ACT_PERIODICITY: Record<S["ActPeriodicity"], string> = {
  monthly: "ежемесячный",
  quarterly: "ежеквартальный",
  requested: "по запросу",
};

/** The buttons of `allowed_actions`. */
export const ACT_ACTION: Record<string, string> = {
  send: "Отправить",
  sign: "Подписан клиентом",
  discrepancy: "Расхождения",
};

/** The act's history, by the event's action. */
export const ACT_EVENT: Record<string, string> = {
  generated: "Акт сформирован",
  send: "Отправлен",
  sent: "Отправлен",
  sign: "Подписан клиентом",
  discrepancy: "Клиент указал расхождения",
};
