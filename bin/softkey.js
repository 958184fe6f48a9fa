#!/usr/bin/env node
// Tiny launcher: the CLI lives in dist/cli (compiled by `npm install` through the prepare script).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("softkey: the CLI is not built (no dist/cli/main.js): run npm run build\n");
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
