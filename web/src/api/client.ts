import createClient, { type Middleware } from "openapi-fetch";

import { clearToken, getToken } from "../lib/session";
import { early } from "./early";
import type { paths } from "./schema";

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => undefined;

/** What to do when the API answers 401 to a signed call (the app returns to the login page). */
export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has("Authorization")) {
      clearToken();
      onUnauthorized();
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth, early);

/** The If-Match header for a change to what was read at this version (its ETag is `"<version>"`). */
export function ifMatch(version: number): { "If-Match": string } {
  return { "If-Match": `"${version}"` };
}

/** A fresh Idempotency-Key: made once per intent to create, so a repeated click creates one. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
