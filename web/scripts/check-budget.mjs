// The initial JavaScript (the scripts index.html loads, and the modules they preload) must stay
// within the budget, gzipped, as the browser downloads it.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 300;
const dist = new URL("../dist/", import.meta.url);
const html = readFileSync(new URL("index.html", dist), "utf8");
const initial = new Set();
for (const m of html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="\/?([^"]+\.js)"[^>]*>/g)) {
  initial.add(m[1]);
}
if (initial.size === 0) {
  console.error("no script found in dist/index.html");
  process.exit(1);
}
let total = 0;
for (const file of initial) {
  const size = gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length;
  total += size;
  console.log(`  ${file}: ${(size / 1024).toFixed(1)} KB gzipped`);
}
const kb = total / 1024;
console.log(`initial JavaScript: ${kb.toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB)`);
if (kb > BUDGET_KB) {
  console.error("over the budget: split a page out with lazy() or drop a dependency");
  process.exit(1);
}
