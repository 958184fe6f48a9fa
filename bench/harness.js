// The benchmark's measuring tools: every figure is a median of rounds, every ratio is taken within a round
// (both sides measured back to back, so load on a shared machine hits both alike) and then the median of
// those ratios is reported, with the load average beside it.
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

export const seconds = Number(process.env.BENCH_SECONDS ?? 3);
export const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
/** One round's share of a measurement's time. */
export const roundSeconds = Math.max(0.5, seconds / ROUNDS);

/** Another process's CPU time so far in ms, user and system (Linux /proc; undefined elsewhere or once it has exited). */
export function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms clock ticks
  } catch {
    return undefined;
  }
}

/** Runs fn (sync or async) repeatedly for `duration` seconds and returns operations per second. */
export async function opsPerSecond(fn, duration = roundSeconds, warmUp = 200) {
  for (let i = 0; i < warmUp; i++) await fn(i); // JIT, caches
  let n = 0;
  const start = performance.now();
  const end = start + duration * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) await fn(n++);
  }
  return (n / (performance.now() - start)) * 1000;
}

/** Operations per second and CPU time per operation of this process. */
export async function opsAndCpu(fn, duration = roundSeconds, warmUp = 200) {
  for (let i = 0; i < warmUp; i++) await fn(i);
  const cpu = process.cpuUsage();
  let n = 0;
  const start = performance.now();
  const end = start + duration * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 20; i++) await fn(n++);
  }
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { opsPerSecond: (n / elapsed) * 1000, cpuUsPerOp: (used.user + used.system) / n };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function p99(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

/** The latency of each of `count` calls, in µs: median and p99. */
export async function timeEach(count, fn, warmUp = 50) {
  for (let i = 0; i < Math.min(warmUp, count); i++) await fn(i);
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    times.push((performance.now() - start) * 1000);
  }
  return { median: median(times), p99: p99(times) };
}

export function loadAverage() {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(" ");
}

export function machineLine() {
  return `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/**
 * ROUNDS rounds of `round(r)`, which returns named figures; the result has each figure's median and,
 * for each ratio asked for, the median of the per-round ratios.
 */
export async function inRounds(round, ratios = {}) {
  const figures = {};
  const perRoundRatios = Object.fromEntries(Object.keys(ratios).map((name) => [name, []]));
  const loads = [];
  for (let r = 0; r < ROUNDS; r++) {
    const values = await round(r);
    for (const [name, value] of Object.entries(values)) (figures[name] ??= []).push(value);
    for (const [name, [top, bottom]] of Object.entries(ratios)) perRoundRatios[name].push(values[top] / values[bottom]);
    loads.push(loadavg()[0]);
  }
  return {
    ...Object.fromEntries(Object.entries(figures).map(([name, values]) => [name, median(values)])),
    ...Object.fromEntries(Object.entries(perRoundRatios).map(([name, values]) => [name, median(values)])),
    load: median(loads).toFixed(2),
  };
}

/** The rows of one run, printed as Markdown tables; goals collected into their own table. */
export class Report {
  rows = [];
  goals = [];
  /** Whole tables a section prints after the rows (the scale comparison). */
  tables = [];

  row(what, value, unit, note = "") {
    this.rows.push({ what, value, unit, note });
  }

  skipped(what, reason) {
    this.rows.push({ what, value: null, unit: "", note: `SKIPPED: ${reason}` });
  }

  /** A ratio with its goal: `atLeast` true for "goal >= target", false for "<= target". */
  goal(path, ratio, target, atLeast, load) {
    const met = ratio === undefined || Number.isNaN(ratio) ? undefined : atLeast ? ratio >= target : ratio <= target;
    this.goals.push({ path, ratio, goal: `${atLeast ? ">=" : "<="} ${target}`, met, load });
  }

  print(title) {
    const format = (v) => (v === null || v === undefined || Number.isNaN(v) ? "—" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
    const out = [`${title} — ${new Date().toISOString().slice(0, 10)}, ${machineLine()}`, ""];
    if (this.goals.length > 0) {
      out.push("| path | ratio | goal | met | load average |", "|---|---:|---|---|---|");
      for (const g of this.goals) out.push(`| ${g.path} | ${format(g.ratio)} | ${g.goal} | ${g.met === undefined ? "—" : g.met ? "yes" : "no"} | ${g.load ?? ""} |`);
      out.push("");
    }
    out.push("| measurement | value | unit | note |", "|---|---:|---|---|");
    for (const r of this.rows) out.push(`| ${r.what} | ${format(r.value)} | ${r.unit} | ${r.note} |`);
    for (const table of this.tables) out.push("", table);
    console.log(out.join("\n"));
  }
}
