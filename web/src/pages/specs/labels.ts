// The regulation's words for a workshop spec's fields, states and actions.
import type { components } from "../../api/schema";

type S = components["schemas"];

export const SPEC_KIND: Record<S["SpecKind"], string> = {
  logo: "Нанесение логотипа",
  tailoring: "Пошив по индивидуальным меркам",
  manufacturing: "Изготовление изделий",
};

export const SPEC_STATUS: Record<S["SpecStatus"], string> = {
  received: "Получено",
  invoice_with_manager: "Счёт у менеджера на проверке",
  invoice_checked: "Счёт проверен, ждёт подписи снабжения",
  signed: "Подписано снабжением",
  sent_to_workshop: "Отправлено в цех",
  accepted_by_workshop: "Принято цехом",
  goods_ready: "Товар готов",
  documents_issued: "Документы выписаны",
  closed: "Закрыто",
  cancelled: "Отменено",
};

export const RECEIVED_VIA: Record<S["SpecReceivedVia"], string> = {
  in_person: "Лично от менеджера",
  email: "По почте",
};

export const LOGO_METHOD: Record<S["LogoMethod"], string> = {
  embroidery: "Вышивка",
  screen_print: "Шелкография",
  heat_transfer: "Термотрансфер",
  dtf_print: "DTF-печать",
  sublimation: "Сублимация",
  patch: "Шеврон",
};

/** The workshop chats a spec goes to, by the key the API gives (the regulation's names). */
export const CHANNEL: Record<string, string> = {
  workshop_logos: "Логотипы.ЩЦ",
  workshop_specs: "Тех. задание швейный цех",
};

/** The chat a spec of this kind is sent to (regulation, process 3, step 13). */
export function channelOf(kind: S["SpecKind"]): string {
  return kind === "logo" ? "Логотипы.ЩЦ" : "Тех. задание швейный цех";
}

/** The spec's actions (the last segment of their endpoint) in the regulation's words. */
export const SPEC_ACTION: Record<string, string> = {
  logo: "Файл логотипа",
  "invoice-to-manager": "Отправить счёт менеджеру",
  "invoice-checked": "Менеджер проверил счёт",
  sign: "Подписать",
  "signed-scan": "Скан подписанного ТЗ",
  send: "Отправить в цех",
  "workshop-accepted": "Принято",
  "workshop-feedback": "Замечание цеха",
  "goods-ready": "Товар готов",
  "shipping-documents": "Выписать УПД",
  cancel: "Отменить ТЗ",
};

/** What the spec's history records, in words. */
export const SPEC_EVENT: Record<string, string> = {
  received: "ТЗ получено",
  receipt_posted_in_1c: "Приход оприходован в 1С",
  update: "Изменено (новая редакция)",
  updated: "Изменено (новая редакция)",
  upload_logo: "Загружен файл логотипа",
  logo_uploaded: "Загружен файл логотипа",
  send_invoice_to_manager: "Счёт отправлен менеджеру",
  invoice_checked: "Менеджер проверил счёт",
  sign: "Подписано снабжением",
  upload_signed_scan: "Загружен скан подписанного ТЗ",
  send_to_workshop: "Отправлено в цех",
  workshop_accept: "Цех: «Принято»",
  workshop_feedback: "Замечание цеха",
  goods_ready: "Товар готов",
  issue_documents: "Запрошены документы в 1С",
  documents_issued: "Документы выписаны",
  signature_void: "Подпись снята: ТЗ изменено",
  close: "Закрыто",
  cancel: "Отменено",
};

/** Body measurements in the order of the table, with their bounds in cm (as the API checks them). */
export const MEASURES = [
  { key: "height_cm", label: "Рост", min: 120, max: 230, required: true },
  { key: "chest_cm", label: "Обхват груди", min: 60, max: 180, required: true },
  { key: "waist_cm", label: "Обхват талии", min: 45, max: 180, required: true },
  { key: "hips_cm", label: "Обхват бёдер", min: 60, max: 190, required: true },
  { key: "neck_cm", label: "Обхват шеи", min: 25, max: 60, required: false },
  { key: "sleeve_cm", label: "Длина рукава", min: 40, max: 90, required: false },
  { key: "inseam_cm", label: "Длина по внутр. шву", min: 50, max: 110, required: false },
] as const;

export type MeasureKey = (typeof MEASURES)[number]["key"];
