/**
 * authenticatorLargeBlobs (CTAP 2.1 section 6.10) through the real core and
 * a real store, with raw CTAP bytes. The platform side of the PIN protocols
 * (to set a PIN and get a pinUvAuthToken with the lbw permission) is
 * test/helpers/pinPlatform.ts, written independently of src/authenticator/pin and src/ctap/pinUvAuthProtocol.ts.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Level } from "level";
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { Authenticator } from "../../src/authenticator/device.js";
import { defaultAuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { Keystore } from "../../src/keystore/store.js";
import { createPresence } from "../../src/presence/index.js";
import { concat, openTestKey, parseResponse, sha256, type TestKey } from "../helpers/ctap.js";
import { Permission, PinPlatform, PinProtocolCrypto, type PinProtocolVersion } from "../helpers/pinPlatform.js";

const INFO = 0x04;
const RESET = 0x07;
const LARGE_BLOBS = 0x0c;

const MAX_ARRAY = 4096;
const MAX_FRAGMENT = 7609 - 64;
const PIN = "123456";

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

// ---- the platform side, over the shared PIN/UV auth protocol helper ----------------------------

/** authenticate(token, message) of one protocol version. */
function authenticate(version: PinProtocolVersion, token: Uint8Array, message: Uint8Array): Uint8Array {
  return new PinProtocolCrypto(version).authenticate(token, message);
}

async function setPin(k: TestKey): Promise<void> {
  expect(await new PinPlatform(k.call, 2).setPin(PIN)).toBe(Status.CTAP2_OK);
}

/** getPinUvAuthTokenUsingPinWithPermissions (0x09): the decrypted token. */
function pinToken(k: TestKey, version: PinProtocolVersion, permissions: number): Promise<Uint8Array> {
  return new PinPlatform(k.call, version).requireToken(PIN, permissions);
}

/** getPinUvAuthTokenUsingUvWithPermissions (0x06), with built-in UV. */
async function uvToken(k: TestKey, version: PinProtocolVersion, permissions: number): Promise<Uint8Array> {
  const { status, token } = await new PinPlatform(k.call, version).getPinUvAuthTokenUsingUvWithPermissions(permissions);
  expect(status).toBe(Status.CTAP2_OK);
  return token!;
}

// ---- large-blob arrays and the command ---------------------------------------------------------

const truncatedSha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest().subarray(0, 16));

/** A serialized large-blob array: the CBOR array of entries, then LEFT(SHA-256(array), 16). */
function serializedArray(entries: Map<number, unknown>[]): Uint8Array {
  const array = encodeCanonical(entries);
  return concat(array, truncatedSha256(array));
}

/** An entry as a platform would write it (ciphertext, nonce, origSize); the authenticator never looks inside. */
function entry(size: number, seed: number): Map<number, unknown> {
  return new Map<number, unknown>([
    [1, new Uint8Array(size + 16).fill(seed)],
    [2, new Uint8Array(12).fill(seed + 1)],
    [3, size],
  ]);
}

/** A one-entry array of exactly `total` bytes. */
function arrayOfLength(total: number): Uint8Array {
  for (let size = total; size > 0; size--) {
    const array = serializedArray([entry(size, 9)]);
    if (array.length === total) return array;
  }
  throw new Error(`no one-entry array of ${total} bytes`);
}

const INITIAL = concat(Uint8Array.of(0x80), truncatedSha256(Uint8Array.of(0x80)));

interface Auth {
  version: PinProtocolVersion;
  token: Uint8Array;
}

/** The message a write's pinUvAuthParam authenticates: 32×0xff || h'0c00' || uint32LE(offset) || SHA-256(set). */
function writeMessage(offset: number, fragment: Uint8Array): Uint8Array {
  const le = new Uint8Array(4);
  new DataView(le.buffer).setUint32(0, offset, true);
  return concat(new Uint8Array(32).fill(0xff), Uint8Array.of(0x0c, 0x00), le, sha256(fragment));
}

function setParams(fragment: Uint8Array, offset: number, options: { length?: number; auth?: Auth } = {}): Map<number, unknown> {
  const params = new Map<number, unknown>([[2, fragment], [3, offset]]);
  if (options.length !== undefined) params.set(4, options.length);
  if (options.auth) {
    params.set(5, authenticate(options.auth.version, options.auth.token, writeMessage(offset, fragment)));
    params.set(6, options.auth.version);
  }
  return params;
}

