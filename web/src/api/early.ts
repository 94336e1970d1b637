import type { Middleware } from "openapi-fetch";

/**
 * What the first screen waits for, asked for by index.html's inline script as the page starts,
 * before the console's code has loaded: the code and the data then travel together instead of one
 * after the other. The URLs there are the ones the console asks for (the company, which every page
 * waits for; the «Сегодня» list; the first page of «Заявки» without filters); `early.test.ts` keeps
 * them equal.
 */
export interface Early {
  url: string;
  token: string;
  response: Promise<Response>;
  /** The answer's JSON once read, if it was a success (src/lib/earlyAnswers.ts places it). */
  body?: unknown;
  /** Set once the client has taken it (what a test of the page reads). */
  taken?: boolean;
}

declare global {
  var __early: Early[] | undefined;
}

/**
 * The API client takes that answer once, for the same GET with the same token; an answer that is
 * not a success (or a network failure) is left, and the client asks again as it always does, so a
 * 401 or a problem takes the usual way.
 */
export const early: Middleware = {
  async onRequest({ request }) {
    if (request.method !== "GET") return undefined;
    const asked = globalThis.__early?.find(
      (one) =>
        !one.taken &&
        request.url === new URL(one.url, globalThis.location.origin).href &&
        request.headers.get("Authorization") === `Bearer ${one.token}`,
    );
    if (!asked) return undefined;
    asked.taken = true;
    try {
      const response = await asked.response;
      return response.ok ? response : undefined;
    } catch {
      return undefined;
    }
  },
};
