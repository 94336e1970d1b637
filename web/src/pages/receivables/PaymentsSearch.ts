/** The list's filters and the entry form, kept in the address (a link from a case opens it for its client). */
export type PaymentsSearch = { client?: number; from?: string; to?: string; enter?: boolean };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function validatePaymentsSearch(search: Record<string, unknown>): PaymentsSearch {
  const out: PaymentsSearch = {};
  const client = Number(search.client);
  if (Number.isInteger(client) && client > 0) out.client = client;
  if (typeof search.from === "string" && DAY.test(search.from)) out.from = search.from;
  if (typeof search.to === "string" && DAY.test(search.to)) out.to = search.to;
  if (search.enter === true || search.enter === "true" || search.enter === 1) out.enter = true;
  return out;
}
