// The department's words for a client's fields.
import type { components } from "../../api/schema";

type S = components["schemas"];

/** The contact's level, from the buyer up to the director (the escalation's order). */
export const CONTACT_LEVEL: Record<S["ContactLevel"], string> = {
  buyer: "Закупщик",
  specialist: "Специалист",
  chief_accountant: "Главный бухгалтер",
  deputy_director: "Заместитель директора",
  director: "Директор",
};

export const LEVEL_ORDER: S["ContactLevel"][] = ["buyer", "specialist", "chief_accountant", "deputy_director", "director"];

export const POTENTIAL: Record<S["Potential"], string> = {
  low: "Низкий",
  medium: "Средний",
  high: "Высокий",
};

export const PURCHASE_FREQUENCY: Record<S["PurchaseFrequency"], string> = {
  one_off: "Разово",
  yearly: "Раз в год",
  quarterly: "Раз в квартал",
  monthly: "Раз в месяц",
  weekly: "Раз в неделю",
};

export const CLIENT_EVENT: Record<string, string> = {
  created: "Клиент заведён",
  updated: "Изменены данные",
  credit_terms_set: "Утверждены условия оплаты",
  contract_terms_set: "Внесён договор",
  contact_added: "Добавлен контакт",
  contact_changed: "Изменён контакт",
  contact_removed: "Удалён контакт",
};

export const MESSENGER: Record<S["MessengerKind"], string> = {
  whatsapp: "WhatsApp",
  telegram: "Telegram",
  max: "MAX",
  viber: "Viber",
  other: "Другой",
};
