// The regulation's words for the collection case (process 4, «когда долг просрочен»).
import type { components } from "../../api/schema";

type S = components["schemas"];

export const STAGE: Record<S["CaseStage"], string> = {
  guarantee_requested: "Запрошено гарантийное письмо",
  guarantee_received: "Гарантийное письмо получено",
  escalated: "Эскалация",
  waiting: "Ожидание оплаты",
  claim_requested: "Претензия у юриста",
  claim_approved: "Претензия утверждена",
  claim_sent: "Претензия отправлена",
  delivered: "Претензия вручена",
  court_ready: "Документы для суда",
  in_court: "В суде",
  closed: "Закрыто",
};

/** The stages in the regulation's order. */
export const STAGES = Object.keys(STAGE) as S["CaseStage"][];

export const DEADLINE: Record<S["CaseDeadline"]["step"], string> = {
  guarantee_answer: "Гарантийное письмо (иначе эскалация)",
  confirmation_call: "Звонок: подтвердить оплату",
  promise_breach: "Срок гарантийного письма нарушен",
  claim_request: "Запрос претензии у юриста",
  claim_prepared: "Претензия от юриста",
  tracking_check: "Проверить вручение на почте",
  claim_payment: "Срок оплаты по претензии",
  court_allowed: "Можно в суд (30 дней)",
};

export const CLOSE_REASON: Record<S["CloseReason"], string> = {
  paid: "Оплачено",
  settled: "Урегулировано",
  written_off: "Списано",
  not_receivable: "Не дебиторская задолженность",
};

export const FILE_KIND: Record<S["CaseFileKind"], string> = {
  guarantee_letter: "Гарантийное письмо",
  delivery_receipt: "Уведомление о вручении",
  postal_receipt: "Квитанция почты",
  court: "Судебные документы",
  other: "Другое",
};

/** The case's actions, by the last segment of their endpoint. */
export const CASE_ACTION: Record<string, string> = {
  guarantee: "Гарантийное письмо получено",
  "guarantee-refusal": "Отказ от гарантийного письма",
  calls: "Записать звонок",
  "negotiation-done": "Переговоры завершены",
  claim: "Редактировать претензию",
  approve: "Утвердить претензию",
  send: "Претензия отправлена",
  "delivery-receipt": "Уведомление о вручении",
  court: "Суд",
  close: "Закрыть дело",
};
