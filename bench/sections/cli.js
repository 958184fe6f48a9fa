// `softkey get` from the command line, wall time against bare `node -e 0`, in alternating runs: the normal way,
// and through `softkey agent` (the store held open by an agent process; bin/softkey.js hands it the command).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inRounds, median } from "../harness.js";

const bin = fileURLToPath(new URL("../../bin/softkey.js", import.meta.url));

function wallMs(args, env) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed: ${result.stderr}`);
  return performance.now() - start;
}

export async function cliSection(report) {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-cli-"));
  // Its own runtime directory: the agent's socket goes there, out of the way of any agent of the user's.
  const env = { SOFTKEY_PASSPHRASE: "bench", SOFTKEY_STORE: join(dir, "store"), XDG_RUNTIME_DIR: join(dir, "run") };
  mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
  let agentRunning = false;
  try {
    wallMs([bin, "init"], env);
    const options = { rp: { id: "bench.example", name: "Bench" }, user: { id: "YmVuY2g", name: "bench", displayName: "Bench" }, challenge: "AAAAAAAAAAAAAAAAAAAAAA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] };
    const created = spawnSync(process.execPath, [bin, "create", "--origin", "https://bench.example"], { env: { ...process.env, ...env }, input: JSON.stringify(options), encoding: "utf8" });
    if (created.status !== 0) throw new Error(created.stderr);
    const getOptions = join(dir, "get.json");
    writeFileSync(getOptions, JSON.stringify({ challenge: "AQEBAQEBAQEBAQEBAQEBAQ", rpId: "bench.example", allowCredentials: [{ type: "public-key", id: JSON.parse(created.stdout).id }] }));
    const runs = Number(process.env.BENCH_CLI_RUNS ?? 5);
    const get = [bin, "get", "--origin", "https://bench.example", "--options", getOptions];
    const m = await inRounds(
      async () => {
        const bare = [];
        const normal = [];
        const viaAgent = [];
        for (let i = 0; i < runs; i++) {
          bare.push(wallMs(["-e", "0"], {}));
          normal.push(wallMs(get, env));
        }
        wallMs([bin, "agent", "start", "--detach"], env);
        agentRunning = true;
        for (let i = 0; i < runs; i++) viaAgent.push(wallMs(get, env));
        wallMs([bin, "agent", "stop"], env);
        agentRunning = false;
        return { bare: median(bare), get: median(normal), agent: median(viaAgent) };
      },
      { ratio: ["agent", "bare"], normalRatio: ["get", "bare"] },
    );
    report.row("`node -e 0` wall time (baseline)", m.bare, "ms", `median of ${runs} runs a round; load ${m.load}`);
    report.row("`softkey get` wall time (default KDF cost), no agent", m.get, "ms", `${m.normalRatio.toFixed(2)} x node -e 0`);
    report.row("`softkey get` wall time through `softkey agent`", m.agent, "ms");
    report.goal("`softkey get` wall / `node -e 0`", m.ratio, 2.5, false, m.load);
  } finally {
    if (agentRunning) spawnSync(process.execPath, [bin, "agent", "stop"], { env: { ...process.env, ...env } });
    rmSync(dir, { recursive: true, force: true });
  }
}
