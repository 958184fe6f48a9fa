/**
 * `softkey serve` holds the store's data key and decrypted private keys in memory for as long as it
 * runs; a core dump would write them to disk in the clear. Node cannot set its own resource limits
 * (there is no process.setrlimit, and softkey has no native addon), so on Linux serve asks
 * util-linux's `prlimit` to set its RLIMIT_CORE, soft and hard, to 0, then reads /proc/self/limits
 * to be sure. That stops the kernel writing a core file, and core handlers that honour the limit
 * (systemd-coredump, apport). Where it cannot (another system, no prlimit), serve says so, and
 * `ulimit -c 0` in the shell that starts it does the same.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";

export type CoreDumps = { disabled: true } | { disabled: false; why: string };

export async function disableCoreDumps(): Promise<CoreDumps> {
  if (process.platform !== "linux") return { disabled: false, why: `not done on ${process.platform}` };
  try {
    await new Promise<void>((resolve, reject) =>
      execFile("prlimit", ["--pid", String(process.pid), "--core=0:0"], { timeout: 5000 }, (error) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { disabled: false, why: code === "ENOENT" ? "prlimit (util-linux) is not installed" : `prlimit failed: ${(error as Error).message.split("\n")[0]}` };
  }
  const limits = await readFile("/proc/self/limits", "utf8").catch(() => "");
  const core = /^Max core file size\s+(\S+)\s+(\S+)/m.exec(limits);
  return core?.[1] === "0" && core[2] === "0" ? { disabled: true } : { disabled: false, why: `the core file size limit is still ${core ? `${core[1]}/${core[2]}` : "unknown"}` };
}
