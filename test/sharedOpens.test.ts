/**
 * Two Softkey.open calls of one store in one process share one device (the
 * same keystore, core and client), checked with a relying party's
 * verification; a wrong passphrase or different device options keep the
 * second open out; another process (the real CLI) still finds the store locked.
 */
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Softkey } from "../src/softkey.js";
import { WrongPassphraseError } from "../src/keystore/errors.js";
import { ExitCode } from "../src/cli/exitCodes.js";
import { assertBuilt, runCli } from "./cli/run.js";
import { TEST_SCRYPT } from "./helpers/ctap.js";
import { PASSPHRASE, counterOf, registered, signIn } from "./helpers/relyingParty.js";

let tmp: string;
let store: string;
const opened: Softkey[] = [];
const open = async (dir: string, options: Partial<Parameters<typeof Softkey.open>[1]> = {}) => {
  const key = await Softkey.open(dir, { passphrase: PASSPHRASE, ...options });
  opened.push(key);
  return key;
};

beforeAll(() => assertBuilt());
beforeEach(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-shared-"));
  store = path.join(tmp, "store");
  opened.push(await Softkey.init(store, PASSPHRASE, { scrypt: TEST_SCRYPT }));
});
afterEach(async () => {
  for (const key of opened.splice(0)) await key.close();
  await rm(tmp, { recursive: true, force: true });
});

describe("Softkey.open of a store open in this process", () => {
  it("shares the device: a credential made through one handle signs through the other, counters rise across both, one close keeps the other working", async () => {
    const [first] = opened;
    // Through a symbolic link: the same store by its real path.
    await symlink(store, path.join(tmp, "link"));
    const second = await open(path.join(tmp, "link"));
    expect(second).not.toBe(first);
    expect(second.keystore).toBe(first!.keystore);
    expect(second.controls).toBe(first!.controls);

    const credential = await registered(first!);
    const counters: number[] = [];
    for (const key of [second, first!, second]) {
      const { response, verification } = await signIn(key, credential);
      expect((await verification).verified).toBe(true);
      counters.push(counterOf(response.response.authenticatorData));
    }
    expect(counters[1]).toBeGreaterThan(counters[0]!);
    expect(counters[2]).toBeGreaterThan(counters[1]!);

    // A control changed through one handle is the other's too.
    first!.controls.setUser({ presence: "deny" });
    await expect(signIn(second, credential)).rejects.toMatchObject({ name: "NotAllowedError" });
    second.controls.setUser({ presence: "auto" });

    await first!.close();
    await expect(signIn(first!, credential)).rejects.toMatchObject({ name: "StoreClosedError" });
    const { response, verification } = await signIn(second, credential);
    expect((await verification).verified).toBe(true);
    expect(counterOf(response.response.authenticatorData)).toBeGreaterThan(counters[2]!);
    expect(second.keystore.closed).toBe(false);
    await second.close();
    expect(second.keystore.closed).toBe(true);
    opened.length = 0;

    // Closed for good: the next open opens the store afresh, and finds the credential there.
    const reopened = await open(store);
    expect(reopened.keystore).not.toBe(first!.keystore);
    expect((await reopened.listCredentials()).credentials.map((c) => c.credentialId)).toEqual([credential.id]);
  });

  it("opens at the same time share one device (the second waits for the first instead of meeting LevelDB's lock); after the last close, an open opens afresh", async () => {
    const [first] = opened.splice(0);
    await first!.close();
    const [a, b] = await Promise.all([open(store), open(store)]);
    expect(a!.keystore).toBe(b!.keystore);
    await Promise.all([a!.close(), b!.close()]);
    opened.length = 0;
    const after = await open(store);
    expect(after.keystore).not.toBe(a!.keystore);
    expect(after.keystore.closed).toBe(false);
    expect((await after.listCredentials()).credentials).toEqual([]);
  });

  it("refuses a wrong passphrase exactly as a first open does", async () => {
    const error = await open(store, { passphrase: "not it" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongPassphraseError);
    // The same refusal as a fresh open of the closed store.
    for (const key of opened.splice(0)) await key.close();
    const fresh = await open(store, { passphrase: "not it" }).catch((e: unknown) => e);
    expect(fresh).toBeInstanceOf(WrongPassphraseError);
    expect((fresh as Error).message).toBe((error as Error).message);
  });

  it("refuses other device options with a TypeError naming the option, and the first handle keeps working", async () => {
    await expect(open(store, { presence: "deny" })).rejects.toThrow(/another "presence" option/);
    await expect(open(store, { seed: "fixture" })).rejects.toThrow(/another "seed" option/);
    await expect(open(store, { faults: { isBadUP: true } })).rejects.toThrow(/another "faults" option/);
    await expect(Softkey.init(store, PASSPHRASE, { scrypt: TEST_SCRYPT })).rejects.toMatchObject({ name: "StoreExistsError" });
    const credential = await registered(opened[0]!);
    expect((await (await signIn(opened[0]!, credential)).verification).verified).toBe(true);
  });

  it("another process still gets 'in use by another process' from the real CLI", async () => {
    const listed = await runCli(["--store", store, "list"], { env: { SOFTKEY_PASSPHRASE: PASSPHRASE } });
    expect(listed.code).toBe(ExitCode.STORE_IN_USE);
    expect(listed.stderr).toContain("in use by another process");
  });
});
