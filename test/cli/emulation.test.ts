/**
 * Emulating hardware from the command line, with the built binary: profiles,
 * response faults, counters, backup flags and deterministic mode across
 * process boundaries, checked by @simplewebauthn/server.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { assertBuilt, expectOneLineError, runCli } from "./run.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";
const env = { SOFTKEY_PASSPHRASE: "emulation" };
let tmp: string;

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-emulation-"));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const run = (store: string, args: string[]) => runCli(["--store", store, ...args], { env });

async function file(name: string, value: unknown): Promise<string> {
  const target = path.join(tmp, name);
  await writeFile(target, typeof value === "string" ? value : JSON.stringify(value));
  return target;
}

async function init(name: string, args: string[] = []): Promise<string> {
  const store = path.join(tmp, name);
  const result = await run(store, ["init", "--kdf-cost", "4", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return store;
}

async function registerVia(store: string, extra: string[] = []): Promise<WebAuthnCredential> {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName: "alice", attestationType: "direct" });
  const result = await run(store, [...extra, "create", "--origin", ORIGIN, "--options", await file("reg.json", options)]);
  expect(result.code, result.stderr).toBe(0);
  const verification = await verifyRegistrationResponse({
    response: JSON.parse(result.stdout),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
  });
  return verification.registrationInfo!.credential;
}

async function signInVia(store: string, credential: WebAuthnCredential) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
  const result = await run(store, ["get", "--origin", ORIGIN, "--options", await file("auth.json", options)]);
  expect(result.code, result.stderr).toBe(0);
  const response = JSON.parse(result.stdout);
  const verification = verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: false,
  });
  verification.catch(() => {});
  return { response, verification };
}

describe("profiles", () => {
  it("profile list names the built-in profiles; profile show prints one, --json as a valid profile file", async () => {
    const list = await runCli(["profile", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^softkey-roaming .*\(default\)$/m);
    expect(list.stdout).toMatch(/^u2f-only /m);
    expect(list.stdout).toMatch(/^platform-passkey /m);

    const show = await runCli(["profile", "show", "u2f-only"]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/getInfo\s+none: CTAP1\/U2F only/);
    expect(show.stdout).toMatch(/counter\s+global/);

    const json = await runCli(["profile", "show", "platform-passkey", "--json"]);
    const profile = JSON.parse(json.stdout);
    expect(profile).toMatchObject({ profileVersion: 1, name: "platform-passkey", attachment: "platform", counter: "zero" });
    // A file made from it (renamed) is accepted as it is.
    const own = await file("own.json", { ...profile, name: "my-phone" });
    const shown = await runCli(["profile", "show", own]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/name\s+my-phone/);
  });

  it("an invalid profile file is one line naming the field, exit code 3, and no store is made", async () => {
    const bad = await file("bad-profile.json", { ...JSON.parse((await runCli(["profile", "show", "softkey-roaming", "--json"])).stdout), getInfo: { maxCredentialCountInList: 0 } });
    const store = path.join(tmp, "never");
    const result = await run(store, ["init", "--kdf-cost", "4", "--profile", bad]);
    expect(result.code).toBe(3);
    expectOneLineError(result, /invalid profile .*bad-profile\.json: profile\.getInfo\.maxCredentialCountInList: expected a positive integer, got 0$/);
    expect(existsSync(store)).toBe(false);

    const notJson = await run(store, ["init", "--profile", await file("broken.json", "{ nope")]);
    expect(notJson.code).toBe(3);
    expectOneLineError(notJson, /is not valid JSON/);
    const unknown = await runCli(["profile", "show", "no-such-profile"]);
    expect(unknown.code).toBe(3);
    expectOneLineError(unknown, /no built-in profile and no file by that name \(built-in: softkey-roaming, u2f-only, platform-passkey, softkey-bio, softkey-pq\)/);
  });

  it("init --profile stores it; info shows it", async () => {
    const store = await init("passkey", ["--profile", "platform-passkey"]);
    const text = await run(store, ["info"]);
    expect(text.stdout).toMatch(/^profile\s+platform-passkey$/m);
    expect(text.stdout).toMatch(/transports\s+internal, hybrid/);
    const json = JSON.parse((await run(store, ["info", "--json"])).stdout);
    expect(json).toMatchObject({ profile: "platform-passkey", attestation: "none", getInfo: { options: { plat: true } } });

    // Request CBOR is read as a key reads it, unless the profile relaxes it; info says which.
    expect(text.stdout).toMatch(/^request CBOR\s+canonical only: a non-canonical request is CTAP2_ERR_INVALID_CBOR, as on a key$/m);
    expect(json.requestCbor).toBe("canonical");
    const sloppy = await file("lenient.json", { ...JSON.parse((await runCli(["profile", "show", "softkey-roaming", "--json"])).stdout), name: "sloppy", requestCbor: "lenient" });
    const lenient = await init("lenient", ["--profile", sloppy]);
    expect((await run(lenient, ["info"])).stdout).toMatch(/^request CBOR\s+lenient: non-canonical requests accepted \(the profile's requestCbor\)$/m);
    expect(JSON.parse((await run(lenient, ["info", "--json"])).stdout).requestCbor).toBe("lenient");

    const u2f = await init("u2f", ["--profile", "u2f-only"]);
    const info = await run(u2f, ["info"]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/authenticatorGetInfo: none \(a CTAP1\/U2F-only device\)/);
  });
});

describe("faults, counters and backup flags", () => {
  let store: string;
  let credential: WebAuthnCredential;
  beforeAll(async () => {
    store = await init("faults");
    credential = await registerVia(store);
  });

  it("fault set isBadUP on makes the RP refuse; off makes the same flow pass", async () => {
    const list = await run(store, ["fault", "list"]);
    expect(list.stdout).toMatch(/^isBadUP\s+off /m);
    expect((await run(store, ["fault", "set", "isBadUP", "on"])).stdout).toBe("isBadUP on\n");
    expect(JSON.parse((await run(store, ["fault", "list", "--json"])).stdout)).toMatchObject({ isBadUP: true, isBogusSignature: false });

    const faulty = await signInVia(store, credential);
    await expect(faulty.verification).rejects.toThrow("User not present during authentication");
    await run(store, ["fault", "set", "isBadUP", "off"]);
    const healthy = await signInVia(store, credential);
    const result = await healthy.verification;
    expect(result.verified).toBe(true);
    credential = { ...credential, counter: result.authenticationInfo.newCounter };

    const bad = await run(store, ["fault", "set", "isBadIdea", "on"]);
    expect(bad.code).toBe(3);
    expectOneLineError(bad, /unknown fault "isBadIdea"/);
  });

  it("counter set lower simulates a clone: the RP refuses the next assertion", async () => {
    const get = await run(store, ["counter", "get", "--", credential.id]);
    expect(get.stdout).toBe(`${credential.counter}\n`);
    const set = await run(store, ["counter", "set", "--", credential.id, "0"]);
    expect(set.code, set.stderr).toBe(0);
    const { verification } = await signInVia(store, credential);
    await expect(verification).rejects.toThrow(`Response counter value 1 was lower than expected ${credential.counter}`);
    const wrong = await run(store, ["counter", "set", "global", "3"]);
    expect(wrong.code).toBe(3);
    expectOneLineError(wrong, /counts per credential/);
  });

  it("credential set-backup changes BE/BS, and refuses BS without BE", async () => {
    const refused = await run(store, ["credential", "set-backup", "--state", "true", "--", credential.id]);
    expect(refused.code).toBe(3);
    expectOneLineError(refused, /BS=1 requires BE=1/);
    const set = await run(store, ["credential", "set-backup", "--eligible", "true", "--state", "true", "--", credential.id]);
    expect(set.stdout).toMatch(/backup eligible true, backup state true/);
    await run(store, ["counter", "set", "--", credential.id, "100"]);
    const { verification } = await signInVia(store, { ...credential, counter: 100 });
    await expect(verification).resolves.toMatchObject({ authenticationInfo: { credentialDeviceType: "multiDevice", credentialBackedUp: true } });
  });
});

describe("--seed", () => {
  const creation = {
    rp: { id: RP_ID, name: "Example" },
    user: { id: "YWxpY2U", name: "alice", displayName: "Alice" },
    challenge: "Zml4ZWQgcmVnaXN0cmF0aW9uIGNoYWxsZW5nZQ",
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    attestation: "direct",
  };
  const request = (id: string) => ({ challenge: "Zml4ZWQgYXV0aCBjaGFsbGVuZ2U", rpId: RP_ID, allowCredentials: [{ type: "public-key", id }] });

  async function ceremonies(store: string, seed: string): Promise<[string, string]> {
    const seedFile = await file(`seed-${seed}.txt`, seed);
    const created = await run(store, ["--seed-file", seedFile, "create", "--origin", ORIGIN, "--options", await file("seed-reg.json", creation)]);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout);
    const got = await run(store, ["--seed-file", seedFile, "get", "--origin", ORIGIN, "--options", await file("seed-auth.json", request(id))]);
    expect(got.code, got.stderr).toBe(0);
    return [created.stdout, got.stdout];
  }

  it("two fresh stores with the same seed give byte-identical responses, one process per ceremony; another seed does not", async () => {
    const a = await ceremonies(await init("seed-a"), "fixture");
    const b = await ceremonies(await init("seed-b"), "fixture");
    expect(b).toEqual(a);
    const c = await ceremonies(await init("seed-c"), "other");
    expect(JSON.parse(c[0]).id).not.toBe(JSON.parse(a[0]).id);
    expect(JSON.parse(c[1]).response.signature).not.toBe(JSON.parse(a[1]).response.signature);
  });
});
