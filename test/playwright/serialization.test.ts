/**
 * The wire codec of softkey/playwright runs in the page, but it is plain
 * code over globals Node has too (btoa, atob, DOMException): the same
 * function, tested here without a browser. And the init script that carries
 * it must stand on its own once serialised.
 */
import { describe, expect, it } from "vitest";
import { Script, createContext } from "node:vm";
import { createWireCodec } from "../../src/browser/serialization.js";
import { initScript } from "../../src/browser/pageShim.js";
import { allowAttributeAllows } from "../../src/playwright/frameOrigin.js";

const codec = createWireCodec();
const bytes = (...values: number[]) => new Uint8Array(values);

describe("createWireCodec", () => {
  it("base64url round-trips any length and refuses what is not base64url", () => {
    for (let n = 0; n < 40; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = codec.toBase64Url(data);
      expect(text).toBe(Buffer.from(data).toString("base64url"));
      expect(new Uint8Array(codec.fromBase64Url(text, "x"))).toEqual(data);
    }
    expect(new Uint8Array(codec.fromBase64Url("AQI=", "x"))).toEqual(bytes(1, 2));
    for (const bad of ["a+b", "a/b", "A", "AQI==", "AQ=I", "AQ I"]) {
      expect(() => codec.fromBase64Url(bad, "x")).toThrow(expect.objectContaining({ name: "EncodingError" }));
    }
  });

  it("turns creation options with BufferSources into their JSON form", () => {
    const view = new DataView(bytes(9, 9, 1, 2, 9).buffer, 2, 2);
    const json = codec.creationOptionsToJSON({
      rp: { id: "example.com", name: "Example", icon: "dropped" },
      user: { id: view, name: "alice", displayName: "Alice" },
      challenge: bytes(1, 2, 3).buffer,
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      excludeCredentials: [{ type: "public-key", id: bytes(4, 5, 6), transports: ["usb"] }],
      authenticatorSelection: { residentKey: "required", userVerification: undefined },
      attestation: "direct",
      timeout: undefined,
      extensions: { credProps: true, prf: { eval: { first: bytes(8, 9, 10) } }, fn: () => 1 },
    });
    expect(json).toEqual({
      rp: { id: "example.com", name: "Example" },
      user: { id: "AQI", name: "alice", displayName: "Alice" },
      challenge: "AQID",
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      excludeCredentials: [{ type: "public-key", id: "BAUG", transports: ["usb"] }],
      authenticatorSelection: { residentKey: "required" },
      attestation: "direct",
      extensions: { credProps: true, prf: { eval: { first: "CAkK" } } },
    });
  });

  it("throws TypeError where WebIDL conversion would", () => {
    expect(() => codec.requestOptionsToJSON({})).toThrow(TypeError);
    expect(() => codec.requestOptionsToJSON({ challenge: "AQID" })).toThrow(TypeError);
    expect(() => codec.requestOptionsToJSON({ challenge: bytes(1), allowCredentials: [{ type: "public-key" }] })).toThrow(TypeError);
    expect(() => codec.creationOptionsToJSON({ rp: { name: "x" }, challenge: bytes(1), pubKeyCredParams: [] })).toThrow(TypeError);
    expect(codec.requestOptionsToJSON({ challenge: bytes(1), rpId: "example.com", userVerification: "required" })).toEqual({
      challenge: "AQ",
      rpId: "example.com",
      userVerification: "required",
    });
  });

  it("parses options from JSON back to ArrayBuffers, extensions included", () => {
    const creation = codec.parseCreationOptionsFromJSON({
      rp: { name: "x" },
      user: { id: "AQI", name: "u", displayName: "U" },
      challenge: "AQID",
      pubKeyCredParams: [{ type: "public-key", alg: -8 }],
      excludeCredentials: [{ type: "public-key", id: "BAUG" }],
      extensions: { largeBlob: { support: "preferred" }, credBlob: "AQ" },
    }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(new Uint8Array(creation.user.id)).toEqual(bytes(1, 2));
    expect(new Uint8Array(creation.challenge)).toEqual(bytes(1, 2, 3));
    expect(new Uint8Array(creation.excludeCredentials[0].id)).toEqual(bytes(4, 5, 6));
    expect(creation.extensions.largeBlob).toEqual({ support: "preferred" });
    expect(new Uint8Array(creation.extensions.credBlob)).toEqual(bytes(1));

    const request = codec.parseRequestOptionsFromJSON({
      challenge: "AQID",
      extensions: { prf: { evalByCredential: { BAUG: { first: "CAkK", second: "Cw" } } }, largeBlob: { write: "DA" } },
    }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(new Uint8Array(request.extensions.prf.evalByCredential.BAUG.second)).toEqual(bytes(11));
    expect(new Uint8Array(request.extensions.largeBlob.write)).toEqual(bytes(12));
    expect(() => codec.parseRequestOptionsFromJSON({})).toThrow(TypeError);
    expect(() => codec.parseRequestOptionsFromJSON({ challenge: "a+b" })).toThrow(expect.objectContaining({ name: "EncodingError" }));
  });

  it("gives extension outputs back as a page sees them", () => {
    const out = codec.extensionOutputsFromJSON({ prf: { enabled: true, results: { first: "AQ" } }, largeBlob: { blob: "Ag" }, credProps: { rk: true } });
    expect(out.credProps).toEqual({ rk: true });
    expect((out.prf as { enabled: boolean }).enabled).toBe(true);
    expect(new Uint8Array((out.prf as { results: { first: ArrayBuffer } }).results.first)).toEqual(bytes(1));
    expect((out.largeBlob as { blob: unknown }).blob).toBeInstanceOf(ArrayBuffer);
  });
});

describe("initScript", () => {
  it("is self-contained: it runs in a bare context and installs the statics", async () => {
    const credentials = { create: async () => "native create", get: async () => "native get" };
    class PublicKeyCredential {}
    const sandbox: Record<string, unknown> = {
      isSecureContext: true,
      origin: "https://example.com",
      navigator: { credentials },
      PublicKeyCredential,
      DOMException,
      btoa,
      atob,
      crypto: globalThis.crypto,
    };
    const context = createContext(sandbox);
    new Script(initScript({ binding: "__b", userVerifyingPlatformAuthenticator: true, capabilities: { conditionalGet: true } })).runInContext(context);
    const PKC = sandbox.PublicKeyCredential as unknown as Record<string, () => Promise<unknown>>;
    await expect(PKC.isUserVerifyingPlatformAuthenticatorAvailable!()).resolves.toBe(true);
    await expect(PKC.getClientCapabilities!()).resolves.toEqual({ conditionalGet: true });
    // Not for publicKey: the original function answers.
    await expect((credentials.get as (o: unknown) => Promise<unknown>)({ password: true })).resolves.toBe("native get");
    // No binding exposed: NotAllowedError, as a DOMException.
    await expect((credentials.get as (o: unknown) => Promise<unknown>)({ publicKey: { challenge: bytes(1) } })).rejects.toMatchObject({
      name: "NotAllowedError",
    });
  });
});

describe("allowAttributeAllows", () => {
  const origins = { frame: "https://idp.example", parent: "https://shop.example", src: "https://idp.example" };
  it("reads an iframe's allow attribute as a container policy", () => {
    const get = "publickey-credentials-get";
    expect(allowAttributeAllows(null, get, origins)).toBe(false);
    expect(allowAttributeAllows("camera", get, origins)).toBe(false);
    expect(allowAttributeAllows(get, get, origins)).toBe(true); // 'src' by default
    expect(allowAttributeAllows(get, get, { ...origins, src: "https://other.example" })).toBe(false);
    expect(allowAttributeAllows(`camera; ${get} *`, get, origins)).toBe(true);
    expect(allowAttributeAllows(`${get} 'none'`, get, origins)).toBe(false);
    expect(allowAttributeAllows(`${get} 'self'`, get, origins)).toBe(false);
    expect(allowAttributeAllows(`${get} https://idp.example`, get, origins)).toBe(true);
    expect(allowAttributeAllows(`${get} https://evil.example`, get, origins)).toBe(false);
    expect(allowAttributeAllows("publickey-credentials-create", get, origins)).toBe(false);
  });
});
