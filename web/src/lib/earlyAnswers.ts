import type { QueryClient } from "@tanstack/react-query";

import type { components } from "../api/schema";
import { ORDERS_PAGE, ordersQuery } from "../pages/orders/query";
import { adoptCompany, type Company, companyQuery } from "./company";
import { MY_TASKS_LIMIT, myTasksQuery } from "./me";
import { getToken } from "./session";

type OrderPage = components["schemas"]["Page_OrderRead_"];
type MyTasks = components["schemas"]["MyTasks"];

/** Where each early answer goes in the query cache: under the key its screen asks with. */
const PLACES: Record<string, (client: QueryClient, body: unknown) => void> = {
  "/api/v1/reference/company": (client, body) => client.setQueryData(companyQuery.queryKey, adoptCompany(body as Company)),
  [`/api/v1/tasks/mine?limit=${MY_TASKS_LIMIT}`]: (client, body) => client.setQueryData(myTasksQuery.queryKey, body as MyTasks),
  [`/api/v1/orders?limit=${ORDERS_PAGE}`]: (client, body) =>
    client.setQueryData(ordersQuery({}).queryKey, { pages: [body as OrderPage], pageParams: [null] }),
};

/**
 * The early answers (index.html's inline script) already read when the console's code starts go
 * into the query cache, so React's first render draws the screen with its data, instead of drawing
 * it waiting and again once the API client has taken the same answers a task later. An answer
 * still on its way, not a success or for another login is left to the API client (src/api/early.ts),
 * which takes it or asks again.
 */
export function placeEarlyAnswers(client: QueryClient): void {
  const token = getToken();
  for (const one of globalThis.__early ?? []) {
    const place = PLACES[one.url];
    if (one.taken || one.body === undefined || one.token !== token || place === undefined) continue;
    one.taken = true;
    place(client, one.body);
  }
}
