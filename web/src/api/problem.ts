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

  /** Field problems keyed by the field's last name (`body.result` → `result`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem?.errors ?? []) {
      const name = e.field.split(".").filter((p) => !/^\d+$/.test(p) && p !== "body").join(".");
      out[name || e.field] = e.reason;
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
