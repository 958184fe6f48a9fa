/**
 * V8's young generation, held at its first size in every process the CLI starts (bin/softkey.js
 * calls this before it loads anything). It matters for the long-running ones: `serve`, `agent`,
 * `mcp`, `attach`.
 *
 * V8 starts each semi-space of the young generation at 1 MiB and doubles it whenever enough objects
 * have survived scavenges since the last growth, up to 16 MiB on 64-bit Node 20 (loading softkey's
 * modules alone took it to 8 MiB): with the new large-object space, about 45 MiB of resident memory
 * that a process serving requests for a while always reaches, whatever its live data. `npm run
 * bench:scale` measures a process that does this, as softkey serve does; with BENCH_SCALE_HEAP=default,
 * one that does not (BENCHMARKS.md has both).
 *
 * `--max-semi-space-size` is read once, when the heap is set up, so a running process cannot change
 * it; the growth factor is read at each growth, so 1 keeps the semi-spaces at their size from then
 * on. The library leaves its host's heap alone: only the CLI calls this. Measured on Node 20 (V8 11.3)
 * only, and applied there only: V8 prints an error for a flag it does not know.
 */
import { setFlagsFromString } from "node:v8";

/** The Node major versions whose V8 this was measured on. Elsewhere V8 may not know the flag, and it would print an error for every command. */
const MEASURED_NODE_MAJORS = new Set([20]);

let held = false;

export function holdYoungGenerationSize(): void {
  if (held || !MEASURED_NODE_MAJORS.has(Number(process.versions.node.split(".")[0]))) return;
  held = true;
  setFlagsFromString("--semi-space-growth-factor=1");
}
