/**
 * The softkey CLI end to end: the built binary against a real store in a
 * temp dir, checked by @simplewebauthn/server as a relying party would.
 */
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Level } from "level";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { assertBuilt, expectOneLineError, runCli, type RunOptions } from "./run.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";
const PASSPHRASE = "correct horse battery staple";

let tmp: string;
let store: string;
/** What the relying party keeps after registration. */
let credential: WebAuthnCredential;

/** softkey with the test store and passphrase. */
function softkey(args: string[], options: RunOptions = {}) {
  return runCli(["--store", store, ...args], {
    ...options,
    env: { SOFTKEY_PASSPHRASE: PASSPHRASE, ...options.env },
  });
}

async function optionsFile(name: string, value: unknown): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, JSON.stringify(value));
  return file;
}

async function registrationOptions(userName = "alice") {
  return generateRegistrationOptions({
    rpName: "Example",
    rpID: RP_ID,
    userName,
    attestationType: "direct",
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
  });
}

/** Sign in through the CLI and verify like the RP; returns the verification. */
async function signIn(args: string[] = []) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
  const result = await softkey(["get", "--origin", ORIGIN, "--options", await optionsFile("auth.json", options), ...args]);
  if (result.code !== 0) return { result, verification: undefined };
  const verification = await verifyAuthenticationResponse({
    response: JSON.parse(result.stdout),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
  });
  return { result, verification };
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-cli-test-"));
  store = path.join(tmp, "keystore");
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey CLI", () => {
  it("init creates a store", async () => {
    const result = await softkey(["init", "--kdf-cost", "10"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Created a softkey store at ${store}`);
  });

  it("init refuses an existing store (exit 6)", async () => {
    const result = await softkey(["init", "--kdf-cost", "10"]);
    expect(result.code).toBe(6);
    expectOneLineError(result, /already exists/);
  });

  it("create registers a credential that @simplewebauthn/server verifies", async () => {
    const options = await registrationOptions();
    const result = await softkey(["create", "--origin", ORIGIN, "--options", await optionsFile("reg.json", options)]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const response = JSON.parse(result.stdout); // stdout is exactly one JSON document
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo!;
    expect(info.fmt).toBe("packed");
    expect(info.credentialDeviceType).toBe("singleDevice");
    credential = { id: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter };
  });

  it("create reads the options from stdin, with or without --options -", async () => {
    for (const extra of [["--options", "-"], []]) {
      const options = await registrationOptions("bob");
      const result = await softkey(["create", "--origin", ORIGIN, ...extra], { input: JSON.stringify({ publicKey: options }) });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const verification = await verifyRegistrationResponse({
        response: JSON.parse(result.stdout),
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      });
      expect(verification.verified).toBe(true);
    }
  });

  it("get signs in, and the counter increases", async () => {
    for (let i = 0; i < 2; i++) {
      const { result, verification } = await signIn();
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(verification!.verified).toBe(true);
      expect(verification!.authenticationInfo.newCounter).toBeGreaterThan(credential.counter);
      credential.counter = verification!.authenticationInfo.newCounter;
    }
  });

  it("get with an empty allowCredentials uses the discoverable credential (passkey)", async () => {
    const options = await generateAuthenticationOptions({ rpID: RP_ID });
    const result = await softkey(["get", "--origin", ORIGIN], { input: JSON.stringify(options) });
    expect(result.code).toBe(0);
    const response = JSON.parse(result.stdout);
    expect(typeof response.response.userHandle).toBe("string");
  });

  it("list shows the credential as a table and as JSON", async () => {
    const table = await softkey(["list"]);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe("");
    expect(table.stdout).toMatch(/^RP ID\s+USER\s+CREDENTIAL ID\s+ALG\s+DISCOVERABLE\s+COUNTER\s+CREATED/);
    expect(table.stdout).toContain(credential.id);
    expect(table.stdout).toContain("alice");
    expect(table.stdout).toContain(RP_ID);

    const json = await softkey(["list", "--rp", RP_ID, "--json"]);
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as { credentials: { credentialId: string; rpId: string; discoverable: boolean; signCount: number; algorithm: string }[]; corrupted: string[] };
    const mine = listed.credentials.find((c) => c.credentialId === credential.id);
    // @simplewebauthn/server lists EdDSA (-8) first in pubKeyCredParams, and the RP's order decides.
    expect(mine).toMatchObject({ rpId: RP_ID, discoverable: true, algorithm: "EdDSA" });
    // The passkey sign-in above may have used this credential too.
    expect(mine!.signCount).toBeGreaterThanOrEqual(credential.counter);
    expect(listed.corrupted).toEqual([]);
    expect(listed.credentials).toHaveLength(3);

    const other = await softkey(["list", "--rp", "other.example", "--json"]);
    expect(JSON.parse(other.stdout).credentials).toEqual([]);
  });

  it("info shows the store and the decoded authenticatorGetInfo", async () => {
    const text = await softkey(["info"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("authenticatorGetInfo");
    expect(text.stdout).toMatch(/versions\s+(U2F_V2, )?FIDO_2_0/);
    expect(text.stdout).toMatch(/algorithms\s+ES256 \(-7, public-key\)/);

    const json = await softkey(["info", "--json"]);
    expect(json.code).toBe(0);
    const info = JSON.parse(json.stdout);
    expect(info.store).toBe(store);
    expect(info.attestation).toBe("packed");
    expect(info.credentials).toMatchObject({ total: 3, discoverable: 3, relyingParties: 1, corrupted: 0 });
    expect(info.getInfo.aaguid).toBe(info.aaguid);
    expect(info.getInfo.versions).toContain("FIDO_2_0");
    expect(info.getInfo.options).toMatchObject({ rk: true, up: true });
    expect(info.getInfo.algorithms[0]).toMatchObject({ alg: -7, type: "public-key", name: "ES256" });
  });

  it("a wrong passphrase is refused (exit 4) and leaves the store working", async () => {
    const wrong = await softkey(["list"], { env: { SOFTKEY_PASSPHRASE: "not the passphrase" } });
    expect(wrong.code).toBe(4);
    expectOneLineError(wrong, /wrong passphrase/);
    const { result, verification } = await signIn();
    expect(result.code).toBe(0);
    expect(verification!.verified).toBe(true);
    credential.counter = verification!.authenticationInfo.newCounter;
  });

  it("--passphrase-file takes precedence over SOFTKEY_PASSPHRASE", async () => {
    const file = path.join(tmp, "passphrase.txt");
    await writeFile(file, `${PASSPHRASE}\n`);
    const result = await softkey(["--passphrase-file", file, "list", "--json"], { env: { SOFTKEY_PASSPHRASE: "wrong" } });
    expect(result.code).toBe(0);
  });

  it("a store held open by another process is reported as in use (exit 5)", async () => {
    const db = new Level(store);
    await db.open();
    try {
      const result = await softkey(["list"]);
      expect(result.code).toBe(5);
      expectOneLineError(result, /in use/);
    } finally {
      await db.close();
    }
  });

  it("garbage options JSON is invalid input (exit 3), one line, no stack", async () => {
    const fromStdin = await softkey(["create", "--origin", ORIGIN], { input: "{ this is not json" });
    expect(fromStdin.code).toBe(3);
    expectOneLineError(fromStdin, /not valid JSON/);
    expect(fromStdin.stdout).toBe("");

    const notAnObject = await softkey(["get", "--origin", ORIGIN, "--options", await optionsFile("array.json", [1, 2])]);
    expect(notAnObject.code).toBe(3);
    expectOneLineError(notAnObject);

    const malformed = await softkey(["create", "--origin", ORIGIN], { input: JSON.stringify({ rp: { name: "x" } }) });
    expect(malformed.code).toBe(3);
    expectOneLineError(malformed);

    const missingFile = await softkey(["get", "--origin", ORIGIN, "--options", path.join(tmp, "nope.json")]);
    expect(missingFile.code).toBe(3);
    expectOneLineError(missingFile, /no such file/);
  });

  it("a wrong or look-alike origin is a SecurityError (exit 8)", async () => {
    const reg = await registrationOptions("mallory");
    for (const origin of ["https://evil.example.org", "https://example.com.evil.org", "https://examp1e.com", "http://example.com"]) {
      const result = await softkey(["create", "--origin", origin, "--options", await optionsFile("reg-evil.json", reg)]);
      expect(result.code, origin).toBe(8);
      expectOneLineError(result, /SecurityError/);
      expect(result.stdout).toBe("");
    }
    const auth = await generateAuthenticationOptions({ rpID: RP_ID });
    const result = await softkey(["get", "--origin", "https://example.com.attacker.net"], { input: JSON.stringify(auth) });
    expect(result.code).toBe(8);
    expectOneLineError(result, /SecurityError/);
  });

  it("--presence deny is a refusal (exit 7)", async () => {
    const { result } = await signIn(["--presence", "deny"]);
    expect(result.code).toBe(7);
    expectOneLineError(result, /NotAllowedError/);
    const viaEnv = await softkey(["get", "--origin", ORIGIN], {
      input: JSON.stringify(await generateAuthenticationOptions({ rpID: RP_ID })),
      env: { SOFTKEY_PRESENCE: "deny" },
    });
    expect(viaEnv.code).toBe(7);
  });

  it("--presence prompt without a terminal fails up front (exit 10)", async () => {
    const options = JSON.stringify(await generateAuthenticationOptions({ rpID: RP_ID }));
    const result = await softkey(["--presence", "prompt", "get", "--origin", ORIGIN], { input: options });
    expect(result.code).toBe(10);
    expectOneLineError(result, /terminal/);
    // Commands that ask no one do not care.
    expect((await softkey(["list"], { env: { SOFTKEY_PRESENCE: "prompt" } })).code).toBe(0);
  });

  it("no passphrase and no terminal names the three ways (exit 10)", async () => {
    const result = await runCli(["--store", store, "list"], { env: { SOFTKEY_PASSPHRASE: undefined } });
    expect(result.code).toBe(10);
    expectOneLineError(result);
    expect(result.stderr).toContain("--passphrase-file");
    expect(result.stderr).toContain("SOFTKEY_PASSPHRASE");
    expect(result.stderr).toContain("terminal");
  });

  it("a missing store says to run init (exit 6)", async () => {
    const result = await runCli(["--store", path.join(tmp, "nothing-here"), "list"], { env: { SOFTKEY_PASSPHRASE: PASSPHRASE } });
    expect(result.code).toBe(6);
    expectOneLineError(result, /softkey init/);
  });

  it("delete removes the credential; get then fails (exit 7); deleting again is exit 3", async () => {
    const deleted = await softkey(["delete", "--", credential.id]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`Deleted credential ${credential.id}`);

    const { result } = await signIn();
    expect(result.code).toBe(7);
    expectOneLineError(result, /NotAllowedError/);

    const again = await softkey(["delete", "--", credential.id]);
    expect(again.code).toBe(3);
    expectOneLineError(again, /no credential/);

    const list = await softkey(["list", "--json"]);
    expect(JSON.parse(list.stdout).credentials.map((c: { credentialId: string }) => c.credentialId)).not.toContain(credential.id);
  });

  it("demo --store runs in the given store and keeps its credential there", async () => {
    const result = await softkey(["demo"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Result: VERIFIED");
    const id = /credential ID\s+([A-Za-z0-9_-]{16,})$/m.exec(result.stdout)![1]!;
    expect(result.stdout).toContain(`softkey delete ${id}`);
    const list = await softkey(["list", "--json"]);
    expect(JSON.parse(list.stdout).credentials.map((c: { credentialId: string }) => c.credentialId)).toContain(id);
  });

  it("a tampered record is named on stderr and gives exit 9; the others are still listed", async () => {
    const before = JSON.parse((await softkey(["list", "--json"])).stdout) as { credentials: { credentialId: string }[] };
    expect(before.credentials.length).toBeGreaterThanOrEqual(2);
    const db = new Level<string, Uint8Array>(store, { keyEncoding: "utf8", valueEncoding: "view" });
    await db.open();
    let victim: string;
    try {
      const [key, value] = (await db.iterator({ gte: "c!", lt: "c!\uffff", limit: 1 }).all())[0]!;
      const tampered = Uint8Array.from(value);
      tampered[tampered.length - 1]! ^= 0x01;
      await db.put(key, tampered);
      victim = Buffer.from(key.slice(key.lastIndexOf("!") + 1), "hex").toString("base64url");
    } finally {
      await db.close();
    }
    const result = await softkey(["list"]);
    expect(result.code).toBe(9);
    expectOneLineError(result, new RegExp(`credential ${victim}.*integrity`));
    for (const c of before.credentials) {
      if (c.credentialId === victim) expect(result.stdout).not.toContain(victim);
      else expect(result.stdout).toContain(c.credentialId);
    }
    const json = await softkey(["list", "--json"]);
    expect(json.code).toBe(9);
    expect(JSON.parse(json.stdout).corrupted).toEqual([victim]);
    // A corrupt credential can still be deleted, which clears the error.
    expect((await softkey(["delete", "--", victim])).code).toBe(0);
    expect((await softkey(["list"])).code).toBe(0);
  });

  it("unknown commands and bad flags are usage errors (exit 2)", async () => {
    for (const args of [["frobnicate"], ["list", "--bogus"], ["--presence", "maybe", "list"], ["create"], []]) {
      const result = await softkey(args);
      expect(result.code, args.join(" ")).toBe(2);
      if (args.length > 0) expectOneLineError(result);
    }
  });

  it("--help on every command shows an example", async () => {
    for (const command of [[], ["init"], ["create"], ["get"], ["list"], ["delete"], ["info"], ["demo"]]) {
      const result = await runCli([...command, "--help"]);
      expect(result.code, command.join(" ")).toBe(0);
      expect(result.stdout).toMatch(/Examples?:/);
      expect(result.stdout).toContain("$ softkey");
    }
  });
});

describe("softkey demo", () => {
  it("runs the whole story in a throw-away store and removes it", async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), "softkey-demo-test-"));
    try {
      const result = await runCli(["demo"], { env: { TMPDIR: scratch, SOFTKEY_PASSPHRASE: undefined } });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/challenge\s+[A-Za-z0-9_-]{43}/);
      expect(result.stdout).toMatch(/credential ID\s+[A-Za-z0-9_-]+/);
      expect(result.stdout).toContain("-----BEGIN PUBLIC KEY-----");
      expect(result.stdout).not.toMatch(/PRIVATE KEY/);
      expect(result.stdout).toMatch(/signature\s+[A-Za-z0-9_-]+/);
      expect(result.stdout).toMatch(/✓ rpIdHash\s+.*matches/);
      expect(result.stdout).toMatch(/✓ user present/);
      expect(result.stdout).toMatch(/✓ counter\s+signCount 1 after 0/);
      expect(result.stdout).toMatch(/✓ signature\s+.*verifies/);
      expect(result.stdout).toContain("Result: VERIFIED");
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it("fails with exit 7 when the user refuses", async () => {
    const result = await runCli(["demo", "--presence", "deny"]);
    expect(result.code).toBe(7);
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});
