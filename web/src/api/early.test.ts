import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";

import createClient from "openapi-fetch";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ORDERS_PAGE } from "../pages/orders/query";
import { MY_TASKS_LIMIT } from "../lib/me";
import { TOKEN_KEY } from "../lib/session";
import { early, type Early } from "./early";

const ORIGIN = "http://console.test";
const INDEX = readFileSync(new URL("../../index.html", import.meta.url), "utf8");
const INLINE = /<script>([\s\S]*?)<\/script>/.exec(INDEX)?.[1] ?? "";

/** index.html's inline script run at an address with a token: what it asks for. */
function askedAt(
  path: string,
  token: string | null = "t0k",
  search = "",
  window: { __early?: Early[] } = {},
  answer = () => new Response("{}"),
): { url: string; headers: unknown }[] {
  const asked: { url: string; headers: unknown }[] = [];
  runInNewContext(INLINE, {
    window,
    location: { pathname: path, search },
    sessionStorage: { getItem: (key: string) => (key === TOKEN_KEY ? token : null) },
    fetch: (url: string, init: { headers: unknown }) => {
      asked.push({ url, headers: init.headers });
      return Promise.resolve(answer());
    },
  });
  return asked;
}
const COMPANY = "/api/v1/reference/company";

describe("index.html's early request", () => {
  it("asks for the company and what «Сегодня» and «Заявки» ask for, with the login's token", () => {
    const auth = { Authorization: "Bearer t0k" };
    expect(askedAt("/")).toEqual([
      { url: COMPANY, headers: auth },
      { url: `/api/v1/tasks/mine?limit=${MY_TASKS_LIMIT}`, headers: auth },
    ]);
    expect(askedAt("/orders").map((a) => a.url)).toEqual([COMPANY, `/api/v1/orders?limit=${ORDERS_PAGE}`]);
  });
  it("reads a successful answer's JSON at once and leaves the response whole for the API client", async () => {
    const window: { __early?: Early[] } = {};
    const json = { "Content-Type": "application/json" };
    let n = 0;
    askedAt("/orders", "t0k", "", window, () =>
      n++ === 0 ? new Response('{"time_zone":"Europe/Samara"}', { headers: json }) : new Response("{}", { status: 401 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    const [company, orders] = window.__early ?? [];
    expect(company?.body).toEqual({ time_zone: "Europe/Samara" });
    expect(await (await company?.response)?.json()).toEqual({ time_zone: "Europe/Samara" });
    expect(orders?.body).toBeUndefined();
  });
  it("asks only for the company with filters in the address or on another screen, and nothing without a login", () => {
    expect(askedAt("/orders", null)).toEqual([]);
    expect(askedAt("/orders", "t0k", "?status=received").map((a) => a.url)).toEqual([COMPANY]);
    expect(askedAt("/clients").map((a) => a.url)).toEqual([COMPANY]);
  });
});

describe("the API client and the early answer", () => {
  let fetched: string[];
  const client = () => {
    const api = createClient<Record<string, never>>({
      baseUrl: ORIGIN,
      fetch: (request: Request) => {
        fetched.push(request.url);
        return Promise.resolve(new Response(JSON.stringify({ from: "client" }), { headers: { "Content-Type": "application/json" } }));
      },
    });
    api.use({ onRequest: ({ request }) => (request.headers.set("Authorization", "Bearer t0k"), request) }, early);
    return api;
  };
  const answer = (status: number) =>
    Promise.resolve(new Response(JSON.stringify({ from: "early" }), { status, headers: { "Content-Type": "application/json" } }));
  const get = async (path: string) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const { data } = await (client() as any).GET(path);
    return (data as { from?: string } | undefined)?.from;
  };

  beforeEach(() => {
    fetched = [];
    globalThis.location = { origin: ORIGIN } as Location;
  });
  afterEach(() => {
    globalThis.__early = undefined;
  });

  it("takes it once for the same request, then asks as usual", async () => {
    globalThis.__early = [{ url: "/api/v1/orders?limit=50", token: "t0k", response: answer(200) }];
    expect(await get("/api/v1/orders?limit=50")).toBe("early");
    expect(fetched).toEqual([]);
    expect(await get("/api/v1/orders?limit=50")).toBe("client");
    expect(fetched).toHaveLength(1);
  });
  it("leaves it for another address or another token", async () => {
    globalThis.__early = [{ url: "/api/v1/orders?limit=50&status=received", token: "t0k", response: answer(200) }];
    expect(await get("/api/v1/orders?limit=50")).toBe("client");
    globalThis.__early = [{ url: "/api/v1/orders?limit=50", token: "other", response: answer(200) }];
    expect(await get("/api/v1/orders?limit=50")).toBe("client");
  });
  it("gives each of several early answers to its own request", async () => {
    globalThis.__early = [
      { url: "/api/v1/reference/company", token: "t0k", response: answer(200) },
      { url: "/api/v1/orders?limit=50", token: "t0k", response: answer(200) },
    ];
    expect(await get("/api/v1/orders?limit=50")).toBe("early");
    expect(await get("/api/v1/reference/company")).toBe("early");
    expect(fetched).toEqual([]);
    expect(globalThis.__early.every((one) => one.taken)).toBe(true);
  });
  it("asks again when the early answer is not a success", async () => {
    globalThis.__early = [{ url: "/api/v1/tasks/mine?limit=500", token: "t0k", response: answer(401) }];
    expect(await get("/api/v1/tasks/mine?limit=500")).toBe("client");
    expect(fetched).toHaveLength(1);
  });
});