async function get(k: TestKey, count: number, offset = 0) {
  return k.call(LARGE_BLOBS, new Map<number, unknown>([[1, count], [3, offset]]));
}

async function readAll(k: TestKey): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let offset = 0; ; ) {
    const { status, body } = await get(k, 1000, offset);
    expect(status).toBe(Status.CTAP2_OK);
    const part = body!.get(1) as Uint8Array;
    parts.push(part);
    offset += part.length;
    if (part.length < 1000) return concat(...parts);
  }
}

/** Writes `array` in fragments of `fragmentSize`; returns the status of each request. */
async function write(k: TestKey, array: Uint8Array, fragmentSize: number, auth?: Auth): Promise<number[]> {
  const statuses: number[] = [];
  for (let offset = 0; offset < array.length; offset += fragmentSize) {
    const fragment = array.subarray(offset, offset + fragmentSize);
    const { status } = await k.call(LARGE_BLOBS, setParams(fragment, offset, { length: offset === 0 ? array.length : undefined, auth }));
    statuses.push(status);
  }
  return statuses;
}

/** A key with a PIN and no built-in UV: writes need a PIN token with lbw. */
async function pinProtectedKey(options: { persistent?: boolean } = {}): Promise<TestKey> {
  const k = await openTestKey({ presence: { uv: "off" }, ...options });
  await setPin(k);
  return k;
}

// ---- tests -------------------------------------------------------------------------------------

