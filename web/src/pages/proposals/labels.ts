import type { components } from "../../api/schema";

type S = components["schemas"];

/** The proposal's states in the regulation's words. */
export const PROPOSAL_STATUS: Record<S["ProposalStatus"], string> = {
  draft: "Готовится",
  priced: "Цены проставлены",
  sent_to_manager: "У менеджера на проверке",
  approved: "Одобрено менеджером",
  sent_to_client: "Отправлено клиенту",
  accepted: "Клиент принял",
  declined: "Клиент отказался",
  expired: "Срок действия истёк",
  converted: "Оформлена заявка и счёт",
};

/** Where a line's price came from. */
export const PRICE_SOURCE: Record<S["PriceSource"], string> = {
  catalogue: "по прайсу 1С",
  markup: "закупка + наценка",
  manual: "вручную",
};

/** The proposal's actions (the last segment of POST /proposals/{id}/<action>). */
export const PROPOSAL_ACTION: Record<string, string> = {
  "send-to-manager": "Отправить менеджеру",
  approve: "Одобрить",
  "send-to-client": "Отправить клиенту",
  accept: "Клиент принял",
  decline: "Клиент отказался",
  convert: "Оформить заявку и счёт",
};

/** To whom each sent revision went. */
export const PROPOSAL_STAGE: Record<S["ProposalStage"], string> = {
  manager: "менеджеру",
  client: "клиенту",
};
