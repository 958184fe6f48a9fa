#!/usr/bin/env node
// softkey's benchmark: every figure is from this one run, stated beside a baseline measured in the same run,
// because these machines are shared and noisy. Run with `npm run bench` (it builds first).
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Softkey } from "../dist/softkey.js";
import { encodeCanonical } from "../dist/ctap/cbor.js";

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

/**
 * The whole sign-in loop of a real CTAP client, python-fido2, against `softkey serve` over a unix
 * socket (Fido2Server.authenticate_begin, Fido2Client.get_assertion through CTAPHID,
 * Fido2Server.authenticate_complete), beside the same loop with the authenticator called in
 * process (softkey's own WebAuthn client, checked by @simplewebauthn/server): the gap is what the
 * transport, the second process and the Python client cost.
 */
async function clientRoundTrips() {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-serve-"));
  try {
    const inProcess = await inProcessRoundTrips(dir);
    row("in-process sign-in round trip (softkey client + @simplewebauthn/server verify)", inProcess, "ops/s");
    const python = "/usr/bin/python3";
    const probe = spawnSync(python, ["-c", "import fido2"], { encoding: "utf8" });
    if (probe.error || probe.status !== 0) {
      row("python-fido2 sign-in round trip over the unix socket", null, "ops/s", "SKIPPED: python3-fido2 missing (apt-get install -y python3-fido2)");
      return;
    }
    const viaPython = await pythonRoundTrips(dir, python);
    row("python-fido2 sign-in round trip over the unix socket (`softkey serve`)", viaPython, "ops/s");
    row("ratio python-fido2 over the socket / in-process", viaPython / inProcess, "", "the transport's and the Python client's cost");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function inProcessRoundTrips(dir) {
  const { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } = await import("@simplewebauthn/server");
  const key = await Softkey.init(join(dir, "in-process"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  try {
    const origin = "https://bench.example";
    const rpID = "bench.example";
    const options = await generateRegistrationOptions({ rpName: "Bench", rpID, userName: "bench", supportedAlgorithmIDs: [-7] });
    const registration = await verifyRegistrationResponse({
      response: await key.create(options, { origin }),
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    const credential = { ...registration.registrationInfo.credential };
    return await opsPerSecond(async () => {
      const request = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: credential.id }], userVerification: "discouraged" });
      const verification = await verifyAuthenticationResponse({
        response: await key.get(request, { origin }),
        expectedChallenge: request.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential,
        requireUserVerification: false,
      });
      if (!verification.verified) throw new Error("in-process sign-in did not verify");
      credential.counter = verification.authenticationInfo.newCounter;
    });
  } finally {
    await key.close();
  }
}

async function pythonRoundTrips(dir, python) {
  const store = join(dir, "served");
  const socket = join(dir, "key.sock");
  const env = { ...process.env, SOFTKEY_PASSPHRASE: "bench" };
  const bin = join(root, "bin", "softkey.js");
  const init = spawnSync(process.execPath, [bin, "--store", store, "init", "--kdf-cost", "10"], { env, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`softkey init failed: ${init.stderr}`);
  const server = spawn(process.execPath, [bin, "--store", store, "serve", "--quiet", "--ctaphid", `unix:${socket}`], { env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = "";
      server.stdout.setEncoding("utf8").on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      server.once("exit", (code) => reject(new Error(`softkey serve exited (${code}) before listening`)));
    });
    const [address] = JSON.parse(line).listening;
    const script = join(root, "test", "interop", "fido2", "bench_loop.py");
    const loop = spawnSync(python, ["-B", script, address, String(seconds)], { encoding: "utf8" });
    if (loop.status !== 0) throw new Error(`bench_loop.py failed: ${loop.stderr}`);
    return JSON.parse(loop.stdout).opsPerSecond;
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once("exit", resolve)));
  }
}

