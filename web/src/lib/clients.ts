import { useQuery } from "@tanstack/react-query";
import DataLoader from "dataloader";

import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { components } from "../api/schema";

type Client = components["schemas"]["ClientRead"];

/** The API's bound on `?id=` in one request. */
export const CLIENTS_PER_REQUEST = 100;

/** The cards asked for in one turn of the event loop, read in one request (`GET /clients?id=…`)
 * instead of one each: a list of fifty orders names its clients with one. An id the caller may not
 * see (or that does not exist) fails alone. The query cache keeps the cards; the loader keeps none. */
export function clientLoader(
  read: (ids: number[]) => Promise<Client[]> = readClients,
): DataLoader<number, Client> {
  return new DataLoader<number, Client>(
    async (ids) => {
      const found = new Map((await read([...new Set(ids)])).map((c) => [c.id, c]));
      return ids.map((id) => found.get(id) ?? new Error(`client ${id} not found`));
    },
    { cache: false, maxBatchSize: CLIENTS_PER_REQUEST },
  );
}

async function readClients(ids: number[]): Promise<Client[]> {
  const page = unwrap(
    await api.GET("/api/v1/clients", { params: { query: { id: ids, limit: CLIENTS_PER_REQUEST } } }),
  );
  return page.items;
}

const clients = clientLoader();

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
    queryFn: () => clients.load(id ?? 0),
    staleTime: 5 * 60_000,
    select: (c) => c.name,
  });
}
