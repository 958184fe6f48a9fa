/**
 * The largeBlob extension (WebAuthn L3 section 10.1.5) through the client,
 * the core's largeBlobKey extension and its authenticatorLargeBlobs command:
 * writes and reads round-trip, entries of different credentials stay apart,
 * big arrays travel in fragments, and a PIN-protected key needs a token with
 * the lbw permission.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { CborMap } from "../../src/ctap/cbor.js";
import { toBase64Url } from "../../src/bytes/base64url.js";
import type { WebAuthnClient } from "../../src/client/index.js";
import { setPin } from "../../src/client/pin/index.js";
import { readLargeBlobArray } from "../../src/client/extensions/largeBlobArray.js";
import { authenticate, clientFor, openSoftkey, RecordingTransport, register, rejection, type Registered, type TestSoftkey } from "./helpers.js";

let softkey: TestSoftkey | undefined;
afterEach(async () => {
  await softkey?.close();
  softkey = undefined;
});

async function setup(open: Parameters<typeof openSoftkey>[0] = { uv: "on" }) {
  softkey = await openSoftkey(open);
  const transport = new RecordingTransport(softkey.key.authenticator);
  return { transport, client: clientFor(transport) };
}

async function blobCredential(client: WebAuthnClient, userName: string): Promise<Registered> {
  const registered = await register(client, {
    userName,
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    extensions: { largeBlob: { support: "required" } },
  });
  expect(registered.response.clientExtensionResults.largeBlob).toEqual({ supported: true });
  return registered;
}

async function write(client: WebAuthnClient, all: Registered[], target: Registered, blob: Uint8Array) {
  const { assertion } = await authenticate(client, all, { allow: [target], extensions: { largeBlob: { write: toBase64Url(blob) } } });
  return assertion.clientExtensionResults.largeBlob;
}

async function read(client: WebAuthnClient, all: Registered[], target?: Registered) {
  const { assertion } = await authenticate(client, all, {
    ...(target ? { allow: [target] } : {}),
    userVerification: "required",
    extensions: { largeBlob: { read: true } },
  });
  return assertion.clientExtensionResults.largeBlob;
}

describe("largeBlob at registration", () => {
  it("asks for a largeBlobKey on a discoverable credential and reports supported", async () => {
    const { client, transport } = await setup();
    await blobCredential(client, "alice");
    expect((transport.paramsOf(0x01)[0]!.get(6) as CborMap).get("largeBlobKey")).toBe(true);
  });

  it("supported: false for a non-discoverable credential when preferred; NotAllowedError when required", async () => {
    const { client } = await setup();
    const preferred = await register(client, { authenticatorSelection: { residentKey: "discouraged" }, extensions: { largeBlob: {} } });
    expect(preferred.response.clientExtensionResults.largeBlob).toEqual({ supported: false });
    const required = await rejection(
      register(client, { authenticatorSelection: { residentKey: "discouraged" }, extensions: { largeBlob: { support: "required" } } }),
    );
    expect(required.name).toBe("NotAllowedError");
    expect(required.message).toMatch(/discoverable/);
  });

  it("refuses read and write at registration", async () => {
    const { client } = await setup();
    for (const largeBlob of [{ read: true }, { write: toBase64Url(Uint8Array.of(1)) }]) {
      expect((await rejection(register(client, { extensions: { largeBlob } }))).name).toBe("NotSupportedError");
    }
  });
});

describe("largeBlob at authentication", () => {
  it("writes a blob and reads it back, with allowCredentials and without", async () => {
    const { client } = await setup();
    const alice = await blobCredential(client, "alice");
    expect(await read(client, [alice], alice)).toEqual({});
    const blob = new TextEncoder().encode("a certificate, say ".repeat(20));
    expect(await write(client, [alice], alice, blob)).toEqual({ written: true });
    expect(await read(client, [alice], alice)).toEqual({ blob: toBase64Url(blob) });
    expect(await read(client, [alice])).toEqual({ blob: toBase64Url(blob) });
  });

  it("keeps each credential's blob apart, and an overwrite replaces only that credential's entry", async () => {
    const { client, transport } = await setup();
    const alice = await blobCredential(client, "alice");
    const bob = await blobCredential(client, "bob");
    const both = [alice, bob];
    const aliceBlob = new Uint8Array(randomBytes(300));
    const bobBlob = new TextEncoder().encode("bob's blob");
    expect(await write(client, both, alice, aliceBlob)).toEqual({ written: true });
    expect(await write(client, both, bob, bobBlob)).toEqual({ written: true });
    expect(await read(client, both, alice)).toEqual({ blob: toBase64Url(aliceBlob) });
    expect(await read(client, both, bob)).toEqual({ blob: toBase64Url(bobBlob) });

    const replaced = new TextEncoder().encode("alice, again");
    expect(await write(client, both, alice, replaced)).toEqual({ written: true });
    expect(await read(client, both, alice)).toEqual({ blob: toBase64Url(replaced) });
    expect(await read(client, both, bob)).toEqual({ blob: toBase64Url(bobBlob) });
    const info = await client.getInfo();
    expect(await readLargeBlobArray(transport, info)).toHaveLength(2);
  });

  it("moves a large array in fragments of maxMsgSize - 64 bytes", async () => {
    const { client, transport } = await setup({ uv: "on", config: { maxMsgSize: 512 } });
    const alice = await blobCredential(client, "alice");
    const blob = new Uint8Array(randomBytes(1500));
    transport.clear();
    expect(await write(client, [alice], alice, blob)).toEqual({ written: true });
    const sets = transport.paramsOf(0x0c).filter((p) => p.has(2));
    expect(sets.length).toBeGreaterThan(3);
    expect(sets.map((p) => p.get(3))).toEqual(sets.map((_, i) => i * 448));
    expect(sets[0]!.get(4)).toBeGreaterThan(1500);
    expect(sets.slice(1).every((p) => !p.has(4))).toBe(true);
    // The key has built-in UV, so each fragment carries a pinUvAuthParam from the lbw token.
    expect(sets.every((p) => p.get(5) instanceof Uint8Array && p.get(6) === 2)).toBe(true);
    transport.clear();
    expect(await read(client, [alice], alice)).toEqual({ blob: toBase64Url(blob) });
    expect(transport.paramsOf(0x0c).length).toBeGreaterThan(3);
  });

  it("on a PIN-protected key, writes with a PIN token carrying the lbw permission", async () => {
    softkey = await openSoftkey({ uv: "off" });
    await setPin(softkey.key.authenticator, "1234");
    const transport = new RecordingTransport(softkey.key.authenticator);
    const client = clientFor(transport, { pin: "1234" });
    const alice = await blobCredential(client, "alice");
    transport.clear();
    const blob = new TextEncoder().encode("protected");
    expect(await write(client, [alice], alice, blob)).toEqual({ written: true });
    const tokenRequest = transport.paramsOf(0x06).find((p) => p.get(2) === 0x09)!;
    expect(tokenRequest.get(9)).toBe(0x02 | 0x10);
    expect(await read(client, [alice], alice)).toEqual({ blob: toBase64Url(blob) });
  });

  it("reports written: false when the array would not fit, and leaves the stored array alone", async () => {
    const { client } = await setup();
    const alice = await blobCredential(client, "alice");
    expect(await write(client, [alice], alice, Uint8Array.of(1, 2, 3))).toEqual({ written: true });
    expect(await write(client, [alice], alice, new Uint8Array(randomBytes(5000)))).toEqual({ written: false });
    expect(await read(client, [alice], alice)).toEqual({ blob: toBase64Url(Uint8Array.of(1, 2, 3)) });
  });

  it("refuses support at authentication, read with write, and a write without exactly one credential", async () => {
    const { client } = await setup();
    const alice = await blobCredential(client, "alice");
    const bob = await blobCredential(client, "bob");
    const one = toBase64Url(Uint8Array.of(1));
    const cases: [Registered[], Record<string, unknown>][] = [
      [[alice], { support: "preferred" }],
      [[alice], { read: true, write: one }],
      [[alice, bob], { write: one }],
      [[], { write: one }],
    ];
    for (const [allow, largeBlob] of cases) {
      const error = await rejection(authenticate(client, [alice, bob], { allow, extensions: { largeBlob } }));
      expect(error.name).toBe("NotSupportedError");
    }
  });
});
