/**
 * What must survive a power cut is on disk before softkey says it happened: a counter reservation
 * before the assertion that uses it is printed, a spent PIN retry and a spent UV retry before the
 * refusal. A power cut cannot be pulled in a test; the system calls can be watched. The built binary
 * runs under strace, and the fdatasync (or fsync) of LevelDB's write-ahead log must come before the
 * write that answers: twice, once for the write itself and once for the close, which syncs the
 * session's last generation (a sync at close alone would leave the write exposed until then).
 * Without strace the tests skip loudly (and fail when CI=true: .ci/apt-packages lists it).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateRegistrationOptions } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, BIN, ROOT, runCli } from "../cli/run.js";

const STRACE = "/usr/bin/strace";
const IN_CI = process.env.CI === "true";
const STRACE_MISSING = !existsSync(STRACE);
const skip = STRACE_MISSING && !IN_CI;
if (skip) console.warn(`\n*** SKIPPED: durability tests: ${STRACE} is missing; apt-get install -y strace (listed in .ci/apt-packages) ***\n`);
const title = (t: string) => (STRACE_MISSING ? `${t} (${IN_CI ? "FAILING" : "SKIPPED"}: ${STRACE} missing)` : t);

const env = { SOFTKEY_PASSPHRASE: "durable", PATH: process.env.PATH ?? "" };
let tmp: string;
let store: string;

/** Run the CLI under strace; the syscalls that sync a file or write stdout/stderr, in order, with paths for file descriptors. */
function traced(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; calls: string[] }> {
  if (STRACE_MISSING) throw new Error(`${STRACE} is required when CI=true but is missing`);
  const trace = path.join(tmp, `trace-${Date.now()}-${Math.random()}.txt`);
  return new Promise((resolve, reject) => {
    const child = spawn(STRACE, ["-f", "-y", "-s", "64", "-e", "trace=fsync,fdatasync,write", "-o", trace, process.execPath, BIN, "--store", store, ...args], {
      cwd: ROOT,
      env: { ...env, ...extraEnv },
      stdio: "ignore",
      detached: true,
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const calls = readFileSync(trace, "utf8").split("\n");
      resolve({ code, calls });
    });
  });
}

/** The index of the first call matching `pattern`; -1 when there is none. */
const indexOf = (calls: string[], pattern: RegExp) => calls.findIndex((line) => pattern.test(line));
/** A sync of LevelDB's log; with threads, strace may print its result on a later "resumed" line, so the call alone counts. */
const LOG_SYNC = /\b(fdatasync|fsync)\(\d+<[^>]*\/\d+\.log>/;

/** How many times the log was synced before the first call matching `answer`, which must be there. */
function syncsBefore(calls: string[], answer: RegExp): number {
  const answered = indexOf(calls, answer);
  expect(answered, `no ${answer} in:\n${calls.join("\n")}`).toBeGreaterThan(0);
  return calls.slice(0, answered).filter((line) => LOG_SYNC.test(line)).length;
}

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "softkey-durable-"));
  store = path.join(tmp, "store");
  expect((await runCli(["--store", store, "init", "--kdf-cost", "4"], { env })).code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(skip)(title("synced before acknowledged"), () => {
  it("a counter reservation: the log is synced before the assertion is written to stdout", async () => {
    const options = await generateRegistrationOptions({ rpName: "x", rpID: "example.com", userName: "u" });
    const reg = path.join(tmp, "reg.json");
    writeFileSync(reg, JSON.stringify(options));
    const created = await runCli(["--store", store, "create", "--origin", "https://example.com", "--options", reg], { env });
    expect(created.code, created.stderr).toBe(0);
    const auth = path.join(tmp, "auth.json");
    writeFileSync(auth, JSON.stringify({ challenge: "AAAAAAAAAAAAAAAAAAAAAA", rpId: "example.com", allowCredentials: [{ type: "public-key", id: JSON.parse(created.stdout).id }] }));

    const { code, calls } = await traced(["get", "--origin", "https://example.com", "--options", auth]);
    expect(code).toBe(0);
    expect(syncsBefore(calls, /write\(1</)).toBeGreaterThanOrEqual(2);
  });

  it("a wrong PIN: the spent retry is synced before the refusal is written to stderr", async () => {
    expect((await runCli(["--store", store, "pin", "set"], { env: { ...env, SOFTKEY_NEW_PIN: "4242" } })).code).toBe(0);
    const newPin = path.join(tmp, "new-pin");
    writeFileSync(newPin, "5555\n");
    const { code, calls } = await traced(["pin", "change", "--new-pin-file", newPin], { SOFTKEY_PIN: "0000" });
    expect(code).toBe(7);
    expect(syncsBefore(calls, /write\(2<.*wrong PIN/)).toBeGreaterThanOrEqual(2);
  });

  it("a failed built-in user verification: the spent UV retry is synced before the refusal", async () => {
    const options = await generateRegistrationOptions({ rpName: "x", rpID: "example.com", userName: "v", authenticatorSelection: { userVerification: "required" } });
    const reg = path.join(tmp, "reg-uv.json");
    writeFileSync(reg, JSON.stringify(options));
    // The client tries the built-in UV first; when it fails there is no PIN to fall back on, so the ceremony is refused.
    const { code, calls } = await traced(["--uv", "fail", "create", "--origin", "https://example.com", "--options", reg]);
    expect(code).toBe(7);
    expect(syncsBefore(calls, /write\(2</)).toBeGreaterThanOrEqual(2);
  });
});
