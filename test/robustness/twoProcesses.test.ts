/**
 * One store, two users. A second process gets the clear "store is in use"
 * error and exit 5 at once, or with the global `--wait SECONDS` waits for the
 * lock and then succeeds (or gives up with exit 5 when the time runs out);
 * nothing is corrupted either way. Within one process, concurrent ceremonies on
 * one credential get distinct, strictly increasing counters.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import { Keystore } from "../../src/keystore/store.js";
import { assertBuilt, expectOneLineError, runCli } from "../cli/run.js";
import { startServe } from "../helpers/softkeyServe.js";

const PASSPHRASE = "two processes";
const ORIGIN = "https://example.com";
const parent = mkdtempSync(join(tmpdir(), "softkey-two-"));
const store = join(parent, "store");
const env = { SOFTKEY_STORE: store, SOFTKEY_PASSPHRASE: PASSPHRASE };
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

function creationOptions(user: string) {
  return {
    rp: { id: "example.com", name: "Example" },
    user: { id: b64url(user), name: user, displayName: user },
    challenge: b64url("registration challenge"),
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
  };
}

/** The signature counter in an assertion's authenticatorData (bytes 33..36). */
function signCountOf(authenticatorData: string): number {
  return Buffer.from(authenticatorData, "base64url").readUInt32BE(33);
}

let credentialId: string;

beforeAll(async () => {
  assertBuilt();
  const key = await Softkey.init(store, PASSPHRASE, { scrypt: { N: 1024, r: 8, p: 1 } });
  try {
    credentialId = (await key.create(creationOptions("alice"), { origin: ORIGIN })).id;
    await key.create(creationOptions("bob"), { origin: ORIGIN });
  } finally {
    await key.close();
  }
});

describe("a second process on a store in use", () => {
  it("fails at once with exit 5 and one clear line, or waits with --wait and then succeeds", async () => {
    const server = await startServe(store, PASSPHRASE, { args: ["--quiet"] });
    try {
      const refused = await runCli(["list", "--json"], { env });
      expect(refused.code).toBe(5);
      expectOneLineError(refused, /in use by another process/);

      const started = Date.now();
      const gaveUp = await runCli(["--wait", "0.6", "list"], { env });
      expect(gaveUp.code).toBe(5);
      expectOneLineError(gaveUp, /in use by another process/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);

      // Two waiters, a reader and a writer; the lock frees when the server stops.
      const waitStart = Date.now();
      const list = runCli(["--wait", "30", "list", "--json"], { env });
      const create = runCli(["--wait", "30", "create", "--origin", ORIGIN], { env, input: JSON.stringify(creationOptions("carol")) });
      await new Promise((resolve) => setTimeout(resolve, 800));
      server.child.kill("SIGTERM");
      expect((await server.exited).code).toBe(0);
      const [listed, created] = await Promise.all([list, create]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(created.code, created.stderr).toBe(0);
      expect(Date.now() - waitStart).toBeGreaterThanOrEqual(800);
      expect((JSON.parse(listed.stdout) as { credentials: unknown[] }).credentials.length).toBeGreaterThanOrEqual(2);
      expect((JSON.parse(created.stdout) as { id: string }).id).toMatch(/^[A-Za-z0-9_-]+$/);
    } finally {
      server.child.kill("SIGKILL");
    }

    // Nothing corrupted: every record authenticates, the counts match the records.
    const keystore = await Keystore.open(store, PASSPHRASE);
    try {
      const { credentials, corrupted } = await keystore.scanCredentials();
      expect(corrupted).toEqual([]);
      expect(credentials).toHaveLength(3);
      expect(await keystore.countCredentials()).toEqual({ total: 3, discoverable: 0 });
    } finally {
      await keystore.close();
    }
  }, 60_000);

  it("rejects a --wait that is not a number of seconds", async () => {
    const result = await runCli(["--wait", "soon", "list"], { env });
    expect(result.code).toBe(2);
    expectOneLineError(result, /--wait/);
  });
});

describe("concurrent ceremonies in one process", () => {
  it("200 parallel gets on one credential get 200 distinct counters, one more than the last each", async () => {
    const key = await Softkey.open(store, { passphrase: PASSPHRASE });
    let last: number;
    try {
      // userVerification "discouraged": with UV each ceremony fetches a pinUvAuthToken, and a key holds one token at a
      // time, so concurrent UV ceremonies would invalidate each other's tokens (the client does not serialize them yet).
      const options = (i: number) => ({
        challenge: b64url(`challenge ${i}`),
        rpId: "example.com",
        allowCredentials: [{ type: "public-key", id: credentialId }],
        userVerification: "discouraged",
      });
      const before = signCountOf((await key.get(options(-1), { origin: ORIGIN })).response.authenticatorData);
      const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => key.get(options(i), { origin: ORIGIN })));
      const counts = responses.map((r) => signCountOf(r.response.authenticatorData));
      expect(new Set(counts).size).toBe(200);
      // Requests reach the authenticator in call order, so the counters increase in call order too.
      expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => before + 1 + i));
      last = counts[199]!;
    } finally {
      await key.close();
    }
    const reopened = await Softkey.open(store, { passphrase: PASSPHRASE });
    try {
      const next = await reopened.get({ challenge: b64url("after"), rpId: "example.com", allowCredentials: [{ type: "public-key", id: credentialId }] }, { origin: ORIGIN });
      expect(signCountOf(next.response.authenticatorData)).toBeGreaterThan(last);
    } finally {
      await reopened.close();
    }
  });
});
