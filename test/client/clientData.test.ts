import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ccdString, hashClientData, serializeClientData } from "../../src/client/clientData.js";

const challenge = new Uint8Array([0xfb, 0xff, 0x01, 0x02]);

describe("clientDataJSON", () => {
  it("serializes create in the spec's fixed order", () => {
    const bytes = serializeClientData({ type: "webauthn.create", challenge, origin: "https://example.com" });
    expect(new TextDecoder().decode(bytes)).toBe(
      '{"type":"webauthn.create","challenge":"-_8BAg","origin":"https://example.com","crossOrigin":false}',
    );
  });

  it("adds topOrigin and crossOrigin:true for a cross-origin caller", () => {
    const text = new TextDecoder().decode(
      serializeClientData({
        type: "webauthn.get",
        challenge,
        origin: "https://idp.example",
        topOrigin: "https://shop.example",
      }),
    );
    expect(text).toBe(
      '{"type":"webauthn.get","challenge":"-_8BAg","origin":"https://idp.example","crossOrigin":true,"topOrigin":"https://shop.example"}',
    );
    expect(JSON.parse(text)).toEqual({
      type: "webauthn.get",
      challenge: "-_8BAg",
      origin: "https://idp.example",
      crossOrigin: true,
      topOrigin: "https://shop.example",
    });
  });

  it("hashes the exact bytes with SHA-256", () => {
    const bytes = serializeClientData({ type: "webauthn.get", challenge, origin: "http://localhost:3000" });
    expect(Buffer.from(hashClientData(bytes))).toEqual(createHash("sha256").update(bytes).digest());
  });

  it("escapes strings as CCDToString does and JSON parses back", () => {
    const tricky = 'a"b\\c\n\u0001é😀';
    const encoded = ccdString(tricky);
    expect(encoded).toBe('"a\\"b\\\\c\\u000a\\u0001é😀"');
    expect(JSON.parse(encoded)).toBe(tricky);
  });
});
