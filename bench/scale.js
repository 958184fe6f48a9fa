#!/usr/bin/env node
// How softkey scales with the number of credentials in its store: store open time, getAssertion latency
// (allowList and discoverable), listing one RP's credentials, getInfo, peak RSS and bytes per credential,
// at 10 credentials and at BENCH_SCALE (default 10,000; `npm run bench:scale` uses 1,000,000).
//
// Each size is filled by bench/fill.js in a child process, then measured in a fresh child process so the
// RSS is the serving process's, not the filler's. Uses the built dist (npm run bench:scale builds first).
// BENCH_SCALE_TRACE=1 prints the measuring process's memory after each phase on stderr: RSS split into
// anonymous (heaps, allocator arenas) and file-backed (the node binary, LevelDB's mmap'd tables) pages,
// the peak so far (VmHWM), and V8's heap, external and ArrayBuffer figures.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const PASSPHRASE = "bench scale";
/** The filled store holds more discoverable credentials than the default device's 100,000 slots. */
const OPEN = { passphrase: PASSPHRASE, config: { maxDiscoverableCredentials: Number.MAX_SAFE_INTEGER } };
/** Credentials per relying party in the filled store. */
const PER_RP = 10;

function run(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, SOFTKEY_PASSPHRASE: PASSPHRASE, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(" ")} exited ${code}`))));
  });
}

function storeBytes(dir) {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

/**
 * Fill a store of `n` credentials and measure it; returns the child's figures plus size and fill time.
 * With BENCH_SCALE_DIR the filled stores are kept there (store-<n>) and reused by the next run.
 */
export async function measureScale(n) {
  const keep = process.env.BENCH_SCALE_DIR;
  const parent = keep ?? mkdtempSync(join(tmpdir(), "softkey-scale-"));
  const store = join(parent, `store-${n}`);
  const fillRecord = join(parent, `store-${n}.fill.json`);
  try {
    let filled;
    if (keep && existsSync(fillRecord)) filled = JSON.parse(readFileSync(fillRecord, "utf8"));
    else {
      rmSync(store, { recursive: true, force: true });
      filled = JSON.parse(await run([join(here, "fill.js"), "--store", store, "--credentials", String(n), "--rps", String(Math.max(1, Math.ceil(n / PER_RP)))]));
      if (keep) writeFileSync(fillRecord, JSON.stringify(filled));
    }
    const bytes = storeBytes(store);
    const figures = JSON.parse(await run([fileURLToPath(import.meta.url), "--measure", store, String(n)]));
    return { n, fillSeconds: filled.seconds, fillPerSecond: filled.perSecond, bytesPerCredential: bytes / n, storeMiB: bytes / 2 ** 20, ...figures };
  } finally {
    if (!keep) rmSync(parent, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p99 = (values) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))];

async function timeEach(count, fn, warmUp = 50) {
  for (let i = 0; i < Math.min(warmUp, count); i++) await fn(i); // JIT, caches
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    times.push((performance.now() - start) * 1000);
  }
  return { median: median(times), p99: p99(times) };
}

/** Fields of /proc/self/status in MiB (VmHWM, RssAnon, RssFile), NaN where there is no /proc. */
function procStatusMiB(...names) {
  let status = "";
  try {
    status = readFileSync("/proc/self/status", "utf8");
  } catch {
    // not Linux
  }
  return names.map((name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024);
}

/** With BENCH_SCALE_TRACE=1, the child's memory after each phase, on stderr. */
function tracePhase(label) {
  if (!process.env.BENCH_SCALE_TRACE) return;
  const m = process.memoryUsage();
  const [hwm, anon, file] = procStatusMiB("VmHWM", "RssAnon", "RssFile");
  const f = (v) => v.toFixed(1).padStart(6);
  const mib = (v) => f(v / 2 ** 20);
  process.stderr.write(
    `${label.padEnd(28)} rss ${mib(m.rss)} (anon ${f(anon)} file ${f(file)}) peak ${f(hwm)} | heap ${mib(m.heapUsed)} external ${mib(m.external)} arrayBuffers ${mib(m.arrayBuffers)} MiB\n`,
  );
}

/** Runs in the child: open the filled store and time what a client does with it. */
async function measure(store, n) {
  // This process stands for `softkey serve`, whose launcher holds V8's young generation at its first
  // size before it loads anything (src/processHeap.ts); BENCH_SCALE_HEAP=default measures a host
  // process that leaves it to grow.
  if (process.env.BENCH_SCALE_HEAP !== "default") (await import("../dist/processHeap.js")).holdYoungGenerationSize();
  tracePhase("start");
  const { Softkey } = await import("../dist/softkey.js");
  const { encodeCanonical } = await import("../dist/ctap/cbor.js");
  const { deriveKey } = await import("../dist/keystore/envelope.js");
  const { rpIdOf } = await import("./fill.js");
  tracePhase("imported");

  // Open: the KDF (scrypt, the store's cost) and the rest (LevelDB, metadata) told apart.
  const opens = [];
  let key;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    key = await Softkey.open(store, OPEN);
    opens.push(performance.now() - start);
    if (i < 4) await key.close();
  }
  const kdfs = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await deriveKey(PASSPHRASE, new Uint8Array(32), key.keystore.scrypt);
    kdfs.push(performance.now() - start);
  }
  const kdfMs = median(kdfs);
  tracePhase("opened (5 opens, 5 KDFs)");
  const rssAfterOpenMiB = process.memoryUsage().rss / 2 ** 20;

  const sha = (s) => createHash("sha256").update(s).digest();
  const call = async (command, params) => {
    const response = await key.authenticator.transact(new Uint8Array([command, ...encodeCanonical(params)]));
    if (response[0] !== 0) throw new Error(`command ${command}: status ${response[0]}`);
    return response;
  };
  // One credential of our own, registered through the core as a client would.
  const made = await call(
    0x01,
    new Map([
      [1, sha("reg")],
      [2, new Map([["id", "bench.example"]])],
      [3, new Map([["id", new Uint8Array(16).fill(7)], ["name", "bench"]])],
      [4, [new Map([["alg", -7], ["type", "public-key"]])]],
      [7, new Map([["rk", true], ["uv", true]])],
    ]),
  );
  const { decodeCbor } = await import("../dist/ctap/cbor.js");
  const authData = decodeCbor(made.subarray(1)).get(2);
  const ownId = authData.subarray(55, 55 + ((authData[53] << 8) | authData[54]));

  const assertion = (rpId, id, i) =>
    call(0x02, new Map([[1, rpId], [2, sha(`c${i}`)], ...(id ? [[3, [new Map([["id", id], ["type", "public-key"]])]]] : [])]));
  const runs = Number(process.env.BENCH_SCALE_RUNS ?? 2000);
  const hot = await timeEach(runs, (i) => assertion("bench.example", ownId, i));
  tracePhase("hot allowList");
  const discoverable = await timeEach(runs, (i) => assertion("bench.example", undefined, i));
  tracePhase("discoverable, 1 account");
  // Cold: a different filled credential every call, so the record and its key come from disk, not the caches.
  const rpCount = Math.max(1, Math.ceil(n / PER_RP));
  const want = Math.min(runs, n);
  // Twice as many as the cold assertions use: the second half is for the bare LevelDB reads below.
  const coldIds = [];
  const seen = new Set();
  for (let j = 0; j < rpCount && coldIds.length < Math.min(2 * runs, n); j++) {
    const rpId = rpIdOf((j * 7919) % rpCount);
    if (seen.has(rpId)) continue;
    seen.add(rpId);
    const { credentials } = await key.keystore.scanCredentials(createHash("sha256").update(rpId).digest());
    for (const c of credentials) if (coldIds.length < 2 * runs) coldIds.push({ rpId, id: c.id });
  }
  tracePhase("cold IDs collected");
  // Re-open so none of these is cached before it is timed.
  await key.close();
  key = await Softkey.open(store, OPEN);
  tracePhase("re-opened");
  const cold = await timeEach(
    runs,
    async (i) => {
      const { rpId, id } = coldIds[i % want];
      const response = await key.authenticator.transact(new Uint8Array([0x02, ...encodeCanonical(new Map([[1, rpId], [2, sha(`c${i}`)], [3, [new Map([["id", id], ["type", "public-key"]])]]]))]));
      if (response[0] !== 0) throw new Error(`cold assertion: status ${response[0]}`);
    },
    0,
  );
  tracePhase("cold allowList");
  // What a cold assertion cannot avoid, each on its own: reading the credential's record and its counter (LevelDB,
  // in the same order as the cold assertions above, on records not read yet in this process), parsing the private
  // key for signing, and the synced LevelDB write a first counter reservation waits for.
  const { credentialKey, counterKey, toHex } = await import("../dist/keystore/keys.js");
  const { openLevel } = await import("../dist/keystore/database.js");
  const { generateKeyMaterial, loadPrivateKey } = await import("../dist/crypto/credentialKeys.js");
  const db = key.keystore.state.db; // the bench reaches below the Keystore on purpose: bare LevelDB reads
  const readIds = coldIds.length > want ? coldIds.slice(want) : coldIds;
  const recordReads = await timeEach(
    Math.max(readIds.length, 200), // at the smaller size the same few records again, as its cold assertions read them
    async (i) => {
      const { rpId, id } = readIds[i % readIds.length];
      const [record, counter] = [await db.get(credentialKey(toHex(sha(rpId)), toHex(id))), await db.get(counterKey(toHex(id)))];
      if (record === undefined || counter === undefined) throw new Error("bare read: no record");
    },
    0,
  );
  const pkcs8s = Array.from({ length: 500 }, () => generateKeyMaterial(-7).keyPair);
  const keyParse = await timeEach(pkcs8s.length, (i) => loadPrivateKey(pkcs8s[i].privateKey, pkcs8s[i].publicKey, -7), 0);
  // A scratch LevelDB beside the store, opened as the keystore opens its own: the store itself takes no foreign keys.
  const scratchDir = join(store, "..", `sync-probe-${process.pid}`);
  const scratch = await openLevel(scratchDir, true);
  const syncedWrite = await timeEach(200, (i) => scratch.put(`n!${i}`, new Uint8Array(64), { sync: true }));
  await scratch.close();
  rmSync(scratchDir, { recursive: true, force: true });
  const filledRp = await timeEach(Math.min(runs, 500), (i) => call(0x02, new Map([[1, rpIdOf(i % rpCount)], [2, sha(`d${i}`)]])));
  tracePhase("discoverable, 10 accounts");
  const list = await timeEach(Math.min(runs, 500), (i) => key.listCredentials({ rpId: rpIdOf(i % rpCount) }));
  tracePhase("list one RP");
  const getInfo = await timeEach(runs, () => key.authenticator.transact(Uint8Array.of(0x04)));
  tracePhase("getInfo");
  await key.close();
  tracePhase("closed");
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  return {
    openMs: median(opens),
    kdfMs,
    rssAfterOpenMiB,
    hot,
    discoverable,
    cold,
    recordReads,
    keyParse,
    syncedWrite,
    filledRp,
    list,
    getInfo,
    maxRssMiB,
  };
}

/** The comparison table, in Markdown. */
export function formatScale(small, large) {
  const lines = [];
  const us = (v) => `${v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1)} µs`;
  const n = (v) => v.toLocaleString("en-US");
  lines.push(`| measurement | ${n(small.n)} credentials | ${n(large.n)} credentials | ratio | goal |`);
  lines.push("|---|---:|---:|---:|---|");
  const row = (what, a, b, fmt, goal = "") => lines.push(`| ${what} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)} | ${goal} |`);
  const ms = (v) => `${v.toFixed(1)} ms`;
  row("store open (Softkey.open, median of 5)", small.openMs, large.openMs, ms, "< 200 ms");
  row("  of which scrypt (the store's KDF cost, median of 5)", small.kdfMs, large.kdfMs, ms);
  row("  the rest (LevelDB open, metadata)", small.openMs - small.kdfMs, large.openMs - large.kdfMs, ms);
  row("getAssertion, allowList, same credential (median)", small.hot.median, large.hot.median, us, "<= 1.5x");
  row("getAssertion, allowList, same credential (p99)", small.hot.p99, large.hot.p99, us);
  row("getAssertion, discoverable, 1 account (median)", small.discoverable.median, large.discoverable.median, us, "<= 1.5x");
  row(`getAssertion, discoverable, ${PER_RP} accounts (median)`, small.filledRp.median, large.filledRp.median, us);
  row("getAssertion, allowList, a different credential each call: cold caches at the larger size (median)", small.cold.median, large.cold.median, us);
  row("  bare LevelDB reads of a credential's record and counter, in the same order (median)", small.recordReads.median, large.recordReads.median, us);
  row("  parsing a P-256 private key for signing (median)", small.keyParse.median, large.keyParse.median, us);
  row("  a synced LevelDB write of one counter, what a first reservation waits for (median)", small.syncedWrite.median, large.syncedWrite.median, us);
  row(`list one RP's credentials (${PER_RP}) (median)`, small.list.median, large.list.median, us);
  row("getInfo (median)", small.getInfo.median, large.getInfo.median, us);
  row("RSS right after opening the store", small.rssAfterOpenMiB, large.rssAfterOpenMiB, (v) => `${v.toFixed(0)} MiB`);
  row("peak RSS of the measuring process (all of the above)", small.maxRssMiB, large.maxRssMiB, (v) => `${v.toFixed(0)} MiB`, "< 300 MiB");
  row("store size per credential", small.bytesPerCredential, large.bytesPerCredential, (v) => `${Math.round(v)} B`, "< 1 KiB");
  const floor = large.recordReads.median + large.keyParse.median + large.syncedWrite.median;
  lines.push("");
  lines.push(
    `A cold assertion at ${n(large.n)} cannot cost less than its two reads, its key parse and its synced counter reservation: ${us(floor)}, ${(floor / small.cold.median).toFixed(2)} x the assertion at ${n(small.n)}.`,
  );
  lines.push("");
  lines.push(`Fill (bench/fill.js, real P-256 keys, each record sealed, 1000 per batch): ${n(large.n)} credentials in ${large.fillSeconds.toFixed(1)} s (${n(large.fillPerSecond)}/s); store ${large.storeMiB.toFixed(0)} MiB.`);
  return lines.join("\n");
}

export function machineLine() {
  return `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
}

const argv = process.argv.slice(2);
if (argv[0] === "--measure") {
  process.stdout.write(`${JSON.stringify(await measure(argv[1], Number(argv[2])))}\n`);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const large = Number(process.env.BENCH_SCALE ?? 10_000);
  const small = await measureScale(10);
  const big = await measureScale(large);
  console.log(`softkey scale bench — ${new Date().toISOString().slice(0, 10)}, ${machineLine()}`);
  console.log("");
  console.log(formatScale(small, big));
}
