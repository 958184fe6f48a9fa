#!/usr/bin/env node
// The population's benchmark (`npm run bench` runs it after bench/run.js; alone: `node bench/population.js` after a build).
// Client side only: the RP's request options in, an AuthenticationResponseJSON out, as a load generator does it,
// beside raw node:crypto signing and the RP's own verifyAuthenticationResponse, all measured in this run,
// each the median of BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS seconds (default 2), the load average printed.
// Then memory: the RSS of a process that signs in as users of a population of 1,000 and of 1,000,000, and the export's
// speed and peak RSS at 100,000 and 1,000,000 users (BENCH_EXPORT_USERS).
import { createPrivateKey, createECDH, randomInt, sign } from "node:crypto";
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { generateAuthenticationOptions, verifyAuthenticationResponse } from "@simplewebauthn/server";
import { Population } from "../dist/population/index.js";

const SEED = "benchmark seed, not a secret: 32 bytes";
const ORIGIN = "https://bench.example";
const RP_ID = "bench.example";
const LARGE = 1_000_000;
const SMALL = 1_000;
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const self = fileURLToPath(import.meta.url);

async function opsPerSecond(fn, duration = seconds) {
  for (let i = 0; i < 200; i++) await fn(i);
  let n = 0;
  const start = performance.now();
  const end = start + duration * 1000;
  while (performance.now() < end) for (let i = 0; i < 20; i++) await fn(n++);
  return (n / (performance.now() - start)) * 1000;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const load = () => loadavg().map((v) => v.toFixed(2)).join(" ");

/** A KeyObject made once, as raw signing's baseline. */
function rawKey(alg) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const b64 = (b) => Buffer.from(b).toString("base64url");
  if (alg === "ES256") {
    const point = ecdh.getPublicKey();
    return createPrivateKey({ key: { kty: "EC", crv: "P-256", d: b64(ecdh.getPrivateKey()), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) }, format: "jwk" });
  }
  return createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: b64(ecdh.getPrivateKey()), x: "" }, format: "jwk" });
}

/** Every measurement of one round for one algorithm. */
async function round(alg, options, verifySet) {
  const population = new Population({ seed: SEED, size: LARGE, algorithm: alg });
  const key = rawKey(alg);
  const data = Buffer.alloc(37 + 32, 7);
  const digest = alg === "ES256" ? "sha256" : null;
  const raw = await opsPerSecond(() => sign(digest, data, key));
  // Each sign-in a user drawn from all 1,000,000: the key is almost never in the cache (1,024 keys), as in a real hour.
  const cold = await opsPerSecond(() => population.get(options, { origin: ORIGIN, user: randomInt(LARGE) }));
  // Users drawn from 1,000 of the 1,000,000: their keys stay parsed.
  const warm = await opsPerSecond(() => population.get(options, { origin: ORIGIN, user: randomInt(SMALL) }));
  let v = 0;
  const verify = verifySet ? await opsPerSecond(() => verifyAuthenticationResponse(verifySet[v++ % verifySet.length])) : undefined;
  return { raw, cold, warm, verify };
}

/** Responses from distinct users with their exported public keys: what the RP verifies. */
async function verificationSet(alg) {
  const population = new Population({ seed: SEED, size: LARGE, algorithm: alg });
  const records = [...population.publicCredentials(RP_ID, { first: 500_000, count: 200 })];
  const set = [];
  for (const record of records) {
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: record.credentialId }] });
    set.push({
      response: population.get(options, { origin: ORIGIN }),
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { id: record.credentialId, publicKey: Buffer.from(record.publicKey, "base64url"), counter: 0 },
    });
  }
  return set;
}

/** Child mode: sign in as `count` users drawn from a population of `size`, then report RSS. */
async function rssChild(size, count) {
  const population = new Population({ seed: SEED, size });
  const options = await generateAuthenticationOptions({ rpID: RP_ID });
  for (let i = 0; i < count; i++) population.get(options, { origin: ORIGIN, user: randomInt(size) });
  globalThis.gc?.();
  process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 }));
}

