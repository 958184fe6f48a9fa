/**
 * Attacks on a store by someone who can write its files but does not know the passphrase, through
 * the built binary: a sealed setting deleted (the PIN, the attestation CA) or an older copy of it
 * put back, a byte flipped in LevelDB's write-ahead log, the log cut short, the database files
 * rolled back, two credential records swapped, a counter record deleted, the device setting
 * corrupted. Each is refused with the integrity exit code (9) naming what failed, never served as
 * if nothing happened; a damaged store still gives up what verifies through `export --rescue`.
 * What no store can see by itself, a rollback of every file, is shown as the limit it is: `softkey
 * info` offers the numbers a CI job compares.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse, type WebAuthnCredential } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, expectOneLineError, runCli, type RunOptions } from "../cli/run.js";
import { hex, withRawDb } from "../keystore/helpers.js";

const ORIGIN = "https://example.com";
const PASSPHRASE = "store attacks";
let tmp: string;
let serial = 0;

beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "softkey-store-attacks-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const softkey = (store: string, args: string[], options: RunOptions = {}) =>
  runCli(["--store", store, ...args], { ...options, env: { SOFTKEY_PASSPHRASE: PASSPHRASE, ...options.env } });

async function newStore(): Promise<string> {
  const store = path.join(tmp, `store-${++serial}`);
  const result = await softkey(store, ["init", "--kdf-cost", "4"]);
  expect(result.code, result.stderr).toBe(0);
  return store;
}

function file(name: string, content: unknown): string {
  const target = path.join(tmp, `${++serial}-${name}`);
  writeFileSync(target, typeof content === "string" ? content : JSON.stringify(content));
  return target;
}

async function register(store: string, extra: string[] = []): Promise<WebAuthnCredential> {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: `user${++serial}`, attestationType: "direct" });
  const result = await softkey(store, [...extra, "create", "--origin", ORIGIN, "--options", file("reg.json", options)]);
  expect(result.code, result.stderr).toBe(0);
  const { registrationInfo } = await verifyRegistrationResponse({
    response: JSON.parse(result.stdout),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: "example.com",
    requireUserVerification: false,
  });
  return registrationInfo!.credential;
}

/** One `softkey get` for `credential`; the RP's verification of it, or the CLI's failure. */
async function signIn(store: string, credential: WebAuthnCredential, extra: string[] = []) {
  const challenge = Buffer.from(`challenge ${++serial}`).toString("base64url");
  const options = { challenge, rpId: "example.com", allowCredentials: [{ type: "public-key", id: credential.id }], userVerification: "discouraged" };
  const result = await softkey(store, [...extra, "get", "--origin", ORIGIN, "--options", file("auth.json", options)]);
  if (result.code !== 0) return { result, counter: undefined };
  const { authenticationInfo } = await verifyAuthenticationResponse({
    response: JSON.parse(result.stdout),
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: "example.com",
    credential,
    requireUserVerification: false,
  });
  credential.counter = authenticationInfo.newCounter;
  return { result, counter: authenticationInfo.newCounter };
}

const credentialIdHex = (credential: WebAuthnCredential) => hex(Buffer.from(credential.id, "base64url"));

/** Every file of the store: bytes, mode and modification time. */
function snapshot(store: string): Map<string, string> {
  return new Map(
    readdirSync(store).map((name) => {
      const stat = statSync(path.join(store, name));
      return [name, `${createHash("sha256").update(readFileSync(path.join(store, name))).digest("hex")} ${stat.mode & 0o777} ${stat.mtimeMs}`];
    }),
  );
}

/** The write-ahead log of a store, and where in it the last write of `key` begins (its bytes, inside the last record that holds it). */
function lastWriteOf(store: string, key: string): { log: string; offset: number } {
  const log = readdirSync(store).find((name) => name.endsWith(".log"))!;
  const bytes = readFileSync(path.join(store, log));
  const offset = bytes.lastIndexOf(Buffer.from(key, "latin1"));
  expect(offset, `${key} in ${log}`).toBeGreaterThan(0);
  return { log: path.join(store, log), offset };
}

