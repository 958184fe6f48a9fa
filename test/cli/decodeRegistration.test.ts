/**
 * `softkey decode AUTH --registration REG`: the assertion's signature checked
 * with the registered credential's public key, as the RP's step 20-21 does,
 * on responses the built CLI made, one from a key with a bogus-signature fault.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, generateRegistrationOptions } from "@simplewebauthn/server";
import { assertBuilt, expectOneLineError, runCli, type RunOptions } from "./run.js";

let tmp: string;
let store: string;
const ORIGIN = "https://example.com";

function softkey(args: string[], options: RunOptions = {}) {
  return runCli(["--store", store, ...args], { ...options, env: { SOFTKEY_PASSPHRASE: "decode", ...options.env } });
}

async function file(name: string, value: unknown): Promise<string> {
  const at = path.join(tmp, name);
  await writeFile(at, typeof value === "string" ? value : JSON.stringify(value));
  return at;
}

async function register(name: string): Promise<{ file: string; id: string }> {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: name, supportedAlgorithmIDs: [-7, -8] });
  const result = await softkey(["create", "--origin", ORIGIN], { input: JSON.stringify(options) });
  expect(result.code, result.stderr).toBe(0);
  return { file: await file(`reg-${name}.json`, result.stdout), id: JSON.parse(result.stdout).id };
}

async function assert(id: string, name: string): Promise<string> {
  const options = await generateAuthenticationOptions({ rpID: "example.com", allowCredentials: [{ id }] });
  const result = await softkey(["get", "--origin", ORIGIN], { input: JSON.stringify(options) });
  expect(result.code, result.stderr).toBe(0);
  return file(name, result.stdout);
}

let alice: { file: string; id: string };
let bob: { file: string; id: string };

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-decode-check-"));
  store = path.join(tmp, "keystore");
  expect((await softkey(["init", "--kdf-cost", "10"])).code).toBe(0);
  alice = await register("alice");
  bob = await register("bob");
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey decode --registration", () => {
  it("verifies an assertion with the registered credential's key", async () => {
    const auth = await assert(alice.id, "auth.json");
    const text = await runCli(["decode", auth, "--registration", alice.file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/✓ signature\s+(ES256|EdDSA) over authenticatorData \|\| SHA-256\(clientDataJSON\) verifies with the registered credential public key/);
    expect(text.stdout).toMatch(/Result: the signature VERIFIES/);
    const json = await runCli(["decode", auth, "--registration", alice.file, "--json"]);
    expect(JSON.parse(json.stdout).signatureCheck).toMatchObject({
      verified: true,
      credentialId: { matches: true, registration: alice.id },
      rpIdHash: { matches: true },
      signature: { valid: true },
      signCount: { registration: 0, assertion: 1, ok: true },
    });
  });

  it("exits 11 when the signature does not verify: a key with the isBogusSignature fault, and a changed byte", async () => {
    expect((await softkey(["fault", "set", "isBogusSignature", "on"])).code).toBe(0);
    const bogus = await assert(alice.id, "bogus.json");
    expect((await softkey(["fault", "set", "isBogusSignature", "off"])).code).toBe(0);
    const result = await runCli(["decode", bogus, "--registration", alice.file]);
    expect(result.code).toBe(11);
    expect(result.stdout).toMatch(/✗ signature .* does NOT verify/);
    expect(result.stdout).toMatch(/Result: NOT VERIFIED/);

    const good = JSON.parse(await readFile(path.join(tmp, "auth.json"), "utf8"));
    const data = Buffer.from(good.response.authenticatorData, "base64url");
    data[32] ^= 0x04; // flip UV in the signed authenticator data
    good.response.authenticatorData = data.toString("base64url");
    const changed = await runCli(["decode", await file("changed.json", good), "--registration", alice.file, "--json"]);
    expect(changed.code).toBe(11);
    expect(JSON.parse(changed.stdout).signatureCheck.signature.valid).toBe(false);
  });

  it("exits 11 for another credential's assertion, naming both IDs", async () => {
    const bobs = await assert(bob.id, "bob-auth.json");
    const result = await runCli(["decode", bobs, "--registration", alice.file]);
    expect(result.code).toBe(11);
    expect(result.stdout).toContain(`✗ credential ID   ${bob.id}, but the registration made ${alice.id}`);
  });

  it("refuses a --registration that is not a registration, with one line (exit 3)", async () => {
    const auth = path.join(tmp, "auth.json");
    const result = await runCli(["decode", auth, "--registration", auth]);
    expect(result.code).toBe(3);
    expectOneLineError(result, /--registration: not a RegistrationResponseJSON/);
    expectOneLineError(await runCli(["decode", auth, "--registration", path.join(tmp, "none.json")]), /no such file/);
  });
});
