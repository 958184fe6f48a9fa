/** Shared by the exchange tests: a store with credentials an RP has registered, devices disposed after each test, and a way to read a store back whole. */
import type { WebAuthnCredential } from "@simplewebauthn/server";
import { afterEach, expect } from "vitest";
import type { Softkey } from "../../src/softkey.js";
import { readEntries } from "../../src/exchange/readEntries.js";
import { TestDevice, registered, signIn } from "../helpers/relyingParty.js";

/** A cheap bundle KDF: the tests exercise the format, not scrypt. */
export const TEST_BUNDLE_SCRYPT = { N: 1024, r: 8, p: 1 };

export interface Seeded {
  device: TestDevice;
  /** What the RP keeps for each credential, updated by signInVerified. */
  credentials: WebAuthnCredential[];
}

/** A store with a discoverable and a non-discoverable ES256 credential (and an EdDSA one when asked), each used once. */
export async function seededDevice(options: { eddsa?: boolean } = {}): Promise<Seeded> {
  const device = await TestDevice.create();
  const credentials = [
    await registered(device.key, { userName: "alice@example.com", residentKey: "required" }),
    await registered(device.key, { userName: "bob@example.com", residentKey: "discouraged" }),
  ];
  if (options.eddsa) credentials.push(await registered(device.key, { userName: "carol@example.com", alg: -8, residentKey: "required" }));
  for (const credential of credentials) await signInVerified(device.key, credential);
  return { device, credentials };
}

/**
 * Devices for the tests of one describe block, each disposed after the test
 * that made it. Call it in the describe body: it registers the afterEach.
 */
export function devicesForEachTest(): {
  seeded(options?: { eddsa?: boolean }): Promise<Seeded>;
  emptyDevice(): Promise<TestDevice>;
} {
  const disposables: TestDevice[] = [];
  afterEach(async () => {
    for (const d of disposables.splice(0)) await d.dispose();
  });
  return {
    async seeded(options = {}) {
      const s = await seededDevice(options);
      disposables.push(s.device);
      return s;
    },
    async emptyDevice() {
      const d = await TestDevice.create();
      disposables.push(d);
      return d;
    },
  };
}

/** Sign in and insist the RP accepts (signature with its stored public key, counter above its stored one); updates its counter. */
export async function signInVerified(key: Softkey, credential: WebAuthnCredential): Promise<number> {
  const { verification } = await signIn(key, credential);
  const result = await verification;
  expect(result.verified).toBe(true);
  expect(result.authenticationInfo.newCounter).toBeGreaterThan(credential.counter);
  credential.counter = result.authenticationInfo.newCounter;
  return credential.counter;
}

/** Every record of the store with its counter, in a stable order, as plain data for deep comparison. */
export async function storeContents(key: Softkey) {
  const entries = await readEntries(key);
  return entries
    .map(({ record, signCount }) => ({ record: structuredClone(record), signCount }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.record.id), Buffer.from(b.record.id)));
}