describe("settings deleted or put back", () => {
  it("deleting the sealed PIN state does not remove the PIN: pin set and pin status exit 9", async () => {
    const store = await newStore();
    expect((await softkey(store, ["pin", "set"], { env: { SOFTKEY_NEW_PIN: "4242" } })).code).toBe(0);
    await withRawDb(store, (db) => db.del("s!clientPin"));

    const set = await softkey(store, ["pin", "set"], { env: { SOFTKEY_NEW_PIN: "9999" } });
    expect(set.code).toBe(9);
    expectOneLineError(set, /setting "clientPin" \(it was deleted from the store\) failed integrity check/);
    expect((await softkey(store, ["pin", "status"])).code).toBe(9);
  });

  it("deleting the attestation CA does not downgrade attestation to self: create exits 9", async () => {
    const store = await newStore();
    expect((await softkey(store, ["ca", "init"])).code).toBe(0);
    await register(store);
    await withRawDb(store, (db) => db.del("s!attestationCa"));
    const options = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "mallory", attestationType: "direct" });
    const result = await softkey(store, ["create", "--origin", ORIGIN, "--options", file("reg.json", options)]);
    expect(result.code).toBe(9);
    expect(result.stdout).toBe("");
    expectOneLineError(result, /setting "attestationCa" \(it was deleted from the store\)/);
  });

  it("an older copy of the PIN state put back (its retries restored) is refused", async () => {
    const store = await newStore();
    expect((await softkey(store, ["pin", "set"], { env: { SOFTKEY_NEW_PIN: "4242" } })).code).toBe(0);
    const eightRetries = await withRawDb(store, async (db) => (await db.get("s!clientPin"))!);
    expect((await softkey(store, ["pin", "change", "--new-pin-file", file("new", "5555")], { env: { SOFTKEY_PIN: "0000" } })).code).toBe(7);
    expect(JSON.parse((await softkey(store, ["pin", "status", "--json"])).stdout)).toMatchObject({ pinRetries: 7 });
    await withRawDb(store, (db) => db.put("s!clientPin", eightRetries));

    const status = await softkey(store, ["pin", "status", "--json"]);
    expect(status.code).toBe(9);
    expectOneLineError(status, /setting "clientPin" \(it is not the value last written: an older copy put back\?\)/);
  });
});

