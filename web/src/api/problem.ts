import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];
export type FieldProblem = components["schemas"]["FieldProblem"];

/** A failed call: the HTTP status and the RFC 9457 problem the API answered with. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.name = "ApiProblem";
    this.status = status;
    this.problem = problem;
  }

  /** Field problems keyed by the field's path without `body.` (`body.result` → `result`), in Russian. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem?.errors ?? []) {
      const name = e.field.split(".").filter((p) => !/^\d+$/.test(p) && p !== "body").join(".");
      out[name || e.field] = fieldReason(e);
    }
    return out;
  }
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "status" in value && "title" in value;
}

/** The data of an openapi-fetch result, or an ApiProblem thrown. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiProblem(result.response.status, isProblem(result.error) ? result.error : null);
  }
  return result.data as T;
}

/** The API's reasons are in English; the ones the console knows by their code are said in Russian. */
export function fieldReason(e: FieldProblem): string {
  if (e.code === "missing") return "Обязательное поле";
  if (e.code === "too_short" || e.code === "string_too_short") return "Слишком коротко";
  if (e.code === "too_long" || e.code === "string_too_long") return "Слишком длинно";
  if (e.code === "value_error" && /email/i.test(e.reason)) return "Это не адрес электронной почты";
  if (e.code.endsWith("_parsing") || e.code.endsWith("_type")) return "Неверный формат";
  return e.reason;
}

const TITLES: Record<number, string> = {
  400: "Неверный запрос",
  403: "Нет прав",
  404: "Не найдено",
  409: "Действие сейчас невозможно",
  413: "Слишком большой файл",
  422: "Неверные данные",
  428: "Нужна версия записи",
  429: "Слишком много попыток",
};

/** A notice's title for a problem: by its status, in Russian. */
export function problemTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? "Ошибка сервера" : "Ошибка");
}
