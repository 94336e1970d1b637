// The warehouse's words for the morning check.
import type { components } from "../../api/schema";

type S = components["schemas"];

export const MARK: Record<S["ItemMark"], string> = {
  pending: "Не отмечено",
  set_aside_warehouse: "Отложено на складе",
  set_aside_shop: "Отложено в магазине",
  arrived: "Пришло вчера",
  missing: "Нет в наличии",
};

/** The marks a position can get, with the short words on their buttons. */
export const MARK_BUTTONS: { mark: S["ItemMark"]; short: string }[] = [
  { mark: "set_aside_warehouse", short: "На складе" },
  { mark: "set_aside_shop", short: "В магазине" },
  { mark: "arrived", short: "Пришло" },
  { mark: "missing", short: "Нет" },
];

export const CHECK_STATUS: Record<S["CheckStatus"], string> = {
  open: "Не начата",
  started: "Идёт",
  done: "Завершена",
};

export const FULFILMENT: Record<string, string> = {
  reserve: "Резерв",
  procure: "Закупка",
};
