// The regulation's words for a credit request's states, verdicts and documents.
import type { components } from "../../api/schema";

type S = components["schemas"];

/** Each state says whose turn it is. */
export const CREDIT_STATUS: Record<S["CreditRequestStatus"], string> = {
  requested: "Ждёт заключения юриста",
  reviewed: "Ждёт рекомендации руководителя отдела",
  recommended: "Ждёт решения руководства",
  approved: "Согласовано",
  rejected: "Отказано",
};

/** Waiting ones first, in the order of the steps; then the decided. */
export const STATUS_ORDER: S["CreditRequestStatus"][] = ["requested", "reviewed", "recommended", "approved", "rejected"];

export const STATUS_COLOR: Record<S["CreditRequestStatus"], string> = {
  requested: "orange",
  reviewed: "orange",
  recommended: "orange",
  approved: "green",
  rejected: "red",
};

export const RELIABILITY: Record<S["Reliability"], string> = {
  reliable: "Надёжный",
  doubtful: "Сомнительный",
  unreliable: "Ненадёжный",
};

export const RECOMMENDATION: Record<S["Recommendation"], string> = {
  approve: "Рекомендует согласовать",
  refuse: "Рекомендует отказать",
};

export const CREDIT_FILE_KIND: Record<S["CreditFileKind"], string> = {
  counterparty_card: "Карточка контрагента из 1С",
  registry_extract: "Выписка ЕГРЮЛ/ЕГРИП",
  financials: "Бухгалтерская отчётность",
  other: "Другой документ",
};

export const CREDIT_ACTION: Record<string, string> = {
  verdict: "Заключение юриста",
  recommend: "Рекомендация руководителя",
  approve: "Согласовать",
  reject: "Отказать",
};

export const CREDIT_EVENT: Record<string, string> = {
  requested: "Заявка подана",
  file_added: "Документ добавлен в досье",
  verdict: "Заключение юриста",
  recommend: "Рекомендация руководителя отдела",
  approve: "Согласовано руководством",
  reject: "Отказано",
  pushed_to_1c: "Условия внесены в 1С",
};

