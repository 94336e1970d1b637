import { useQuery } from "@tanstack/react-query";

import { api } from "../api/client";
import { unwrap } from "../api/problem";

/** Clients whose name (or INN's start) matches, for a searchable select. */
export function useClientSearch(q: string) {
  return useQuery({
    queryKey: ["clients", "search", q],
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/clients", { params: { query: { q: q || undefined, limit: 20 } }, signal })),
    staleTime: 60_000,
  });
}

/** One client's name, for a row that names it by id. */
export function useClientName(id: number | null | undefined) {
  return useQuery({
    queryKey: ["clients", id],
    enabled: typeof id === "number",
    queryFn: async ({ signal }) =>
      unwrap(await api.GET("/api/v1/clients/{client_id}", { params: { path: { client_id: id ?? 0 } }, signal })),
    staleTime: 5 * 60_000,
    select: (c) => c.name,
  });
}