function rssOf(size, count) {
  const child = spawnSync(process.execPath, ["--expose-gc", self, "--rss", String(size), String(count)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`RSS child failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
}

/** Child mode: the export's records for `count` users, serialized and written to /dev/null as the CLI does; then peak RSS. */
async function exportChild(count) {
  const { createWriteStream } = await import("node:fs");
  const { once } = await import("node:events");
  const population = new Population({ seed: SEED, size: count, keyCacheSize: 0 });
  const out = createWriteStream("/dev/null");
  let batch = "";
  let n = 0;
  const started = performance.now();
  for (const record of population.publicCredentials(RP_ID)) {
    batch += `${JSON.stringify(record)}\n`;
    if (++n % 1000 === 0) {
      if (!out.write(batch)) await once(out, "drain");
      batch = "";
    }
  }
  out.end(batch);
  await once(out, "finish");
  process.stdout.write(JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024, perSecond: count / ((performance.now() - started) / 1000) }));
}

if (process.argv[2] === "--export") {
  await exportChild(Number(process.argv[3]));
  process.exit(0);
}

if (process.argv[2] === "--rss") {
  await rssChild(Number(process.argv[3]), Number(process.argv[4]));
  process.exit(0);
}

const rows = [];
const row = (what, value, unit, note = "") => rows.push({ what, value, unit, note });
const loadBefore = load();
const options = await generateAuthenticationOptions({ rpID: RP_ID });
for (const alg of ["ES256", "EdDSA"]) {
  const verifySet = await verificationSet(alg);
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await round(alg, options, verifySet));
  const m = Object.fromEntries(["raw", "cold", "warm", "verify"].map((k) => [k, median(results.map((x) => x[k]).filter((x) => x !== undefined))]));
  const name = alg === "ES256" ? "P-256" : "Ed25519";
  row(`raw node:crypto ${name} sign, one parsed key (baseline)`, m.raw, "ops/s", `median of ${rounds} rounds`);
  row(`population ${alg} sign-in, 1,000,000 users, a random user each time`, m.cold, "ops/s", `options in, response out; ${(1e6 / m.cold).toFixed(0)} µs each`);
  row(`ratio population (1,000,000 users) / raw sign, ${alg}`, m.cold / m.raw, "", "goal >= 0.8");
  row(`population ${alg} sign-in, users drawn from 1,000 of the 1,000,000 (keys cached)`, m.warm, "ops/s", `${(1e6 / m.warm).toFixed(0)} µs each`);
  row(`ratio population (cached keys) / raw sign, ${alg}`, m.warm / m.raw, "", "");
  row(`RP verifyAuthenticationResponse (@simplewebauthn/server), ${alg}`, m.verify, "ops/s", `${(1e6 / m.verify).toFixed(0)} µs each; 200 users' responses in turn`);
  row(`ratio generation (1,000,000 users) / RP verification, ${alg}`, m.cold / m.verify, "", "goal >= 3: one generator core saturates that many RP cores");
}
const memory = { small: [], large: [] };
const signIns = Number(process.env.BENCH_RSS_SIGNINS ?? 20_000);
for (let r = 0; r < rounds; r++) {
  memory.small.push(rssOf(SMALL, signIns));
  memory.large.push(rssOf(LARGE, signIns));
}
const mib = (bytes) => bytes / 1024 / 1024;
const rssSmall = median(memory.small.map((m) => m.rss));
const rssLarge = median(memory.large.map((m) => m.rss));
const maxSmall = median(memory.small.map((m) => m.maxRss));
const maxLarge = median(memory.large.map((m) => m.maxRss));
row(`RSS after ${signIns.toLocaleString("en-US")} ES256 sign-ins, population of 1,000`, mib(rssSmall), "MiB", `peak ${mib(maxSmall).toFixed(1)} MiB; median of ${rounds} processes`);
row(`RSS after ${signIns.toLocaleString("en-US")} ES256 sign-ins, population of 1,000,000`, mib(rssLarge), "MiB", `peak ${mib(maxLarge).toFixed(1)} MiB`);
row("ratio RSS 1,000,000 / 1,000 users", rssLarge / rssSmall, "", `goal <= 1.2; peak ratio ${(maxLarge / maxSmall).toFixed(2)}`);

const exportLarge = Number(process.env.BENCH_EXPORT_USERS ?? LARGE);
const exportOf = (count) => {
  const child = spawnSync(process.execPath, [self, "--export", String(count)], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`export child failed: ${child.stderr}`);
  return JSON.parse(child.stdout);
};
// 100,000 rather than fewer: a shorter export ends before V8's heap has grown to its working size.
const exportSmall = exportOf(100_000);
const exportBig = exportOf(exportLarge);
row(`export of ${exportLarge.toLocaleString("en-US")} users (ES256) to /dev/null`, exportBig.perSecond, "users/s", "one process");
row("peak RSS of the export, 100,000 users", mib(exportSmall.maxRss), "MiB", "");
row(`peak RSS of the export, ${exportLarge.toLocaleString("en-US")} users`, mib(exportBig.maxRss), "MiB", `ratio ${(exportBig.maxRss / exportSmall.maxRss).toFixed(2)} to 100,000 users`);

const format = (v) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
console.log("");
console.log(`softkey population bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);
console.log(`load average (1, 5, 15 min): ${loadBefore} before, ${load()} after`);
console.log("");
console.log("| measurement | value | unit | note |");
console.log("|---|---:|---|---|");
for (const r of rows) console.log(`| ${r.what} | ${format(r.value)} | ${r.unit} | ${r.note} |`);
