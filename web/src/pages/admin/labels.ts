// The department's words for roles, links and terms.
import type { components } from "../../api/schema";

type S = components["schemas"];

export const ROLE: Record<S["Role"], string> = {
  admin: "Администратор",
  director: "Директор",
  head: "Руководитель",
  manager: "Менеджер",
  assistant: "Помощник менеджера",
  lawyer: "Юрист",
  accountant: "Бухгалтер",
  supply: "Снабжение",
  warehouse: "Склад",
  workshop: "Швейный цех",
  driver: "Водитель",
};

export const LINK_KIND: Record<S["LinkKind"], string> = {
  chat: "Чаты",
  report: "Ежедневный отчёт",
  training: "Обучение 1С",
  site: "Сайт компании",
  platform: "Обучающая платформа",
  other: "Другое",
};

export const TERM_KIND: Record<S["TermKind"], string> = {
  term: "Термин",
  abbreviation: "Сокращение",
};
