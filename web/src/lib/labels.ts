// The regulation's own words for what the API names in English.
import type { components } from "../api/schema";

type S = components["schemas"];

export const TASK_KIND: Record<S["TaskKind"], string> = {
  call: "Звонок",
  request_document: "Запросить документ",
  send_document: "Отправить документ",
  escalate: "Эскалация",
  check: "Проверка",
  clarify: "Уточнение",
  remind: "Напоминание",
  other: "Задача",
};

export const TASK_SUBJECT: Record<S["TaskSubject"], string> = {
  client: "Клиент",
  order: "Заявка",
  invoice: "Счёт",
  proposal: "КП",
  spec: "ТЗ",
  debt: "Задолженность",
  requisition: "Заявка на закупку",
  daily_report: "Ежедневный отчёт",
  none: "",
};

export const ORDER_STATUS: Record<S["OrderStatus"], string> = {
  received: "Получена",
  needs_clarification: "Нужно уточнение",
  accepted: "Принята",
  invoiced: "Счёт выставлен",
  sent_for_approval: "Счёт на согласовании",
  revision: "Корректировка счёта",
  approved: "Счёт согласован",
  fulfilment: "Обеспечение",
  sent_to_warehouse: "Передана на склад",
  waiting_for_supply: "Ждёт поставки",
  ready: "Собрана",
  delivery_agreed: "Доставка согласована",
  shipped: "Отгружена",
  delivered: "Доставлена",
  closed: "Закрыта",
  cancelled: "Отменена",
};

export const ORDER_CHANNEL: Record<S["OrderChannel"], string> = {
  amocrm: "amoCRM",
  whatsapp: "WhatsApp",
  manager_chat: "Чат менеджера",
  paper: "Бумажная заявка",
  phone: "Телефон",
  mailbox: "Почта",
  proposal: "Из КП",
};

export const LINE_FIELD: Record<string, string> = {
  product_id: "код 1С",
  name: "наименование",
  model: "модель",
  color: "цвет",
  size: "размер",
  height: "рост",
  price_category: "ценовая категория",
  quantity: "количество",
};

export const INVOICE_STATUS: Record<S["InvoiceStatus"], string> = {
  issued: "Выставлен",
  sent_for_approval: "На согласовании у клиента",
  revision_requested: "Клиент просит изменить",
  approved: "Согласован",
  cancelled: "Отменён",
};
