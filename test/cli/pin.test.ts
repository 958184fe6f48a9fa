/**
 * softkey pin set | change | status and --pin-file / SOFTKEY_PIN, through the
 * built binary on a store whose only user verification is the PIN (--uv off),
 * verified by @simplewebauthn/server.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { assertBuilt, runCli, type RunOptions } from "./run.js";

let tmp: string;
const env = () => ({ SOFTKEY_PASSPHRASE: "pin tests", SOFTKEY_STORE: path.join(tmp, "store"), SOFTKEY_UV: "off" });
const softkey = (args: string[], options: RunOptions = {}) => runCli(args, { ...options, env: { ...env(), ...options.env } });

/** A file holding `pin`, as a user keeps one (0600). */
function pinFile(pin: string): string {
  const file = path.join(tmp, `pin-${pin}.txt`);
  writeFileSync(file, `${pin}\n`, { mode: 0o600 });
  return file;
}

async function createWithUv(extraArgs: string[], extraEnv: Record<string, string> = {}) {
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID: "example.com",
    userName: "alice",
    authenticatorSelection: { residentKey: "discouraged", userVerification: "required" },
  });
  const file = path.join(tmp, "reg.json");
  writeFileSync(file, JSON.stringify(options));
  const result = await softkey(["create", "--origin", "https://example.com", "--options", file, ...extraArgs], { env: extraEnv });
  return { options, result };
}

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "softkey-cli-pin-"));
  expect((await softkey(["init", "--kdf-cost", "10"])).code).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("softkey pin", () => {
  it("status before a PIN is set says so", async () => {
    const result = await softkey(["pin", "status", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ supported: true, isSet: false, minPinLength: 4 });
  });

  it("a PIN too short for minPINLength is refused before it reaches the key", async () => {
    const result = await softkey(["pin", "set", "--new-pin-file", pinFile("12")]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/at least 4/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("set from SOFTKEY_NEW_PIN, then status shows 8 retries", async () => {
    expect((await softkey(["pin", "set"], { env: { SOFTKEY_NEW_PIN: "1234" } })).code).toBe(0);
    const status = JSON.parse((await softkey(["pin", "status", "--json"])).stdout);
    expect(status).toMatchObject({ isSet: true, pinRetries: 8 });
  });

  it("a ceremony that needs UV uses --pin-file, and the RP sees UV", async () => {
    const { options, result } = await createWithUv(["--pin-file", pinFile("1234")]);
    expect(result.code, result.stderr).toBe(0);
    const verification = await verifyRegistrationResponse({
      response: JSON.parse(result.stdout),
      expectedChallenge: options.challenge,
      expectedOrigin: "https://example.com",
      expectedRPID: "example.com",
      requireUserVerification: true,
    });
    expect(verification.verified).toBe(true);
  });

  it("SOFTKEY_PIN works like --pin-file; a wrong PIN is refused with the retries left", async () => {
    expect((await createWithUv([], { SOFTKEY_PIN: "1234" })).result.code).toBe(0);
    const wrong = (await createWithUv(["--pin-file", pinFile("9999")])).result;
    expect(wrong.code).toBe(7);
    expect(wrong.stderr).toMatch(/wrong PIN \(7 retries left\)/);
    expect(JSON.parse((await softkey(["pin", "status", "--json"])).stdout).pinRetries).toBe(7);
  });

  it("no PIN and no terminal: a one-line error naming --pin-file and SOFTKEY_PIN", async () => {
    const { result } = await createWithUv([]);
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/--pin-file/);
    expect(result.stderr).toMatch(/SOFTKEY_PIN/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("change needs the current PIN, then the new one works and the old one does not", async () => {
    expect((await softkey(["pin", "change", "--old-pin-file", pinFile("0000"), "--new-pin-file", pinFile("98765")])).code).toBe(7);
    // The new PIN on stdin, the current one from the environment.
    expect((await softkey(["pin", "change", "--new-pin-file", "-"], { env: { SOFTKEY_PIN: "1234" }, input: "98765\n" })).code).toBe(0);
    expect((await createWithUv(["--pin-file", pinFile("98765")])).result.code).toBe(0);
    expect((await createWithUv(["--pin-file", pinFile("1234")])).result.code).toBe(7);
  });
});
