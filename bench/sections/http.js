// The HTTP service (`softkey serve --http`, the real binary in its own process): POST /v1/assertions with 1
// and 16 concurrent keep-alive clients, against Softkey.get in this process, in alternating rounds. Then the
// same 16 clients spread over two independent serve processes, each with its own store: no state shared at
// all, so no design that spreads one service over this machine's cores can beat it here.
import { Agent, request } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Softkey } from "../../dist/softkey.js";
import { inRounds, opsAndCpu, roundSeconds } from "../harness.js";
import { startServe } from "./serveProcess.js";

const ORIGIN = "https://bench.example";
const creation = { rp: { id: "bench.example", name: "Bench" }, user: { id: "YmVuY2g", name: "bench", displayName: "Bench" }, challenge: "AAAAAAAAAAAAAAAAAAAAAA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] };
const assertion = (id) => ({ challenge: "AQEBAQEBAQEBAQEBAQEBAQ", rpId: "bench.example", allowCredentials: [{ type: "public-key", id }], userVerification: "discouraged" });

/** A `softkey serve --http` process on a fresh store, with one credential registered over HTTP. */
async function servedService(dir, name) {
  const tokenFile = join(dir, `${name}.token`);
  const served = await startServe(join(dir, name), ["--http", "127.0.0.1:0", "--token-file", tokenFile]);
  const port = Number(served.listening[0].split(":").pop());
  const authorization = `Bearer ${readFileSync(tokenFile, "utf8").trim()}`;
  const call = (agent, path, payload) =>
    new Promise((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(payload));
      const req = request({ agent, host: "127.0.0.1", port, path, method: "POST", headers: { authorization, "content-type": "application/json", "content-length": body.length } }, (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode === 200 || res.statusCode === 201) resolve(text);
          else reject(new Error(`${path}: ${res.statusCode} ${text}`));
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  const body = { origin: ORIGIN, options: assertion(JSON.parse(await call(undefined, "/v1/registrations", { origin: ORIGIN, options: creation })).id) };
  return { served, signIn: (agent) => call(agent, "/v1/assertions", body) };
}

/** `clients` keep-alive clients, spread round-robin over `services`, for one round; ops/s and the services' CPU per request. */
async function overHttp(services, clients) {
  const agents = services.map(() => new Agent({ keepAlive: true, maxSockets: clients }));
  const load = async (until) => {
    let n = 0;
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const i = c % services.length;
        while (performance.now() < until) {
          await services[i].signIn(agents[i]);
          n++;
        }
      }),
    );
    return n;
  };
  const cpuMs = () => services.reduce((sum, s) => sum + (s.served.cpuMs() ?? Number.NaN), 0);
  try {
    await load(performance.now() + 500); // warm-up: the servers' JIT, sockets
    const cpu = cpuMs();
    const start = performance.now();
    const n = await load(start + roundSeconds * 1000);
    const elapsed = performance.now() - start;
    return { opsPerSecond: (n / elapsed) * 1000, serverCpuUsPerOp: ((cpuMs() - cpu) * 1000) / n };
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

export async function httpSection(report) {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-http-"));
  const key = await Softkey.init(join(dir, "in-process"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  const services = [];
  try {
    services.push(await servedService(dir, "served"), await servedService(dir, "second"));
    const localOptions = assertion((await key.create(creation, { origin: ORIGIN })).id);
    const m = await inRounds(
      async () => {
        const local = await opsAndCpu(() => key.get(localOptions, { origin: ORIGIN }));
        const one = await overHttp(services.slice(0, 1), 1);
        const sixteen = await overHttp(services.slice(0, 1), 16);
        const two = await overHttp(services, 16);
        return { local: local.opsPerSecond, localCpu: local.cpuUsPerOp, one: one.opsPerSecond, sixteen: sixteen.opsPerSecond, sixteenCpu: sixteen.serverCpuUsPerOp, two: two.opsPerSecond };
      },
      { ratio: ["sixteen", "local"], twoRatio: ["two", "local"] },
    );
    report.row("in-process Softkey.get, userVerification discouraged (baseline)", m.local, "ops/s", `${Math.round(m.localCpu)} µs CPU per get; load ${m.load}`);
    report.row("HTTP service POST /v1/assertions, 1 client (keep-alive)", m.one, "ops/s", `${(1000 / m.one).toFixed(2)} ms per request, round trip`);
    report.row("HTTP service POST /v1/assertions, 16 concurrent clients (keep-alive)", m.sixteen, "ops/s", `server CPU ${Math.round(m.sixteenCpu)} µs per request`);
    report.row(
      "HTTP, 16 clients over two independent serve processes (each its own store: the ceiling of any multi-core design on this machine)",
      m.two,
      "ops/s",
      `against in-process: ${m.twoRatio.toFixed(2)} (median of per-round ratios)`,
    );
    report.goal("HTTP service, 16 clients / in-process get()", m.ratio, 0.8, true, m.load);
  } finally {
    await key.close();
    for (const { served } of services) await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
