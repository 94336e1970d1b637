import { dirname, resolve } from "node:path";
import { readFileSync } from "node:fs";

import type { IndexHtmlTransformContext, Plugin } from "vite";

/**
 * The page code an address needs, asked for by index.html as the page starts, beside the main
 * bundle, instead of after it: the main bundle learns which page to load only once it has run.
 *
 * The build writes into index.html a small inline script holding, for each route whose page is
 * loaded lazily (`lazyRouteComponent(() => import(...))` in the router), the route's address as a
 * pattern and the files its page needs (its chunk, the chunks it imports and their styles, as the
 * bundle names them). The script adds `<link rel="modulepreload">` (styles: `rel="preload"`) for
 * the route of the address only. Nothing is added to the initial JavaScript: the page's code is
 * fetched early, run when the router asks for it, as before.
 */

/** A route with its page loaded lazily: its path as the router writes it, the page's import. */
export interface LazyRoute {
  path: string;
  module: string;
}

/**
 * The lazily loaded routes of the router's source: each `createRoute({ … })` with a `path` and a
 * `lazyRouteComponent(() => import("…"))`. The paths are the router's (absolute: the routes with
 * pages hang from path-less layout routes).
 */
export function lazyRoutes(source: string): LazyRoute[] {
  const routes: LazyRoute[] = [];
  for (const block of source.split(/createRoute\(\{/).slice(1)) {
    const body = block.split(/\n\}\);?/)[0] ?? "";
    const path = /\bpath:\s*["']([^"']+)["']/.exec(body)?.[1];
    const module = /lazyRouteComponent\(\s*\(\)\s*=>\s*import\(\s*["']([^"']+)["']\s*\)/.exec(body)?.[1];
    if (path?.startsWith("/") && module) routes.push({ path, module });
  }
  return routes;
}

/** A router path as a pattern of `location.pathname`: `$param` is one segment; a trailing slash is allowed. */
export function pathPattern(path: string): string {
  const segments = path
    .split("/")
    .filter(Boolean)
    .map((s) => (s.startsWith("$") ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return segments.length ? `^/${segments.join("/")}/?$` : "^/$";
}

/** What the bundle says of a chunk (the fields of Rollup's output chunk and Vite's metadata we read). */
export interface ChunkInfo {
  fileName: string;
  isEntry: boolean;
  facadeModuleId: string | null;
  imports: string[];
  css: string[];
}

/** The files a route's page needs, as Vite's own preload of that import lists them, less the entry's. */
export function pageFiles(chunks: ChunkInfo[], moduleId: string): string[] | undefined {
  const byFile = new Map(chunks.map((c) => [c.fileName, c]));
  const page = chunks.find((c) => c.facadeModuleId !== null && withoutExtension(c.facadeModuleId) === moduleId);
  if (!page) return undefined;
  const entries = new Set(chunks.filter((c) => c.isEntry).map((c) => c.fileName));
  const js: string[] = [];
  const css: string[] = [];
  const visit = (chunk: ChunkInfo) => {
    if (entries.has(chunk.fileName) || js.includes(chunk.fileName)) return;
    js.push(chunk.fileName);
    for (const file of chunk.css) if (!css.includes(file)) css.push(file);
    for (const file of chunk.imports) {
      const imported = byFile.get(file);
      if (imported) visit(imported);
    }
  };
  visit(page);
  return [...js, ...css];
}

/** The address patterns with their files: each file named once, the routes by its index. */
export interface RouteFiles {
  files: string[];
  routes: [pattern: string, files: number[]][];
}

export function routeFiles(routes: LazyRoute[], chunks: ChunkInfo[], routerDir: string): RouteFiles {
  const files: string[] = [];
  const out: RouteFiles = { files, routes: [] };
  for (const route of routes) {
    const needed = pageFiles(chunks, withoutExtension(resolve(routerDir, route.module)));
    if (!needed) throw new Error(`route-preload: no chunk for ${route.module} (${route.path})`);
    out.routes.push([
      pathPattern(route.path),
      needed.map((f) => {
        if (!files.includes(f)) files.push(f);
        return files.indexOf(f);
      }),
    ]);
  }
  return out;
}

/**
 * The inline script: the first route whose pattern the address matches gets its files asked for,
 * scripts as module preloads and styles as style preloads, with the same CORS mode as Vite's own
 * preloads so that the browser uses what it fetched.
 */
export function inlineScript(map: RouteFiles, base: string): string {
  return `(function () {
  var map = ${JSON.stringify(map)};
  var here = location.pathname;
  for (var i = 0; i < map.routes.length; i++) {
    if (!new RegExp(map.routes[i][0]).test(here)) continue;
    map.routes[i][1].forEach(function (n) {
      var file = map.files[n];
      var link = document.createElement("link");
      var style = /\\.css$/.test(file);
      link.rel = style ? "preload" : "modulepreload";
      if (style) link.as = "style";
      link.crossOrigin = "";
      link.href = ${JSON.stringify(base)} + file;
      document.head.appendChild(link);
    });
    return;
  }
})();`;
}

function withoutExtension(id: string): string {
  return id.replace(/\.[cm]?[jt]sx?$/, "");
}

function chunksOf(bundle: NonNullable<IndexHtmlTransformContext["bundle"]>): ChunkInfo[] {
  const chunks: ChunkInfo[] = [];
  for (const output of Object.values(bundle)) {
    if (output.type !== "chunk") continue;
    chunks.push({
      fileName: output.fileName,
      isEntry: output.isEntry,
      facadeModuleId: output.facadeModuleId,
      imports: output.imports,
      css: [...(output.viteMetadata?.importedCss ?? [])],
    });
  }
  return chunks;
}

/**
 * The plugin: on build, the script goes into index.html's head right after the main bundle's
 * script tag (before any stylesheet, which an inline script would wait for).
 */
export function routePreload(options: { router: string }): Plugin {
  let base = "/";
  return {
    name: "pomoshnik:route-preload",
    apply: "build",
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        if (!ctx.bundle) return html;
        const routes = lazyRoutes(readFileSync(options.router, "utf8"));
        const map = routeFiles(routes, chunksOf(ctx.bundle), dirname(options.router));
        const entry = /<script type="module"[^>]*><\/script>/.exec(html);
        if (!entry) throw new Error("route-preload: no module script in index.html");
        const at = entry.index + entry[0].length;
        return `${html.slice(0, at)}\n    <script>\n${inlineScript(map, base)}\n    </script>${html.slice(at)}`;
      },
    },
  };
}
