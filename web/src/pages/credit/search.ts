export type CreditSearch = { show?: "waiting" | "all"; new?: number };

/** The list's address: which requests are shown, and the new request's form (for a client, or 0). */
export function validateCreditSearch(search: Record<string, unknown>): CreditSearch {
  const out: CreditSearch = {};
  if (search.show === "all" || search.show === "waiting") out.show = search.show;
  const asked = Number(search.new);
  if (search.new !== undefined && Number.isInteger(asked) && asked >= 0) out.new = asked;
  return out;
}
