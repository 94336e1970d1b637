import type { components } from "../../api/schema";
import { ORDER_CHANNEL, ORDER_STATUS } from "../../lib/labels";

type Status = components["schemas"]["OrderStatus"];
type Channel = components["schemas"]["OrderChannel"];

/** The filters of «Заявки» as they stand in the address, so a filtered list reloads and is shared. */
export interface OrdersSearch {
  status?: Status;
  channel?: Channel;
  client?: number;
  assistant?: number;
  from?: string;
  to?: string;
  q?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function id(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function day(value: unknown): string | undefined {
  return typeof value === "string" && DAY.test(value) ? value : undefined;
}

/** What of an address's search is a filter the list knows; the rest is dropped, not refused. */
export function validateOrdersSearch(search: Record<string, unknown>): OrdersSearch {
  const out: OrdersSearch = {};
  if (typeof search.status === "string" && Object.hasOwn(ORDER_STATUS, search.status)) out.status = search.status as Status;
  if (typeof search.channel === "string" && Object.hasOwn(ORDER_CHANNEL, search.channel)) out.channel = search.channel as Channel;
  const client = id(search.client);
  if (client !== undefined) out.client = client;
  const assistant = id(search.assistant);
  if (assistant !== undefined) out.assistant = assistant;
  const from = day(search.from);
  if (from !== undefined) out.from = from;
  const to = day(search.to);
  if (to !== undefined) out.to = to;
  const q = typeof search.q === "string" || typeof search.q === "number" ? String(search.q).trim().slice(0, 100) : "";
  if (q) out.q = q;
  return out;
}
