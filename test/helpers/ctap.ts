/** Helpers for driving the authenticator core with raw CTAP2 bytes, as a USB host would. */
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeCbor, encodeCanonical } from "../../src/ctap/cbor.js";
import { Keystore } from "../../src/keystore/store.js";
import { Authenticator } from "../../src/authenticator/device.js";
import { MemoryStore } from "../../src/authenticator/memoryStore.js";
import type { CredentialStore } from "../../src/authenticator/store.js";
import { defaultAuthenticatorConfig, type AuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { createPresence, type PresenceOptions } from "../../src/presence/index.js";
import type { UserPresence } from "../../src/presence/presence.js";
import { assertCanonicalCbor } from "./canonicalCbor.js";
import { MakeCredentialRequest } from "../../src/ctap/messages/makeCredential.js";
import { GetAssertionRequest } from "../../src/ctap/messages/getAssertion.js";

/** A cheap scrypt cost for tests: the KDF is not what they exercise. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

export interface TestKey {
  authenticator: Authenticator;
  /** In memory, unless the test asked for a persistent store. */
  store: CredentialStore;
  /** The encrypted LevelDB store, when the test asked for one (`persistent: true`). */
  keystore?: Keystore;
  /** A temp directory for the test's files (the persistent store lives in its "store" subdirectory). */
  dir: string;
  /** Send a command with a CBOR parameter map; returns status and decoded body (checked canonical). */
  call(command: number, params?: Map<number | string, unknown>): Promise<{ status: number; body?: Map<number, unknown> }>;
  close(): Promise<void>;
}

export async function openTestKey(
  options: { presence?: PresenceOptions | UserPresence; config?: Partial<AuthenticatorConfig>; now?: () => number; persistent?: boolean } = {},
): Promise<TestKey> {
  const dir = mkdtempSync(join(tmpdir(), "softkey-test-"));
  const keystore = options.persistent ? await Keystore.create(join(dir, "store"), "test passphrase", { scrypt: TEST_SCRYPT }) : undefined;
  const store = keystore ?? new MemoryStore();
  const presence = options.presence && "requestPresence" in options.presence ? options.presence : createPresence(options.presence as PresenceOptions);
  const authenticator = new Authenticator({ store, presence, config: defaultAuthenticatorConfig(options.config), now: options.now });
  return {
    authenticator,
    store,
    ...(keystore ? { keystore } : {}),
    dir,
    async call(command, params) {
      const request = params ? concat(Uint8Array.of(command), encodeCanonical(params)) : Uint8Array.of(command);
      return parseResponse(await authenticator.transact(request));
    },
    async close() {
      await keystore?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function parseResponse(response: Uint8Array): { status: number; body?: Map<number, unknown> } {
  const status = response[0]!;
  if (response.length === 1) return { status };
  const bodyBytes = response.subarray(1);
  assertCanonicalCbor(bodyBytes);
  return { status, body: decodeCbor(bodyBytes) as Map<number, unknown> };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export const sha256 = (data: Uint8Array | string) => new Uint8Array(createHash("sha256").update(data).digest());

export interface ParsedAuthData {
  rpIdHash: Uint8Array;
  flags: number;
  signCount: number;
  aaguid?: Uint8Array;
  credentialId?: Uint8Array;
  publicKey?: Map<number, unknown>;
  rest: Uint8Array;
}

/** Parses authenticator data independently of the code under test. */
export function parseAuthData(authData: Uint8Array): ParsedAuthData {
  const flags = authData[32]!;
  const signCount = Buffer.from(authData).readUInt32BE(33);
  const parsed: ParsedAuthData = { rpIdHash: authData.subarray(0, 32), flags, signCount, rest: authData.subarray(37) };
  if (flags & 0x40) {
    const aaguid = authData.subarray(37, 53);
    const idLength = (authData[53]! << 8) | authData[54]!;
    const credentialId = authData.subarray(55, 55 + idLength);
    const keyBytes = authData.subarray(55 + idLength);
    // The COSE key is the whole remainder when there are no extensions (ED clear).
    parsed.aaguid = aaguid;
    parsed.credentialId = credentialId;
    parsed.publicKey = decodeCbor(keyBytes) as Map<number, unknown>;
    parsed.rest = new Uint8Array();
  }
  return parsed;
}

export function coseToKeyObject(cose: Map<number, unknown>): KeyObject {
  const b64 = (v: unknown) => Buffer.from(v as Uint8Array).toString("base64url");
  if (cose.get(1) === 2) return createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64(cose.get(-2)), y: b64(cose.get(-3)) }, format: "jwk" });
  if (cose.get(1) === 1) return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64(cose.get(-2)) }, format: "jwk" });
  throw new Error(`unexpected COSE key type ${String(cose.get(1))}`);
}

export function verifySignature(alg: number, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  return verify(alg === -8 ? null : "sha256", data, key, signature);
}

/** A standard makeCredential parameter map, encoded through the shared message table. */
export function makeCredentialParams(overrides: Partial<Record<string, unknown>> = {}): Map<number, unknown> {
  const o = {
    clientDataHash: sha256("client data"),
    rpId: "example.com",
    userId: Uint8Array.of(1, 2, 3, 4),
    userName: "alice@example.com",
    algs: [-7],
    rk: undefined as boolean | undefined,
    uv: undefined as boolean | undefined,
    excludeList: undefined as Uint8Array[] | undefined,
    ...overrides,
  };
  return MakeCredentialRequest.encodeMap({
    clientDataHash: o.clientDataHash as Uint8Array,
    rp: { id: o.rpId as string, name: "Example" },
    user: { id: o.userId as Uint8Array, name: o.userName as string, displayName: "Alice" },
    pubKeyCredParams: (o.algs as number[]).map((alg) => ({ type: "public-key", alg })),
    excludeList: o.excludeList?.map((id) => ({ type: "public-key", id })),
    options: options({ rk: o.rk, uv: o.uv }),
  }) as Map<number, unknown>;
}

export function getAssertionParams(overrides: { rpId?: string; clientDataHash?: Uint8Array; allowList?: Uint8Array[]; up?: boolean; uv?: boolean } = {}): Map<number, unknown> {
  return GetAssertionRequest.encodeMap({
    rpId: overrides.rpId ?? "example.com",
    clientDataHash: overrides.clientDataHash ?? sha256("assertion client data"),
    allowList: overrides.allowList?.map((id) => ({ type: "public-key", id })),
    options: options({ up: overrides.up, uv: overrides.uv }),
  }) as Map<number, unknown>;
}

/** An options map with the options given, or undefined when none is. */
function options(given: Record<string, boolean | undefined>): Map<string, boolean> | undefined {
  const map = new Map(Object.entries(given).filter((entry): entry is [string, boolean] => entry[1] !== undefined));
  return map.size > 0 ? map : undefined;
}