describe("a dropped or rolled-back write", () => {
  /** A store with one credential signed in 5 times, one process each: counter 5, its last write in the log. */
  async function signedFiveTimes(): Promise<{ store: string; credential: WebAuthnCredential }> {
    const store = await newStore();
    const credential = await register(store);
    for (let i = 1; i <= 5; i++) expect((await signIn(store, credential)).counter).toBe(i);
    return { store, credential };
  }

  it("one flipped byte in the write-ahead log: refused with exit 9 naming the log, every time, and no counter goes back", async () => {
    const { store, credential } = await signedFiveTimes();
    const { log, offset } = lastWriteOf(store, `n!${credentialIdHex(credential)}`);
    const bytes = readFileSync(log);
    bytes[offset + 3]! ^= 0x01;
    writeFileSync(log, bytes);
    const before = snapshot(store);

    for (const args of [["list"], ["list"], ["info"]]) {
      const result = await softkey(store, args);
      expect(result.code, args.join(" ")).toBe(9);
      expectOneLineError(result, /LevelDB's log \(\d+\.log at byte \d+: checksum mismatch; opening it would silently drop that write\)/);
    }
    const { result } = await signIn(store, credential);
    expect(result.code).toBe(9);
    // Refused before LevelDB opened: the damaged log is still there, so the refusal stays.
    expect(snapshot(store)).toEqual(before);
  });

  it("the log cut short after a clean close: the generation check refuses it with exit 9", async () => {
    const { store, credential } = await signedFiveTimes();
    const { log, offset } = lastWriteOf(store, `n!${credentialIdHex(credential)}`);
    truncateSync(log, offset - 1); // what LevelDB takes for a write that never finished

    const list = await softkey(store, ["list"]);
    expect(list.code).toBe(9);
    expectOneLineError(list, /the store generation \(the database is at \d+ but was closed at \d+: a write was dropped or the database files were rolled back\)/);
    expect((await signIn(store, credential)).result.code).toBe(9);
  });

  it("the database files put back to an older copy, the header kept: exit 9", async () => {
    const { store, credential } = await signedFiveTimes();
    const older = path.join(tmp, `older-${++serial}`);
    cpSync(store, older, { recursive: true });
    for (let i = 6; i <= 7; i++) expect((await signIn(store, credential)).counter).toBe(i);
    const header = readFileSync(path.join(store, "SOFTKEY"));
    rmSync(store, { recursive: true });
    cpSync(older, store, { recursive: true });
    writeFileSync(path.join(store, "SOFTKEY"), header);

    const { result } = await signIn(store, credential);
    expect(result.code).toBe(9);
    expectOneLineError(result, /a write was dropped or the database files were rolled back/);
  });

  it("the limit: every file put back, header included, opens; softkey info shows a generation and highest counter lower than a CI job recorded", async () => {
    const { store, credential } = await signedFiveTimes();
    const older = path.join(tmp, `older-${++serial}`);
    cpSync(store, older, { recursive: true });
    expect((await signIn(store, credential)).counter).toBe(6);
    const recorded = JSON.parse((await softkey(store, ["info", "--json"])).stdout) as { generation: number; highestSignCount: number };
    expect(recorded.highestSignCount).toBe(6);

    rmSync(store, { recursive: true });
    cpSync(older, store, { recursive: true });
    const info = await softkey(store, ["info", "--json"]);
    expect(info.code).toBe(0); // nothing inside the store can tell: that is the limit SECURITY.md states
    const now = JSON.parse(info.stdout) as { generation: number; highestSignCount: number };
    expect(now.generation).toBeLessThan(recorded.generation);
    expect(now.highestSignCount).toBe(5);
  });
});

describe("records swapped or missing", () => {
  it("two credential records swapped: get exits 9 naming the credential, not 7 (no credential)", async () => {
    const store = await newStore();
    const a = await register(store);
    const b = await register(store);
    const rpHash = hex(createHash("sha256").update("example.com").digest());
    await withRawDb(store, async (db) => {
      const [ka, kb] = [`c!${rpHash}!${credentialIdHex(a)}`, `c!${rpHash}!${credentialIdHex(b)}`];
      const [va, vb] = [await db.get(ka), await db.get(kb)];
      await db.batch([{ type: "put", key: ka, value: vb! }, { type: "put", key: kb, value: va! }]);
    });
    const { result } = await signIn(store, a);
    expect(result.code).toBe(9);
    expectOneLineError(result, new RegExp(`CTAP2_ERR_INTEGRITY_FAILURE: record of credential ${a.id} failed integrity check`));
  });

  it("a deleted counter record: exit 9 for that credential (a guessed counter could repeat one)", async () => {
    const store = await newStore();
    const credential = await register(store);
    expect((await signIn(store, credential)).counter).toBe(1);
    await withRawDb(store, (db) => db.del(`n!${credentialIdHex(credential)}`));
    const { result } = await signIn(store, credential);
    expect(result.code).toBe(9);
    expectOneLineError(result, new RegExp(`sign counter of credential ${credential.id} failed integrity check`));
  });
});

describe("a corrupt device setting", () => {
  it("blocks the store with exit 9 and a hint; export --rescue gets out what verifies, from a copy, with warnings, and the copy signs in elsewhere", async () => {
    const store = await newStore();
    const alice = await register(store);
    const bob = await register(store);
    const carol = await register(store);
    expect((await signIn(store, alice)).counter).toBe(1);
    const rpHash = hex(createHash("sha256").update("example.com").digest());
    await withRawDb(store, async (db) => {
      for (const key of ["s!device", `c!${rpHash}!${credentialIdHex(carol)}`]) {
        const value = new Uint8Array((await db.get(key))!);
        value[value.length - 1]! ^= 0x40;
        await db.put(key, value);
      }
    });
    const list = await softkey(store, ["list"]);
    expect(list.code).toBe(9);
    expectOneLineError(list, /setting "device" \(it is not the value last written.*\).*softkey export --format softkey --rescue exports the credentials that still verify/);

    const before = snapshot(store);
    const out = path.join(tmp, `rescued-${++serial}.json`);
    const rescue = await softkey(store, ["export", "--format", "softkey", "--rescue", "--kdf-cost", "10", "--out", out], { env: { SOFTKEY_BUNDLE_PASSPHRASE: "bundle" } });
    expect(rescue.code).toBe(9);
    expect(rescue.stdout).toBe(`Exported 2 credentials (softkey) to ${out}\n`);
    expect(rescue.stderr).toMatch(/^softkey: warning: left out or replaced: setting "device"/m);
    expect(rescue.stderr).toMatch(new RegExp(`^softkey: warning: left out or replaced: record of credential ${carol.id} failed integrity check`, "m"));
    expect(snapshot(store)).toEqual(before); // the rescue read a copy

    const target = await newStore();
    const imported = await softkey(target, ["import", "--format", "softkey", out], { env: { SOFTKEY_BUNDLE_PASSPHRASE: "bundle" } });
    expect(imported.code, imported.stderr).toBe(0);
    expect((await signIn(target, alice)).counter).toBe(2);
    expect((await signIn(target, bob)).counter).toBe(1);
  });
});
