// `softkey serve` as its own process (the real binary) on a fresh store, for the transport benchmarks.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { processCpuMs } from "../harness.js";

const bin = fileURLToPath(new URL("../../bin/softkey.js", import.meta.url));
const env = { ...process.env, SOFTKEY_PASSPHRASE: "bench" };

export async function startServe(store, args) {
  const init = spawnSync(process.execPath, [bin, "--store", store, "init", "--kdf-cost", "10"], { env, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`softkey init failed: ${init.stderr}`);
  const server = spawn(process.execPath, [bin, "--store", store, "serve", "--quiet", ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    server.once("exit", (code) => reject(new Error(`softkey serve exited (${code}) before listening`)));
  });
  return {
    listening: JSON.parse(line).listening,
    /** The server's CPU time so far in ms (Linux /proc; undefined elsewhere). */
    cpuMs: () => processCpuMs(server.pid),
    async stop() {
      server.kill("SIGTERM");
      await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once("exit", resolve)));
    },
  };
}
