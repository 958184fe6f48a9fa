/**
 * No secret on a command line: every local user can read a process's argv (`ps`,
 * /proc/PID/cmdline). The attack is to look there while softkey runs; the argv forms
 * (--pin, --seed, pin set --new, pin change --old/--new) are refused with exit 2 and one line
 * naming what to use instead, before anything reaches the store; files, stdin and the
 * environment carry the secrets. All through the built binary.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { spawnServe } from "../helpers/serveChild.js";
import { assertBuilt, expectOneLineError, runCli, type RunOptions } from "./run.js";

const PIN = "4739-not-in-argv";
const SEED = "seed-that-must-stay-private";
let tmp: string;
let store: string;
const env = () => ({ SOFTKEY_PASSPHRASE: "argv tests", SOFTKEY_STORE: store, SOFTKEY_UV: "off" });
const softkey = (args: string[], options: RunOptions = {}) => runCli(args, { ...options, env: { ...env(), ...options.env } });

function secretFile(name: string, secret: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return file;
}

async function optionsFile(kind: "reg" | "auth"): Promise<{ file: string; challenge: string }> {
  const options =
    kind === "reg"
      ? await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "alice", authenticatorSelection: { userVerification: "required" } })
      : await generateAuthenticationOptions({ rpID: "example.com", userVerification: "required" });
  const file = path.join(tmp, `${kind}.json`);
  writeFileSync(file, JSON.stringify(options));
  return { file, challenge: options.challenge };
}

const pinStatus = async () => JSON.parse((await softkey(["pin", "status", "--json"])).stdout) as { isSet: boolean; pinRetries?: number };

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "softkey-argv-"));
  store = path.join(tmp, "store");
  expect((await softkey(["init", "--kdf-cost", "10"])).code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("secrets given on the command line are refused, and the store is left as it was", () => {
  it("pin set --new: exit 2, the PIN is not set", async () => {
    const result = await softkey(["pin", "set", "--new", PIN]);
    expect(result.code).toBe(2);
    expectOneLineError(result, /--new puts the new PIN on the command line.*--new-pin-file FILE.*SOFTKEY_NEW_PIN/);
    expect(result.stderr).not.toContain(PIN);
    expect(await pinStatus()).toMatchObject({ isSet: false });
  });

  it("with a PIN set: --pin (either spelling) and pin change --old/--new are refused before a retry is spent", async () => {
    expect((await softkey(["pin", "set", "--new-pin-file", secretFile("pin.txt", PIN)])).code).toBe(0);
    const { file } = await optionsFile("reg");
    for (const args of [
      ["--pin", PIN, "create", "--origin", "https://example.com", "--options", file],
      [`--pin=${PIN}`, "create", "--origin", "https://example.com", "--options", file],
      ["create", "--origin", "https://example.com", "--options", file, "--pin", "0000"],
      ["pin", "change", "--old", "0000", "--new-pin-file", secretFile("new.txt", "98765")],
      ["pin", "change", "--old-pin-file", secretFile("old.txt", PIN), "--new", "98765"],
    ]) {
      const result = await softkey(args);
      expect(result.code, args.join(" ")).toBe(2);
      expectOneLineError(result, /puts the (current |new )?PIN on the command line, where any local user can read it \(ps\); use --(old-|new-)?pin-file FILE \(- for stdin\), SOFTKEY_(NEW_)?PIN or the terminal prompt instead/);
    }
    expect(await pinStatus()).toMatchObject({ isSet: true, pinRetries: 8 });
    expect((await softkey(["list"])).stdout).not.toMatch(/example\.com/);
  });

  it("--seed: exit 2, naming --seed-file and SOFTKEY_SEED", async () => {
    const { file } = await optionsFile("reg");
    const result = await softkey(["--seed", SEED, "create", "--origin", "https://example.com", "--options", file]);
    expect(result.code).toBe(2);
    expectOneLineError(result, /--seed puts the seed on the command line.*--seed-file FILE \(- for stdin\) or SOFTKEY_SEED instead/);
  });
});

describe("what a local user sees of a running softkey", () => {
  it("serve with the PIN and the seed from files: neither is in /proc/PID/cmdline or ps", async () => {
    const served = await spawnServe(store, ["--ctaphid", "tcp:127.0.0.1:0", "--pin-file", secretFile("pin.txt", PIN), "--seed-file", secretFile("seed.txt", SEED)], {
      SOFTKEY_PASSPHRASE: "argv tests",
    });
    try {
      const pid = served.child.pid!;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      expect(cmdline).toContain("--pin-file");
      const ps = execFileSync("ps", ["-ww", "-o", "args=", "-p", String(pid)], { encoding: "utf8" });
      for (const seen of [cmdline, ps]) {
        expect(seen).not.toContain(PIN);
        expect(seen).not.toContain(SEED);
      }
    } finally {
      await served.stop();
    }
  });
});

describe("files, stdin and the environment carry them", () => {
  it("--pin-file - (stdin) signs with UV; --pin-file - with the options on stdin too is a usage error", async () => {
    const reg = await optionsFile("reg");
    const created = await softkey(["create", "--origin", "https://example.com", "--options", reg.file, "--pin-file", "-"], { input: `${PIN}\n` });
    expect(created.code, created.stderr).toBe(0);
    const verification = await verifyRegistrationResponse({
      response: JSON.parse(created.stdout),
      expectedChallenge: reg.challenge,
      expectedOrigin: "https://example.com",
      expectedRPID: "example.com",
      requireUserVerification: true,
    });
    expect(verification.verified).toBe(true);

    const auth = await optionsFile("auth");
    const both = await softkey(["get", "--origin", "https://example.com", "--pin-file", "-"], { input: readFileSync(auth.file, "utf8") });
    expect(both.code).toBe(2);
    expectOneLineError(both, /standard input can carry only one of the options JSON \(--options -\) and the PIN \(--pin-file -\)/);
  });

  it("--seed-file and SOFTKEY_SEED give the same deterministic credential ID", async () => {
    const ids: string[] = [];
    for (const [name, seedArgs, seedEnv] of [
      ["a", ["--seed-file", secretFile("seed.txt", SEED)], {}],
      ["b", [], { SOFTKEY_SEED: SEED }],
      ["c", ["--seed-file", "-"], {}],
    ] as const) {
      const dir = path.join(tmp, `seeded-${name}`);
      expect((await runCli(["--store", dir, "init", "--kdf-cost", "4"], { env: { SOFTKEY_PASSPHRASE: "p" } })).code).toBe(0);
      const options = { rp: { id: "example.com", name: "x" }, user: { id: "AQ", name: "u", displayName: "u" }, challenge: "AAAAAAAAAAAAAAAAAAAAAA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] };
      const file = path.join(tmp, `seeded-${name}.json`);
      writeFileSync(file, JSON.stringify(options));
      const result = await runCli(["--store", dir, ...seedArgs, "create", "--origin", "https://example.com", "--options", file], {
        env: { SOFTKEY_PASSPHRASE: "p", ...seedEnv },
        input: `${SEED}\n`,
      });
      expect(result.code, result.stderr).toBe(0);
      ids.push(JSON.parse(result.stdout).id);
    }
    expect(new Set(ids).size).toBe(1);
  });
});
