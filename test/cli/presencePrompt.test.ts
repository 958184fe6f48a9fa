/**
 * `--presence prompt` on a real terminal: the built CLI runs with a
 * pseudo-terminal as its controlling terminal (test/interop/libfido2/run_tty.py)
 * and the answers are typed once the questions appear, as a person would.
 * Registering asks "Register ...?", signing in "Sign in ...?"; a "no" is a
 * refusal (exit 7) that spends no UV retry. `--presence timeout` is the user
 * who never answers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRegistrationOptions } from "@simplewebauthn/server";
import { assertBuilt, BIN, runCli } from "./run.js";
import { runOnTerminal } from "../interop/libfido2/tools.js";
import { PYTHON } from "../interop/pythonFido2.js";
import { spawnSync } from "node:child_process";

const ORIGIN = "https://example.com";
const env = { SOFTKEY_PASSPHRASE: "prompt passphrase" };
const HAS_PYTHON = spawnSync(PYTHON, ["-c", "import pty"]).status === 0;
if (!HAS_PYTHON) console.warn(`\n*** SKIPPED: --presence prompt terminal tests: ${PYTHON} cannot run the pseudo-terminal driver ***\n`);
const onTerminal = it.skipIf(!HAS_PYTHON && process.env.CI !== "true");

let tmp: string;
let store: string;
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-prompt-"));
  store = path.join(tmp, "keystore");
  expect((await runCli(["--store", store, "init", "--kdf-cost", "4"], { env })).code).toBe(0);
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function registrationFile(userVerification: "discouraged" | "required"): Promise<string> {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "alice", userDisplayName: "Alice", authenticatorSelection: { userVerification, residentKey: "discouraged" } });
  const file = path.join(tmp, `reg-${userVerification}.json`);
  await writeFile(file, JSON.stringify(options));
  return file;
}

const softkey = (args: string[], prompts: [string, string][] = []) =>
  runOnTerminal([process.execPath, BIN, "--store", store, ...args], { env: { ...env, HOME: process.env.HOME ?? "" }, prompts, timeoutSeconds: 30 });

async function uvRetries(): Promise<number> {
  const status = await runCli(["--store", store, "pin", "status", "--json"], { env });
  return (JSON.parse(status.stdout) as { uvRetries: number }).uvRetries;
}

describe("--presence prompt on a terminal", () => {
  onTerminal("registering asks to register, naming the RP and the user; no is a refusal (exit 7)", async () => {
    const run = await softkey(["--presence", "prompt", "create", "--origin", ORIGIN, "--options", await registrationFile("discouraged")], [
      ["Register for example\\.com as Alice\\? \\[y/N\\]", "n"],
    ]);
    expect(run.answered).toHaveLength(1);
    expect(run.code).toBe(7);
    expect(run.tty).toMatch(/NotAllowedError/);
    expect(run.stdout).toBe("");
  });

  onTerminal("with built-in UV, the question says so; answering no spends no UV retry", async () => {
    const run = await softkey(["--presence", "prompt", "create", "--origin", ORIGIN, "--options", await registrationFile("required")], [
      ["Register for example\\.com \\(verify your fingerprint\\)\\? \\[y/N\\]", "no"],
    ]);
    expect(run.answered).toHaveLength(1);
    expect(run.code).toBe(7);
    expect(await uvRetries()).toBe(8);
  });

  onTerminal("yes registers, and the credential is there", async () => {
    const run = await softkey(["--presence", "prompt", "create", "--origin", ORIGIN, "--options", await registrationFile("discouraged")], [["Register for example\\.com as Alice", "y"]]);
    expect(run.code, run.tty).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ type: "public-key", response: { attestationObject: expect.any(String) } });
  });

  onTerminal("--presence timeout: the user never answers; the key gives up after --user-action-timeout (exit 7), spending nothing", async () => {
    const started = Date.now();
    const run = await softkey(["--presence", "timeout", "--user-action-timeout", "0.5", "create", "--origin", ORIGIN, "--options", await registrationFile("required")]);
    expect(run.code).toBe(7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(run.tty).toMatch(/NotAllowedError/);
    expect(await uvRetries()).toBe(8);
    const bad = await runCli(["--store", store, "--user-action-timeout", "soon", "list"], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--user-action-timeout must be a positive number of seconds/);
  });
});
