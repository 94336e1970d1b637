import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";

import { describe, expect, it } from "vitest";

import { inlineScript, lazyRoutes, pageFiles, pathPattern, routeFiles, type ChunkInfo } from "./route-preload";

const ROUTER = readFileSync(new URL("../src/router.tsx", import.meta.url), "utf8");

const chunk = (fileName: string, facade: string | null, imports: string[] = [], css: string[] = []): ChunkInfo => ({
  fileName,
  isEntry: fileName.startsWith("assets/index-"),
  facadeModuleId: facade,
  imports,
  css,
});

// A bundle as the build makes it: the entry, two pages sharing a chunk, a page's own style, and a
// chunk the orders page loads lazily itself (after its first rows), which is not asked for early.
const BUNDLE = [
  chunk("assets/index-A1.js", "/w/src/main.tsx"),
  chunk("assets/TodayPage-B2.js", "/w/src/pages/today/TodayPage.tsx", ["assets/index-A1.js", "assets/Card-C3.js"]),
  chunk("assets/Card-C3.js", null, ["assets/index-A1.js"]),
  chunk(
    "assets/OrdersPage-D4.js",
    "/w/src/pages/orders/OrdersPage.tsx",
    ["assets/index-A1.js", "assets/Table-E5.js", "assets/Card-C3.js"],
    ["assets/styles-F6.css"],
  ),
  chunk("assets/Table-E5.js", null, ["assets/Card-C3.js"]),
  chunk("assets/OrdersTable-G7.js", "/w/src/pages/orders/OrdersTable.tsx", ["assets/OrdersPage-D4.js"]),
  chunk("assets/OrderPage-H8.js", "/w/src/pages/orders/OrderPage.tsx", ["assets/Table-E5.js"]),
];

/** The inline script run at an address: the links it adds to the head. */
function linksAt(script: string, path: string): { rel: string; as?: string; href: string; crossOrigin: string }[] {
  const head: { rel: string; href: string; crossOrigin: string }[] = [];
  runInNewContext(script, {
    location: { pathname: path },
    document: { createElement: () => ({}), head: { appendChild: (l: (typeof head)[number]) => head.push(l) } },
  });
  return head;
}

describe("the routes whose pages load lazily", () => {
  it("are read from the router with their paths and imports", () => {
    const routes = lazyRoutes(ROUTER);
    expect(routes).toContainEqual({ path: "/", module: "./pages/today/TodayPage" });
    expect(routes).toContainEqual({ path: "/orders", module: "./pages/orders/OrdersPage" });
    expect(routes).toContainEqual({ path: "/orders/$orderId", module: "./pages/orders/OrderPage" });
    // The login page is part of the main bundle; the layout route has no path.
    expect(routes.map((r) => r.path)).not.toContain("/login");
    expect(routes.length).toBe((ROUTER.match(/lazyRouteComponent\(/g) ?? []).length);
  });

  it("match their addresses, a parameter being one segment", () => {
    const matches = (path: string, here: string) => new RegExp(pathPattern(path)).test(here);
    expect(matches("/", "/")).toBe(true);
    expect(matches("/", "/orders")).toBe(false);
    expect(matches("/orders", "/orders")).toBe(true);
    expect(matches("/orders", "/orders/")).toBe(true);
    expect(matches("/orders", "/orders/12")).toBe(false);
    expect(matches("/orders/$orderId", "/orders/12")).toBe(true);
    expect(matches("/orders/$orderId", "/orders/12/x")).toBe(false);
    expect(matches("/reconciliation-acts", "/reconciliation-acts")).toBe(true);
  });
});

describe("a page's files", () => {
  it("are its chunk, what it imports, and their styles, without the main bundle", () => {
    expect(pageFiles(BUNDLE, "/w/src/pages/orders/OrdersPage")).toEqual([
      "assets/OrdersPage-D4.js",
      "assets/Table-E5.js",
      "assets/Card-C3.js",
      "assets/styles-F6.css",
    ]);
    expect(pageFiles(BUNDLE, "/w/src/pages/today/TodayPage")).toEqual(["assets/TodayPage-B2.js", "assets/Card-C3.js"]);
    expect(pageFiles(BUNDLE, "/w/src/pages/nowhere/Page")).toBeUndefined();
  });

  it("follow the bundle's names when they change", () => {
    const renamed = BUNDLE.map((c) => ({
      ...c,
      fileName: c.fileName.replace("-D4", "-Z9"),
      imports: c.imports.map((i) => i.replace("-D4", "-Z9")),
    }));
    expect(pageFiles(renamed, "/w/src/pages/orders/OrdersPage")?.[0]).toBe("assets/OrdersPage-Z9.js");
  });
});

describe("index.html's script", () => {
  const routes = [
    { path: "/", module: "./pages/today/TodayPage" },
    { path: "/orders", module: "./pages/orders/OrdersPage" },
    { path: "/orders/$orderId", module: "./pages/orders/OrderPage" },
  ];
  const script = inlineScript(routeFiles(routes, BUNDLE, "/w/src"), "/");

  it("asks for the page of the address only: scripts as modules, styles as styles", () => {
    expect(linksAt(script, "/orders")).toEqual([
      { rel: "modulepreload", href: "/assets/OrdersPage-D4.js", crossOrigin: "" },
      { rel: "modulepreload", href: "/assets/Table-E5.js", crossOrigin: "" },
      { rel: "modulepreload", href: "/assets/Card-C3.js", crossOrigin: "" },
      { rel: "preload", as: "style", href: "/assets/styles-F6.css", crossOrigin: "" },
    ]);
    expect(linksAt(script, "/").map((l) => l.href)).toEqual(["/assets/TodayPage-B2.js", "/assets/Card-C3.js"]);
    expect(linksAt(script, "/orders/7").map((l) => l.href)).toEqual([
      "/assets/OrderPage-H8.js",
      "/assets/Table-E5.js",
      "/assets/Card-C3.js",
    ]);
  });

  it("asks for nothing at an address with no lazily loaded page", () => {
    expect(linksAt(script, "/login")).toEqual([]);
    expect(linksAt(script, "/orders/7/lines")).toEqual([]);
  });

  it("fails the build for a route whose page is not in the bundle", () => {
    expect(() => routeFiles([{ path: "/gone", module: "./pages/gone/GonePage" }], BUNDLE, "/w/src")).toThrow(/GonePage/);
  });
});
