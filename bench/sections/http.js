// The HTTP service (`softkey serve --http`, the real binary in its own process): POST /v1/assertions with 1
// and 16 concurrent keep-alive clients, against Softkey.get in this process, in alternating rounds.
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

export async function httpSection(report) {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-http-"));
  const key = await Softkey.init(join(dir, "in-process"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  const tokenFile = join(dir, "token");
  const served = await startServe(join(dir, "served"), ["--http", "127.0.0.1:0", "--token-file", tokenFile]);
  try {
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
    const servedBody = { origin: ORIGIN, options: assertion(JSON.parse(await call(undefined, "/v1/registrations", { origin: ORIGIN, options: creation })).id) };
    const localOptions = assertion((await key.create(creation, { origin: ORIGIN })).id);
    const overHttp = async (clients) => {
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
        await load(performance.now() + 500); // warm-up: the server's JIT, sockets
        const cpu = served.cpuMs();
        const start = performance.now();
        const n = await load(start + roundSeconds * 1000);
        const elapsed = performance.now() - start;
        return { opsPerSecond: (n / elapsed) * 1000, serverCpuUsPerOp: cpu === undefined ? NaN : ((served.cpuMs() - cpu) * 1000) / n };
      } finally {
        agent.destroy();
      }
    };
    const m = await inRounds(
      async () => {
        const local = await opsAndCpu(() => key.get(localOptions, { origin: ORIGIN }));
        const one = await overHttp(1);
        const sixteen = await overHttp(16);
        return { local: local.opsPerSecond, localCpu: local.cpuUsPerOp, one: one.opsPerSecond, sixteen: sixteen.opsPerSecond, sixteenCpu: sixteen.serverCpuUsPerOp };
      },
      { ratio: ["sixteen", "local"] },
    );
    report.row("in-process Softkey.get, userVerification discouraged (baseline)", m.local, "ops/s", `${Math.round(m.localCpu)} µs CPU per get; load ${m.load}`);
    report.row("HTTP service POST /v1/assertions, 1 client (keep-alive)", m.one, "ops/s", `${(1000 / m.one).toFixed(2)} ms per request, round trip`);
    report.row("HTTP service POST /v1/assertions, 16 concurrent clients (keep-alive)", m.sixteen, "ops/s", `server CPU ${Math.round(m.sixteenCpu)} µs per request`);
    report.goal("HTTP service, 16 clients / in-process get()", m.ratio, 0.8, true, m.load);
  } finally {
    await key.close();
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
