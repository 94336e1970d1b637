import { infiniteQueryOptions } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/problem";
import type { OrdersSearch } from "./search";

export const ORDERS_PAGE = 50;

/**
 * The list of orders for the filters in the address, page by page: one definition for the page
 * and for its route, which asks for the first page as the screen is entered (the page then finds
 * it in the cache under the same key).
 */
export function ordersQuery(search: OrdersSearch) {
  const query = {
    status: search.status,
    channel: search.channel,
    client_id: search.client,
    assistant_id: search.assistant,
    created_from: search.from,
    created_to: search.to,
    q: search.q,
  };
  return infiniteQueryOptions({
    queryKey: ["orders", "list", query],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/orders", {
          params: { query: { ...query, cursor: pageParam ?? undefined, limit: ORDERS_PAGE } },
          signal,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}