/**
 * Sign-ins per second in a real Chromium page (playwright-core driving /usr/bin/chromium): the same
 * page loop of navigator.credentials.get() answered by softkey through softkey/playwright (a CDP
 * binding round trip per ceremony, the client and the CTAP core in this process), by the same with
 * `cdpChannel: false` (Playwright's exposeBinding, the path other engines and iframes take), and by
 * Chrome's own CDP virtual authenticator, in alternating rounds so that load on a shared machine
 * hits all alike. Also: bare echoes over a CDP binding and over exposeBinding (the floors under the
 * two channels) and softkey's client in process with the same options, which together account for
 * softkey's figures.
 */
async function playwrightSignIns() {
  const executablePath = process.env.BENCH_CHROMIUM ?? "/usr/bin/chromium";
  const { existsSync } = await import("node:fs");
  if (!existsSync(executablePath)) {
    row("Chromium page: navigator.credentials.get through softkey/playwright", null, "ops/s", `SKIPPED: ${executablePath} missing (apt-get install -y chromium)`);
    return;
  }
  const { chromium } = await import("playwright-core");
  const { createServer } = await import("node:http");
  const { attach } = await import("../dist/playwright/index.js");
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-pw-"));
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>bench</title>"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://localhost:${server.address().port}/`;
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const softkey = await Softkey.init(join(dir, "store"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  let attachment;
  let bindingAttachment;
  try {
    // The page's half, identical in every mode: register once, then get() back to back.
    const setUp = async () => {
      const w = globalThis;
      const created = await w.navigator.credentials.create({
        publicKey: {
          rp: { name: "Bench" },
          user: { id: new Uint8Array([1, 2, 3]), name: "bench", displayName: "Bench" },
          challenge: new Uint8Array(32),
          pubKeyCredParams: [{ type: "public-key", alg: -7 }],
        },
      });
      w.benchLoop = async ({ seconds, userVerification }) => {
        const challenge = new Uint8Array(32);
        const allowCredentials = [{ type: "public-key", id: created.rawId }];
        const get = () => w.navigator.credentials.get({ publicKey: { challenge: w.crypto.getRandomValues(challenge), allowCredentials, userVerification } });
        for (let i = 0; i < 20; i++) await get();
        let n = 0;
        const start = performance.now();
        while (performance.now() < start + seconds * 1000) {
          await get();
          n++;
        }
        return (n / (performance.now() - start)) * 1000;
      };
    };
    const chromePage = await context.newPage();
    await chromePage.goto(url);
    const cdp = await context.newCDPSession(chromePage);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "usb", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await chromePage.evaluate(setUp);
    const softkeyPage = await context.newPage();
    attachment = await attach(softkeyPage, { softkey });
    await softkeyPage.goto(url);
    await softkeyPage.evaluate(setUp);
    const bindingPage = await context.newPage();
    bindingAttachment = await attach(bindingPage, { softkey, cdpChannel: false });
    await bindingPage.goto(url);
    await bindingPage.evaluate(setUp);
    // The CDP channel's floor: Runtime.addBinding in, Runtime.evaluate back, nothing else.
    const cdpEchoPage = await context.newPage();
    const echoSession = await context.newCDPSession(cdpEchoPage);
    echoSession.on("Runtime.bindingCalled", ({ name, payload, executionContextId }) => {
      if (name !== "__benchCdpEcho") return;
      const { call, request } = JSON.parse(payload);
      const expression = `globalThis.__benchCdpEchoReply(${JSON.stringify(call)}, ${JSON.stringify({ ok: true, echo: request })})`;
      echoSession.send("Runtime.evaluate", { contextId: executionContextId, expression, silent: true }).catch(() => undefined);
    });
    await echoSession.send("Runtime.enable"); // as softkey's channel does (it maps contexts to frames)
    await echoSession.send("Runtime.addBinding", { name: "__benchCdpEcho" });
    await cdpEchoPage.goto(url);
    await cdpEchoPage.evaluate(() => {
      const w = globalThis;
      const pending = new Map();
      let calls = 0;
      w.__benchCdpEchoReply = (call, response) => {
        pending.get(call)?.(response);
        pending.delete(call);
      };
      const echo = (request) =>
        new Promise((resolve) => {
          const call = ++calls;
          pending.set(call, resolve);
          w.__benchCdpEcho(JSON.stringify({ call, request }));
        });
      w.benchLoop = async ({ seconds }) => {
        const message = { op: "get", id: "x.1", origin: w.location.origin, options: { challenge: "A".repeat(43), allowCredentials: [{ type: "public-key", id: "B".repeat(86) }] } };
        let n = 0;
        const start = performance.now();
        while (performance.now() < start + seconds * 1000) {
          await echo(message);
          n++;
        }
        return (n / (performance.now() - start)) * 1000;
      };
    });
    const echoPage = await context.newPage();
    await echoPage.exposeBinding("__benchEcho", (_source, message) => ({ ok: true, echo: message }));
    await echoPage.goto(url);
    await echoPage.evaluate(() => {
      const w = globalThis;
      w.benchLoop = async ({ seconds }) => {
        const message = { op: "get", id: "x.1", origin: w.location.origin, options: { challenge: "A".repeat(43), allowCredentials: [{ type: "public-key", id: "B".repeat(86) }] } };
        let n = 0;
        const start = performance.now();
        while (performance.now() < start + seconds * 1000) {
          await w.__benchEcho(message);
          n++;
        }
        return (n / (performance.now() - start)) * 1000;
      };
    });
    const origin = new URL(url).origin;
    const registered = await softkey.create(
      { rp: { name: "Bench" }, user: { id: "AQID", name: "bench", displayName: "Bench" }, challenge: "A".repeat(43), pubKeyCredParams: [{ type: "public-key", alg: -7 }] },
      { origin },
    );
    const inProcess = (userVerification) =>
      opsPerSecond(() => softkey.get({ challenge: "A".repeat(43), allowCredentials: [{ type: "public-key", id: registered.id }], userVerification }, { origin }), roundSeconds);

    const rounds = 3;
    const roundSeconds = Math.max(0.5, seconds / rounds);
    const results = {};
    const record = (name, value) => (results[name] ??= []).push(value);
    let nodeCpuMs = 0;
    let softkeyWallMs = 0;
    for (let r = 0; r < rounds; r++) {
      for (const userVerification of ["preferred", "discouraged"]) {
        const arg = { seconds: roundSeconds, userVerification };
        record(`chrome ${userVerification}`, await chromePage.evaluate((a) => globalThis.benchLoop(a), arg));
        const cpu = process.cpuUsage();
        const wall = performance.now();
        record(`softkey ${userVerification}`, await softkeyPage.evaluate((a) => globalThis.benchLoop(a), arg));
        const used = process.cpuUsage(cpu);
        nodeCpuMs += (used.user + used.system) / 1000;
        softkeyWallMs += performance.now() - wall;
        record(`binding ${userVerification}`, await bindingPage.evaluate((a) => globalThis.benchLoop(a), arg));
        record(`in-process ${userVerification}`, await inProcess(userVerification));
      }
      record("echo", await echoPage.evaluate((a) => globalThis.benchLoop(a), { seconds: roundSeconds }));
      record("cdp echo", await cdpEchoPage.evaluate((a) => globalThis.benchLoop(a), { seconds: roundSeconds }));
    }
    const m = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, median(values)]));
    for (const uv of ["preferred", "discouraged"]) {
      const what = uv === "preferred" ? "userVerification preferred (UV)" : "userVerification discouraged (presence only)";
      const how = uv === "preferred" ? "; softkey's client gets a pinUvAuthToken (ECDH + HKDF) for each get" : "";
      row(`Chromium page, get() through softkey/playwright, ${what}`, m[`softkey ${uv}`], "ops/s", `median of ${rounds} rounds; CDP channel${how}`);
      row(`Chromium page, get() through softkey/playwright with cdpChannel: false, ${what}`, m[`binding ${uv}`], "ops/s", "exposeBinding: the path of iframes, Firefox and WebKit");
      row(`Chromium page, get() through Chrome's CDP virtual authenticator, ${what} (baseline)`, m[`chrome ${uv}`], "ops/s");
      row(`ratio softkey/playwright / Chrome virtual authenticator, ${uv}`, m[`softkey ${uv}`] / m[`chrome ${uv}`], "", "goal >= 1");
      row(`  of which: softkey client get() in process, ${uv}`, m[`in-process ${uv}`], "ops/s", `${(1000 / m[`in-process ${uv}`]).toFixed(2)} ms per get`);
    }
    row("  of which: bare CDP binding round trip (Runtime.addBinding + Runtime.evaluate echo)", m["cdp echo"], "ops/s", `${(1000 / m["cdp echo"]).toFixed(2)} ms per call; Node busy ${Math.round((nodeCpuMs / softkeyWallMs) * 100)}% of one core during the softkey loops`);
    row("  bare Playwright exposeBinding round trip (echo), for cdpChannel: false", m.echo, "ops/s", `${(1000 / m.echo).toFixed(2)} ms per call`);
  } finally {
    await attachment?.detach();
    await bindingAttachment?.detach();
    await context.close();
    await softkey.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The HTTP service (`softkey serve --http`, the real binary in its own process): POST /v1/assertions
 * per second with 1 and with 16 concurrent clients (node:http keep-alive Agent, one socket per
 * client), beside Softkey.get in a loop in this process, in alternating rounds so that load on a
 * shared machine hits all alike. Same options for all: allowCredentials, userVerification
 * "discouraged" (the cheapest ceremony, so the transport's share is at its largest).
 */
async function httpServiceAssertions() {
  const { request, Agent } = await import("node:http");
  const { readFileSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-http-"));
  const origin = "https://bench.example";
  const creation = {
    rp: { id: "bench.example", name: "Bench" },
    user: { id: "YmVuY2g", name: "bench", displayName: "Bench" },
    challenge: "AAAAAAAAAAAAAAAAAAAAAA",
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
  };
  const assertion = (id) => ({ challenge: "AQEBAQEBAQEBAQEBAQEBAQ", rpId: "bench.example", allowCredentials: [{ type: "public-key", id }], userVerification: "discouraged" });
  const key = await Softkey.init(join(dir, "in-process"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  const store = join(dir, "served");
  const env = { ...process.env, SOFTKEY_PASSPHRASE: "bench" };
  const bin = join(root, "bin", "softkey.js");
  const init = spawnSync(process.execPath, [bin, "--store", store, "init", "--kdf-cost", "10"], { env, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`softkey init failed: ${init.stderr}`);
  const tokenFile = join(dir, "token");
  const server = spawn(process.execPath, [bin, "--store", store, "serve", "--quiet", "--http", "127.0.0.1:0", "--token-file", tokenFile], { env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = "";
      server.stdout.setEncoding("utf8").on("data", (chunk) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      server.once("exit", (code) => reject(new Error(`softkey serve exited (${code}) before listening`)));
    });
    const port = Number(JSON.parse(line).listening[0].split(":").pop());
    const authorization = `Bearer ${readFileSync(tokenFile, "utf8").trim()}`;
    const call = (agent, path, payload) =>
      new Promise((resolve, reject) => {
        const body = Buffer.from(JSON.stringify(payload));
        const req = request(
          { agent, host: "127.0.0.1", port, path, method: "POST", headers: { authorization, "content-type": "application/json", "content-length": body.length } },
          (res) => {
            const chunks = [];
            res.on("data", (chunk) => chunks.push(chunk));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              if (res.statusCode === 200 || res.statusCode === 201) resolve(text);
              else reject(new Error(`${path}: ${res.statusCode} ${text}`));
            });
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const served = JSON.parse(await call(undefined, "/v1/registrations", { origin, options: creation })).id;
    const local = (await key.create(creation, { origin })).id;
    const servedBody = { origin, options: assertion(served) };
    const localOptions = assertion(local);

    /** The server's CPU time so far in ms (Linux /proc; undefined elsewhere). */
    const serverCpuMs = () => {
      try {
        const fields = readFileSync(`/proc/${server.pid}/stat`, "utf8").split(") ")[1].split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms clock ticks
      } catch {
        return undefined;
      }
    };
    /** Assertions per second over HTTP with `clients` concurrent clients, each its own keep-alive socket, after a warm-up as long. */
    const overHttp = async (clients, duration) => {
      const agent = new Agent({ keepAlive: true, maxSockets: clients });
      const load = async (until) => {
        let n = 0;
        await Promise.all(
          Array.from({ length: clients }, async () => {
            while (performance.now() < until) {
              await call(agent, "/v1/assertions", servedBody);
              n++;
            }
          }),
        );
        return n;
      };
      try {
        await load(performance.now() + Math.min(1000, duration * 500)); // warm-up: the server's JIT, sockets
        const cpu = serverCpuMs();
        const start = performance.now();
        const n = await load(start + duration * 1000);
        const elapsed = performance.now() - start;
        const cpuAfter = serverCpuMs();
        return { opsPerSecond: (n / elapsed) * 1000, serverCpuUsPerOp: cpu === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpu) * 1000) / n };
      } finally {
        agent.destroy();
      }
    };
    /** Softkey.get in this process: ops/s and CPU per get. */
    const inProcess = async (duration) => {
      for (let i = 0; i < 200; i++) await key.get(localOptions, { origin });
      const cpu = process.cpuUsage();
      let n = 0;
      const start = performance.now();
      while (performance.now() < start + duration * 1000) {
        await key.get(localOptions, { origin });
        n++;
      }
      const elapsed = performance.now() - start;
      const used = process.cpuUsage(cpu);
      return { opsPerSecond: (n / elapsed) * 1000, cpuUsPerOp: (used.user + used.system) / n };
    };

    const rounds = 3;
    const roundSeconds = Math.max(1, seconds / rounds);
    const results = { inProcess: [], inProcessCpu: [], one: [], sixteen: [], sixteenCpu: [] };
    for (let r = 0; r < rounds; r++) {
      const local = await inProcess(roundSeconds);
      results.inProcess.push(local.opsPerSecond);
      results.inProcessCpu.push(local.cpuUsPerOp);
      results.one.push((await overHttp(1, roundSeconds)).opsPerSecond);
      const sixteen = await overHttp(16, roundSeconds);
      results.sixteen.push(sixteen.opsPerSecond);
      if (sixteen.serverCpuUsPerOp !== undefined) results.sixteenCpu.push(sixteen.serverCpuUsPerOp);
    }
    const m = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, values.length ? median(values) : undefined]));
    const us = (v) => (v === undefined ? "?" : `${Math.round(v)} µs`);
    row("in-process Softkey.get, userVerification discouraged (baseline)", m.inProcess, "ops/s", `median of ${rounds} rounds; ${us(m.inProcessCpu)} CPU per get`);
    row("HTTP service POST /v1/assertions, 1 client (keep-alive)", m.one, "ops/s", `${(1000 / m.one).toFixed(2)} ms per request, round trip`);
    row("HTTP service POST /v1/assertions, 16 concurrent clients (keep-alive)", m.sixteen, "ops/s", `server CPU ${us(m.sixteenCpu)} per request (the get itself: ${us(m.inProcessCpu)})`);
    row("ratio HTTP 1 client / in-process", m.one / m.inProcess, "", "client, server and loopback share the machine's cores");
    row("ratio HTTP 16 clients / in-process", m.sixteen / m.inProcess, "", "goal >= 0.5");
  } finally {
    await key.close();
    server.kill("SIGTERM");
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once("exit", resolve)));
    rmSync(dir, { recursive: true, force: true });
  }
}

await inProcessAssertions();
await clientRoundTrips();
await cliGet();
await playwrightSignIns();
await httpServiceAssertions();

const format = (v) => (v === null ? "—" : v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2));
console.log(`softkey bench — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`);
console.log("");
console.log("| measurement | value | unit | note |");
console.log("|---|---:|---|---|");
for (const r of rows) console.log(`| ${r.what} | ${format(r.value)} | ${r.unit} | ${r.note} |`);

// Scale (bench/scale.js): 10 credentials against BENCH_SCALE (default 10,000 here; `npm run bench:scale` runs 1,000,000).
const { measureScale, formatScale } = await import("./scale.js");
console.log("");
console.log(formatScale(await measureScale(10), await measureScale(Number(process.env.BENCH_SCALE ?? 10_000))));
