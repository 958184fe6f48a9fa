#!/usr/bin/env node
// The CommonJS build: `require("softkey")`, `require("softkey/playwright")`,
// `require("softkey/puppeteer")` and `require("softkey/webdriver")` load these, for projects that are not ESM (a default Playwright
// Test project is CommonJS). One bundle per entry point from the ESM build in dist/, with the
// ESM-only dependencies (@noble/*) inlined so that no require() of an ES module is needed; every
// other dependency stays external and loads through its own CommonJS entry.
//
// Types: each bundle gets a .d.cts that re-exports the entry point's declarations.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "dist", "cjs");
/** name → the ESM entry it is built from, under dist/. */
const ENTRIES = { index: "index", playwright: "playwright/index", puppeteer: "puppeteer/index", webdriver: "webdriver/index" };
const INLINED = ["@noble/curves", "@noble/hashes", "@noble/post-quantum"];

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]
  .filter((name) => !INLINED.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

mkdirSync(OUT, { recursive: true });
for (const [name, entry] of Object.entries(ENTRIES)) {
  const source = path.join(ROOT, "dist", `${entry}.js`);
  if (!existsSync(source)) continue; // an adapter not built in this tree
  await build({
    entryPoints: [source],
    outfile: path.join(OUT, `${name}.cjs`),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external,
    logLevel: "warning",
  });
  const declarations = path.relative(OUT, path.join(ROOT, "dist", `${entry}.js`)).split(path.sep).join("/");
  const hasDefault = /^export default /m.test(readFileSync(path.join(ROOT, "dist", `${entry}.d.ts`), "utf8"));
  writeFileSync(path.join(OUT, `${name}.d.cts`), `export * from "${declarations}";\n${hasDefault ? `export { default } from "${declarations}";\n` : ""}`);
}
