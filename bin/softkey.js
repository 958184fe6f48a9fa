#!/usr/bin/env node
// Tiny launcher. The CLI is compiled by `npm install` (the prepare script) and bundled into one
// file, because resolving and loading a hundred small ES modules cost more start-up time than
// the command itself (see BENCHMARKS.md).
import { existsSync } from "node:fs";
import { Readable } from "node:stream";

const entry = new URL("../dist/bundle/softkey.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("softkey: the CLI is not built (no dist/bundle/softkey.js): run npm run build\n");
  process.exit(1);
}
// Every file the CLI creates is its user's alone (the store's LevelDB files, whatever LevelDB adds while
// `serve` runs, token and export files, the agent's socket): LevelDB creates files with the process umask,
// and cannot be told otherwise.
process.umask(0o077);
// Before anything is loaded: loading the bundle alone grows V8's young generation, and a long-running
// command (serve, agent, mcp) would keep it grown (src/processHeap.ts). A short command runs the same
// number of scavenges either way (5 for `softkey list`).
const { holdYoungGenerationSize } = await import(new URL("../dist/processHeap.js", import.meta.url).href);
holdYoungGenerationSize();
// Fast path: when `softkey agent` (or `softkey serve`) holds the store, it runs the command, without
// the bundle (dist/agent/client.js is small and uses Node's built-ins only).
const { runViaAgent } = await import(new URL("../dist/agent/client.js", import.meta.url).href);
const viaAgent = await runViaAgent(process.argv.slice(2));
if (viaAgent.ran) {
  process.exitCode = viaAgent.exitCode;
} else {
  const { main, processIo } = await import(entry.href);
  // Standard input the agent read before handing the command back is read again from here.
  const io = viaAgent.stdin ? { ...processIo(), stdin: Readable.from([viaAgent.stdin]) } : undefined;
  process.exitCode = await main(process.argv, io);
}
