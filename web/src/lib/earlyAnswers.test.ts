import { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ordersQuery } from "../pages/orders/query";
import { placeEarlyAnswers } from "./earlyAnswers";
import { formatDateTime, setTimeZone } from "./format";
import { myTasksQuery } from "./me";
import { TOKEN_KEY } from "./session";

const never = new Promise<Response>(() => {});
const COMPANY = { name: "ООО «Пример»", time_zone: "Asia/Yekaterinburg", currency: "RUB", today: "2026-12-08" };
const ORDERS = { items: [{ id: 7 }], next_cursor: "c2" };

describe("the early answers placed before the first render", () => {
  let client: QueryClient;
  beforeEach(() => {
    client = new QueryClient();
    const store = new Map([[TOKEN_KEY, "t0k"]]);
    globalThis.sessionStorage = { getItem: (key: string) => store.get(key) ?? null } as Storage;
    setTimeZone("Europe/Moscow");
  });
  afterEach(() => {
    globalThis.__early = undefined;
    setTimeZone("Europe/Moscow");
  });

  it("puts each read answer under its screen's key, takes the company's zone and marks them taken", () => {
    globalThis.__early = [
      { url: "/api/v1/reference/company", token: "t0k", response: never, body: COMPANY },
      { url: "/api/v1/orders?limit=50", token: "t0k", response: never, body: ORDERS },
    ];
    placeEarlyAnswers(client);
    expect(client.getQueryData(["company"])).toEqual(COMPANY);
    expect(client.getQueryData(ordersQuery({}).queryKey)).toEqual({ pages: [ORDERS], pageParams: [null] });
    // The same key the page asks with for an address without filters (its search's fields unset).
    expect(client.getQueryData(ordersQuery({ status: undefined, q: undefined }).queryKey)).toBeDefined();
    expect(formatDateTime("2026-12-08T10:00:00Z")).toBe("08.12.2026, 15:00");
    expect(globalThis.__early.every((one) => one.taken)).toBe(true);
  });

  it("places «Сегодня»'s tasks under the key its route and page ask with", () => {
    const tasks = { overdue: [], today: [], upcoming: [] };
    globalThis.__early = [{ url: "/api/v1/tasks/mine?limit=500", token: "t0k", response: never, body: tasks }];
    placeEarlyAnswers(client);
    expect(client.getQueryData(myTasksQuery.queryKey)).toEqual(tasks);
  });

  it("leaves to the API client an answer not yet read, another login's, or one it has taken", () => {
    globalThis.__early = [
      { url: "/api/v1/reference/company", token: "t0k", response: never },
      { url: "/api/v1/orders?limit=50", token: "another", response: never, body: ORDERS },
      { url: "/api/v1/tasks/mine?limit=500", token: "t0k", response: never, body: {}, taken: true },
    ];
    placeEarlyAnswers(client);
    expect(client.getQueryCache().getAll()).toEqual([]);
    expect(globalThis.__early.map((one) => !!one.taken)).toEqual([false, false, true]);
    expect(formatDateTime("2026-12-08T10:00:00Z")).toBe("08.12.2026, 13:00");
  });
});
