#!/usr/bin/env node
// Tiny launcher. The CLI is compiled by `npm install` (the prepare script) and bundled into one
// file, because resolving and loading a hundred small ES modules cost more start-up time than
// the command itself (see BENCHMARKS in the README).
import { existsSync } from "node:fs";

const entry = new URL("../dist/bundle/softkey.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("softkey: the CLI is not built (no dist/bundle/softkey.js): run npm run build\n");
  process.exit(1);
}
// Every file the CLI creates is its user's alone (the store's LevelDB files, whatever LevelDB adds while
// `serve` runs, token and export files): LevelDB creates files with the process umask, and cannot be told otherwise.
process.umask(0o077);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
