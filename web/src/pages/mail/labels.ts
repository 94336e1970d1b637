import type { components } from "../../api/schema";

type S = components["schemas"];

/** What a letter from the shared mailbox became. */
export const MAIL_KIND: Record<S["InboundKind"], string> = {
  order: "Новая заявка",
  reply: "Ответ клиента",
  auto_reply: "Автоответ",
  bounce: "Не доставлено",
  mailing_list: "Рассылка",
  duplicate: "Повтор",
  failed: "Не разобрано",
};

export const MAIL_KIND_COLOR: Record<S["InboundKind"], string> = {
  order: "blue",
  reply: "green",
  auto_reply: "gray",
  bounce: "orange",
  mailing_list: "gray",
  duplicate: "gray",
  failed: "red",
};