describe("authenticatorLargeBlobs: get", () => {
  it("getInfo offers largeBlobs and advertises maxSerializedLargeBlobArray", async () => {
    key = await openTestKey();
    const { body } = await key.call(INFO);
    expect((body!.get(4) as Map<string, boolean>).get("largeBlobs")).toBe(true);
    expect(body!.get(0x0b)).toBe(MAX_ARRAY);
  });

  it("starts with the empty array 0x80 and its truncated hash", async () => {
    key = await openTestKey();
    const { status, body } = await get(key, 1024);
    expect(status).toBe(Status.CTAP2_OK);
    expect([...body!.keys()]).toEqual([1]);
    expect(body!.get(1)).toEqual(INITIAL);
    expect(Buffer.from(INITIAL).toString("hex")).toBe("8076be8b528d0075f7aae98d6fa57a6d3c");
    // Slices, the end, and nothing past it.
    expect((await get(key, 5, 1)).body!.get(1)).toEqual(INITIAL.subarray(1, 6));
    expect((await get(key, 5, 17)).body!.get(1)).toEqual(new Uint8Array(0));
  });

  it.each([
    ["no offset", new Map<number, unknown>([[1, 10]]), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["neither get nor set", new Map<number, unknown>([[3, 0]]), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["both get and set", new Map<number, unknown>([[1, 10], [2, INITIAL], [3, 0]]), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["get with length", new Map<number, unknown>([[1, 10], [3, 0], [4, 17]]), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["get with pinUvAuthParam", new Map<number, unknown>([[1, 10], [3, 0], [5, new Uint8Array(32)], [6, 2]]), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["get over maxFragmentLength", new Map<number, unknown>([[1, MAX_FRAGMENT + 1], [3, 0]]), Status.CTAP1_ERR_INVALID_LENGTH],
    ["an offset past the array", new Map<number, unknown>([[1, 10], [3, 18]]), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["a negative offset", new Map<number, unknown>([[1, 10], [3, -1]]), Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
    ["set as text", new Map<number, unknown>([[2, "blob"], [3, 0], [4, 17]]), Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE],
  ])("answers %s with its status", async (_name, params, expected) => {
    key = await openTestKey();
    expect((await key.call(LARGE_BLOBS, params)).status).toBe(expected);
  });

  it("a get of exactly maxFragmentLength is allowed", async () => {
    key = await openTestKey();
    expect((await get(key, MAX_FRAGMENT)).status).toBe(Status.CTAP2_OK);
  });

  it("is an unknown command when the configuration does not offer largeBlobs", async () => {
    key = await openTestKey({ config: { optionalFeatures: [] } });
    expect((await get(key, 10)).status).toBe(Status.CTAP1_ERR_INVALID_COMMAND);
  });
});

describe("authenticatorLargeBlobs: set", () => {
  it.each([1, 2] as const)("protocol %i: a multi-fragment write with a PIN token (lbw) commits, and reads back", async (version) => {
    key = await pinProtectedKey();
    const array = serializedArray([entry(700, 1), entry(900, 2), entry(400, 3)]);
    expect(array.length).toBeGreaterThan(2000);
    const auth = { version, token: await pinToken(key, version, Permission.lbw) };
    const statuses = await write(key, array, 700, auth);
    expect(statuses.length).toBeGreaterThan(2);
    expect(statuses.every((s) => s === Status.CTAP2_OK)).toBe(true);
    expect(await readAll(key)).toEqual(array);
  });

  it("nothing is visible until the last fragment arrives", async () => {
    key = await pinProtectedKey();
    const auth: Auth = { version: 2, token: await pinToken(key, 2, Permission.lbw) };
    const array = serializedArray([entry(300, 7)]);
    const first = array.subarray(0, 100);
    expect((await key.call(LARGE_BLOBS, setParams(first, 0, { length: array.length, auth }))).status).toBe(Status.CTAP2_OK);
    expect(await readAll(key)).toEqual(INITIAL);
    const rest = array.subarray(100);
    expect((await key.call(LARGE_BLOBS, setParams(rest, 100, { auth }))).status).toBe(Status.CTAP2_OK);
    expect(await readAll(key)).toEqual(array);
  });

  it("a write of the largest array fits; one byte more is CTAP2_ERR_LARGE_BLOB_STORAGE_FULL", async () => {
    key = await pinProtectedKey();
    const auth: Auth = { version: 2, token: await pinToken(key, 2, Permission.lbw) };
    const biggest = arrayOfLength(MAX_ARRAY);
    expect(biggest.length).toBe(MAX_ARRAY);
    expect((await write(key, biggest, 2000, auth)).every((s) => s === Status.CTAP2_OK)).toBe(true);
    expect(await readAll(key)).toEqual(biggest);
    const tooBig = new Uint8Array(MAX_ARRAY + 1);
    expect((await key.call(LARGE_BLOBS, setParams(tooBig.subarray(0, 100), 0, { length: MAX_ARRAY + 1, auth }))).status).toBe(
      Status.CTAP2_ERR_LARGE_BLOB_STORAGE_FULL,
    );
  });

  it("a wrong offset is CTAP1_ERR_INVALID_SEQ and the pending write can still finish", async () => {
    key = await pinProtectedKey();
    const auth: Auth = { version: 2, token: await pinToken(key, 2, Permission.lbw) };
    const array = serializedArray([entry(200, 4)]);
    expect((await key.call(LARGE_BLOBS, setParams(array.subarray(0, 100), 0, { length: array.length, auth }))).status).toBe(Status.CTAP2_OK);
    expect((await key.call(LARGE_BLOBS, setParams(array.subarray(101), 101, { auth }))).status).toBe(Status.CTAP1_ERR_INVALID_SEQ);
    expect((await key.call(LARGE_BLOBS, setParams(array.subarray(99), 99, { auth }))).status).toBe(Status.CTAP1_ERR_INVALID_SEQ);
    expect((await key.call(LARGE_BLOBS, setParams(array.subarray(100), 100, { auth }))).status).toBe(Status.CTAP2_OK);
    expect(await readAll(key)).toEqual(array);
  });

  it("a continuation without a write in progress is CTAP1_ERR_INVALID_SEQ", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    expect((await key.call(LARGE_BLOBS, setParams(new Uint8Array(10), 10))).status).toBe(Status.CTAP1_ERR_INVALID_SEQ);
  });

  it("a bad trailing hash is CTAP2_ERR_INTEGRITY_FAILURE and keeps the old array", async () => {
    key = await pinProtectedKey();
    const auth: Auth = { version: 1, token: await pinToken(key, 1, Permission.lbw) };
    const good = serializedArray([entry(100, 5)]);
    expect((await write(key, good, 1000, auth)).every((s) => s === Status.CTAP2_OK)).toBe(true);
    const bad = serializedArray([entry(150, 6)]);
    bad[bad.length - 1]! ^= 0x01;
    const statuses = await write(key, bad, 100, auth);
    expect(statuses).toEqual([...statuses.slice(0, -1).map(() => Status.CTAP2_OK), Status.CTAP2_ERR_INTEGRITY_FAILURE]);
    expect(statuses.length).toBeGreaterThan(1);
    expect(await readAll(key)).toEqual(good);
    // The failed write is over: continuing it is out of sequence.
    expect((await key.call(LARGE_BLOBS, setParams(new Uint8Array(1), bad.length, { auth }))).status).toBe(Status.CTAP1_ERR_INVALID_SEQ);
  });

  it.each([
    ["offset 0 without length", (auth: Auth) => setParams(new Uint8Array(20), 0, { auth }), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["a length under 17", (auth: Auth) => setParams(new Uint8Array(16), 0, { length: 16, auth }), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["a fragment longer than the announced length", (auth: Auth) => setParams(new Uint8Array(30), 0, { length: 20, auth }), Status.CTAP1_ERR_INVALID_PARAMETER],
    ["a fragment over maxFragmentLength", (auth: Auth) => setParams(new Uint8Array(MAX_FRAGMENT + 1), 0, { length: MAX_ARRAY, auth }), Status.CTAP1_ERR_INVALID_LENGTH],
  ])("answers %s with its status", async (_name, params, expected) => {
    key = await pinProtectedKey();
    const auth: Auth = { version: 2, token: await pinToken(key, 2, Permission.lbw) };
    expect((await key.call(LARGE_BLOBS, params(auth))).status).toBe(expected);
    expect(await readAll(key)).toEqual(INITIAL);
  });

  it("length is only allowed with offset 0", async () => {
    key = await pinProtectedKey();
    const auth: Auth = { version: 2, token: await pinToken(key, 2, Permission.lbw) };
    const array = serializedArray([entry(100, 1)]);
    expect((await key.call(LARGE_BLOBS, setParams(array.subarray(0, 50), 0, { length: array.length, auth }))).status).toBe(Status.CTAP2_OK);
    expect((await key.call(LARGE_BLOBS, setParams(array.subarray(50), 50, { length: array.length, auth }))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
  });
});

describe("authenticatorLargeBlobs: authorization", () => {
  it("a PIN-protected key needs a pinUvAuthParam (PUAT_REQUIRED) and a protocol (MISSING_PARAMETER)", async () => {
    key = await pinProtectedKey();
    const array = serializedArray([]);
    expect((await key.call(LARGE_BLOBS, setParams(array, 0, { length: array.length }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    const token = await pinToken(key, 2, Permission.lbw);
    const noProtocol = setParams(array, 0, { length: array.length, auth: { version: 2, token } });
    noProtocol.delete(6);
    expect((await key.call(LARGE_BLOBS, noProtocol)).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    const unknownProtocol = setParams(array, 0, { length: array.length, auth: { version: 2, token } });
    unknownProtocol.set(6, 3);
    expect((await key.call(LARGE_BLOBS, unknownProtocol)).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
  });

  it("a wrong pinUvAuthParam, another offset's or another fragment's is CTAP2_ERR_PIN_AUTH_INVALID", async () => {
    key = await pinProtectedKey();
    const token = await pinToken(key, 2, Permission.lbw);
    const array = serializedArray([entry(50, 2)]);
    const wrongToken = setParams(array, 0, { length: array.length, auth: { version: 2, token: new Uint8Array(32).fill(7) } });
    expect((await key.call(LARGE_BLOBS, wrongToken)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    const otherFragment = setParams(array, 0, { length: array.length, auth: { version: 2, token } });
    otherFragment.set(5, authenticate(2, token, writeMessage(0, array.subarray(1))));
    expect((await key.call(LARGE_BLOBS, otherFragment)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    const otherOffset = setParams(array, 0, { length: array.length, auth: { version: 2, token } });
    otherOffset.set(5, authenticate(2, token, writeMessage(1, array)));
    expect((await key.call(LARGE_BLOBS, otherOffset)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    // The protocol-one MAC of a protocol-two token does not pass for protocol two.
    const wrongProtocol = setParams(array, 0, { length: array.length, auth: { version: 1, token } });
    wrongProtocol.set(6, 2);
    expect((await key.call(LARGE_BLOBS, wrongProtocol)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect(await readAll(key)).toEqual(INITIAL);
  });

  it("a token without lbw is CTAP2_ERR_PIN_AUTH_INVALID", async () => {
    key = await pinProtectedKey();
    const token = await pinToken(key, 2, Permission.cm | Permission.acfg);
    const array = serializedArray([]);
    expect((await key.call(LARGE_BLOBS, setParams(array, 0, { length: array.length, auth: { version: 2, token } }))).status).toBe(
      Status.CTAP2_ERR_PIN_AUTH_INVALID,
    );
  });

  it("built-in UV protects the key too: a UV token with lbw writes", async () => {
    key = await openTestKey(); // built-in UV on, no PIN
    const array = serializedArray([entry(64, 3)]);
    expect((await key.call(LARGE_BLOBS, setParams(array, 0, { length: array.length }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    const auth: Auth = { version: 2, token: await uvToken(key, 2, Permission.lbw) };
    expect(await write(key, array, 50, auth)).toEqual([Status.CTAP2_OK, Status.CTAP2_OK, Status.CTAP2_OK]);
    expect(await readAll(key)).toEqual(array);
  });

  it("an unprotected key (no PIN, no built-in UV) writes without a pinUvAuthParam", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    const array = serializedArray([entry(10, 1), entry(20, 2)]);
    const statuses = await write(key, array, 40);
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.every((s) => s === Status.CTAP2_OK)).toBe(true);
    expect(await readAll(key)).toEqual(array);
  });

  it("reads never need a token, even on a protected key", async () => {
    key = await pinProtectedKey();
    expect((await get(key, 100)).status).toBe(Status.CTAP2_OK);
  });
});

describe("authenticatorLargeBlobs: persistence", () => {
  it("the committed array survives reopening the store, sealed like the rest", async () => {
    key = await pinProtectedKey({ persistent: true });
    const auth: Auth = { version: 2, token: await pinToken(key, 2, Permission.lbw) };
    const array = serializedArray([entry(500, 8)]);
    expect((await write(key, array, 300, auth)).every((s) => s === Status.CTAP2_OK)).toBe(true);
    await key.keystore!.close();

    const reopened = await Keystore.open(join(key.dir, "store"), "test passphrase");
    try {
      const authenticator = new Authenticator({ store: reopened, presence: createPresence({ uv: "off" }), config: defaultAuthenticatorConfig() });
      const response = parseResponse(await authenticator.transact(concat(Uint8Array.of(LARGE_BLOBS), encodeCanonical(new Map([[1, 1000], [3, 0]])))));
      expect(response.status).toBe(Status.CTAP2_OK);
      expect(response.body!.get(1)).toEqual(array);
    } finally {
      await reopened.close();
    }
    // The array is not in the database in the clear.
    const db = new Level<string, Uint8Array>(join(key.dir, "store"), { valueEncoding: "view" });
    const marker = Buffer.from(new Uint8Array(516).fill(8)).toString("hex");
    for await (const [, value] of db.iterator()) expect(Buffer.from(value).toString("hex")).not.toContain(marker.slice(0, 64));
    await db.close();
  });

  it("a pending write does not survive a power cycle", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    const array = serializedArray([entry(100, 1)]);
    expect((await key.call(LARGE_BLOBS, setParams(array.subarray(0, 50), 0, { length: array.length }))).status).toBe(Status.CTAP2_OK);
    const powerCycled = new Authenticator({ store: key.store, presence: createPresence({ uv: "off" }), config: defaultAuthenticatorConfig() });
    const rest = await powerCycled.transact(concat(Uint8Array.of(LARGE_BLOBS), encodeCanonical(setParams(array.subarray(50), 50))));
    expect(rest).toEqual(Uint8Array.of(Status.CTAP1_ERR_INVALID_SEQ));
  });

  it("authenticatorReset restores the initial empty array", async () => {
    let clock = 0;
    key = await openTestKey({ presence: { uv: "off" }, now: () => clock });
    const array = serializedArray([entry(30, 1)]);
    expect(await write(key, array, 100)).toEqual([Status.CTAP2_OK]);
    expect(await readAll(key)).toEqual(array);
    clock = 1_000;
    expect((await key.call(RESET)).status).toBe(Status.CTAP2_OK);
    expect(await readAll(key)).toEqual(INITIAL);
  });
});
