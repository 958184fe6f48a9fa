#!/usr/bin/env node
// `npm run fuzz`: bundles the fuzzer (test/fuzz/fuzz.ts, its targets and test helpers) with esbuild, with
// every import of src/ pointed at the built dist/, so what is fuzzed is the code that ships. Then runs it.
// Build first (npm run fuzz does). See test/fuzz/fuzz.ts for FUZZ_SECONDS, FUZZ_TARGETS and FUZZ_SEED.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const src = path.join(root, "src") + path.sep;
const dist = path.join(root, "dist") + path.sep;
if (!existsSync(path.join(dist, "index.js"))) {
  process.stderr.write("fuzz: dist/ is not built: run npm run build first\n");
  process.exit(2);
}
// Inside node_modules so the bundle resolves fast-check, level, ... from the repository.
const outfile = path.join(root, "node_modules", ".cache", "softkey-fuzz", "fuzz.mjs");

const srcToDist = {
  name: "src-to-dist",
  setup(b) {
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind === "entry-point") return undefined;
      const resolved = path.resolve(args.resolveDir, args.path);
      if (!resolved.startsWith(src)) return undefined;
      return { path: pathToFileURL(dist + resolved.slice(src.length)).href, external: true };
    });
  },
};

await build({
  entryPoints: [path.join(root, "test", "fuzz", "fuzz.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile,
  packages: "external",
  plugins: [srcToDist],
  logLevel: "warning",
});
process.env.SOFTKEY_ROOT ??= root;
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main();
