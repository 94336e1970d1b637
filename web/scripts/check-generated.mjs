// Fails when src/api/schema.d.ts is not what `npm run gen` makes from ../openapi/openapi.json,
// so an API change reaches the console's types (and `tsc`) in the same commit.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const web = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "console-gen-"));
try {
  const fresh = join(dir, "schema.d.ts");
  execFileSync(
    join(web, "node_modules", ".bin", "openapi-typescript"),
    ["../openapi/openapi.json", "-o", fresh],
    { cwd: web, stdio: ["ignore", "ignore", "inherit"] },
  );
  if (readFileSync(fresh, "utf8") !== readFileSync(join(web, "src/api/schema.d.ts"), "utf8")) {
    console.error("src/api/schema.d.ts is stale: run `npm run gen` in web/ and commit it");
    process.exit(1);
  }
  console.log("src/api/schema.d.ts matches openapi/openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
