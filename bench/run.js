#!/usr/bin/env node
// softkey's benchmark: every figure is from this one run, stated beside a baseline measured in the same run,
// because these machines are shared and noisy. Run with `npm run bench` (it builds first).
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Softkey } from "../dist/softkey.js";
import { encodeCanonical } from "../dist/ctap2/cbor.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

/** Runs fn (sync or async) repeatedly for `seconds` and returns operations per second. */
async function opsPerSecond(fn, duration = seconds) {
  for (let i = 0; i < 200; i++) await fn(i); // warm-up: JIT, caches
  let n = 0;
  const start = performance.now();
  const end = start + duration * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await fn(n++);
  }
  return (n / (performance.now() - start)) * 1000;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function wallTimeMs(command, args, env, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: "utf8" });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  }
  return median(times);
}

const rows = [];
const row = (what, value, unit, note = "") => rows.push({ what, value, unit, note });

async function inProcessAssertions() {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-"));
  const key = await Softkey.init(join(dir, "store"), "bench", {}, { passphrase: "bench" });
  try {
    const origin = "https://bench.example";
    const user = { id: Buffer.from("bench-user").toString("base64url"), name: "bench", displayName: "Bench" };
    const challenge = Buffer.alloc(32, 1).toString("base64url");
    const registration = await key.create(
      { rp: { id: "bench.example", name: "Bench" }, user, challenge, pubKeyCredParams: [{ type: "public-key", alg: -7 }] },
      { origin },
    );
    const credentialId = Buffer.from(registration.rawId, "base64url");
    const clientDataHash = createHash("sha256").update("bench").digest();
    const request = new Uint8Array([
      0x02,
      ...encodeCanonical(
        new Map([
          [1, "bench.example"],
          [2, clientDataHash],
          [3, [new Map([["id", credentialId], ["type", "public-key"]])]],
        ]),
      ),
    ]);
    const hashOffset = request.indexOf(0x58, 15) + 2; // the clientDataHash bytes, varied per call
    const authenticator = key.authenticator;
    const assertions = await opsPerSecond(async (i) => {
      request[hashOffset] = i & 0xff;
      const response = await authenticator.transact(request);
      if (response[0] !== 0) throw new Error(`status ${response[0]}`);
    });
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const data = Buffer.alloc(37 + 32, 7);
    const rawSign = await opsPerSecond(() => sign("sha256", data, privateKey));
    row("in-process ES256 getAssertion (counter persisted)", assertions, "ops/s");
    row("raw node:crypto P-256 sign (baseline)", rawSign, "ops/s");
    row("ratio getAssertion / raw sign", assertions / rawSign, "", "goal >= 0.6");
  } finally {
    await key.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function cliGet() {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-cli-"));
  const store = join(dir, "store");
  const env = { SOFTKEY_PASSPHRASE: "bench", SOFTKEY_STORE: store };
  const bin = join(root, "bin", "softkey.js");
  try {
    const init = spawnSync(process.execPath, [bin, "init"], { env: { ...process.env, ...env }, encoding: "utf8" });
    if (init.status !== 0) throw new Error(init.stderr);
    const options = JSON.stringify({
      rp: { id: "bench.example", name: "Bench" },
      user: { id: "YmVuY2g", name: "bench", displayName: "Bench" },
      challenge: "AAAAAAAAAAAAAAAAAAAAAA",
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    });
    const created = spawnSync(process.execPath, [bin, "create", "--origin", "https://bench.example"], { env: { ...process.env, ...env }, input: options, encoding: "utf8" });
    if (created.status !== 0) throw new Error(created.stderr);
    const { id } = JSON.parse(created.stdout);
    const getOptions = join(dir, "get.json");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(getOptions, JSON.stringify({ challenge: "AQEBAQEBAQEBAQEBAQEBAQ", rpId: "bench.example", allowCredentials: [{ type: "public-key", id }] }));
    const runs = Number(process.env.BENCH_CLI_RUNS ?? 10);
    const bare = wallTimeMs(process.execPath, ["-e", "0"], {}, runs);
    const get = wallTimeMs(process.execPath, [bin, "get", "--origin", "https://bench.example", "--options", getOptions], env, runs);
    row("`node -e 0` wall time (baseline, median)", bare, "ms");
    row("`softkey get` wall time (median, default KDF cost)", get, "ms");
    row("ratio softkey get / node -e 0", get / bare, "", "goal <= 4");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await inProcessAssertions();
await cliGet();

const format = (v) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
console.log(`softkey bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);
console.log("");
console.log("| measurement | value | unit | note |");
console.log("|---|---:|---|---|");
for (const r of rows) console.log(`| ${r.what} | ${format(r.value)} | ${r.unit} | ${r.note} |`);
