import { generateAuthenticationOptions, generateRegistrationOptions } from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/bytes/base64url.js";
import { WebAuthnError } from "../../src/client/errors.js";
import {
  parseCreationOptionsJSON,
  parseRequestOptionsJSON,
  type PublicKeyCredentialCreationOptionsJSON,
} from "../../src/client/optionsJSON.js";

function creation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rp: { id: "example.com", name: "Example" },
    user: { id: toBase64Url(new Uint8Array([1, 2, 3])), name: "alice", displayName: "Alice" },
    challenge: toBase64Url(new Uint8Array(32).fill(7)),
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    ...overrides,
  };
}

function failure(fn: () => unknown): WebAuthnError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebAuthnError);
    return error as WebAuthnError;
  }
  throw new Error("expected an error");
}

describe("parseCreationOptionsJSON", () => {
  it("takes generateRegistrationOptions output as is", async () => {
    const json = await generateRegistrationOptions({
      rpName: "Example",
      rpID: "example.com",
      userName: "alice",
      excludeCredentials: [{ id: toBase64Url(new Uint8Array([9, 9])), transports: ["usb"] }],
    });
    // Compile-time: SimpleWebAuthn's type is assignable to ours.
    const typed: PublicKeyCredentialCreationOptionsJSON = json;
    const options = parseCreationOptionsJSON(typed);
    expect(toBase64Url(options.challenge)).toBe(json.challenge);
    expect(toBase64Url(options.user.id)).toBe(json.user.id);
    expect(options.rp).toEqual({ id: "example.com", name: "Example" });
    expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual(json.pubKeyCredParams.map((p) => p.alg));
    expect(options.excludeCredentials).toEqual([{ type: "public-key", id: new Uint8Array([9, 9]), transports: ["usb"] }]);
    expect(options.residentKey).toBe("preferred");
    expect(options.userVerification).toBe("preferred");
    expect(options.attestation).toBe("none");
    expect(options.timeout).toBe(60000);
    expect(options.extensions).toEqual({ credProps: true });
  });

  it("unwraps { publicKey } and parses JSON strings", () => {
    const inner = creation();
    expect(parseCreationOptionsJSON({ publicKey: inner }).rp.name).toBe("Example");
    expect(parseCreationOptionsJSON(JSON.stringify({ publicKey: inner })).user.name).toBe("alice");
  });

  it("applies the spec's defaults", () => {
    const options = parseCreationOptionsJSON(creation({ pubKeyCredParams: [] }));
    expect(options.pubKeyCredParams).toEqual([
      { type: "public-key", alg: -7 },
      { type: "public-key", alg: -257 },
    ]);
    expect(options.residentKey).toBe("discouraged");
    expect(options.userVerification).toBe("preferred");
    expect(options.attestation).toBe("none");
    expect(options.excludeCredentials).toEqual([]);
    expect(options.timeout).toBeUndefined();
  });

  it("resolves residentKey against requireResidentKey (section 5.4.4)", () => {
    const rk = (selection: Record<string, unknown>) =>
      parseCreationOptionsJSON(creation({ authenticatorSelection: selection })).residentKey;
    expect(rk({ requireResidentKey: true })).toBe("required");
    expect(rk({ requireResidentKey: false })).toBe("discouraged");
    expect(rk({ residentKey: "preferred", requireResidentKey: true })).toBe("preferred");
    expect(rk({ residentKey: "bogus", requireResidentKey: true })).toBe("required");
  });

  it("ignores unknown enum values and credential types", () => {
    const options = parseCreationOptionsJSON(
      creation({
        attestation: "everything",
        authenticatorSelection: { userVerification: "maybe", authenticatorAttachment: "watch" },
        pubKeyCredParams: [
          { type: "future-key", alg: -7 },
          { type: "public-key", alg: -8 },
        ],
        excludeCredentials: [
          { type: "future-key", id: "AQ" },
          { type: "public-key", id: "Ag" },
        ],
      }),
    );
    expect(options.attestation).toBe("none");
    expect(options.userVerification).toBe("preferred");
    expect(options.authenticatorAttachment).toBeUndefined();
    expect(options.pubKeyCredParams).toEqual([{ type: "public-key", alg: -8 }]);
    expect(options.excludeCredentials.map((d) => d.id)).toEqual([new Uint8Array([2])]);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["missing challenge", { challenge: undefined }, "TypeError", /challenge is required/],
    ["empty challenge", { challenge: "" }, "TypeError", /challenge is empty/],
    ["bad base64url challenge", { challenge: "abc+/def" }, "EncodingError", /challenge is not valid base64url/],
    ["missing rp", { rp: undefined }, "TypeError", /^rp is required/],
    ["missing rp.name", { rp: { id: "example.com" } }, "TypeError", /rp.name/],
    ["missing user", { user: undefined }, "TypeError", /^user is required/],
    ["bad user.id", { user: { id: "!!", name: "a", displayName: "A" } }, "EncodingError", /user.id/],
    [
      "user.id longer than 64 bytes",
      { user: { id: toBase64Url(new Uint8Array(65)), name: "a", displayName: "A" } },
      "TypeError",
      /1 to 64 bytes, got 65/,
    ],
    ["empty user.id", { user: { id: "", name: "a", displayName: "A" } }, "TypeError", /got 0/],
    ["missing user.displayName", { user: { id: "AQ", name: "a" } }, "TypeError", /user.displayName/],
    ["missing pubKeyCredParams", { pubKeyCredParams: undefined }, "TypeError", /pubKeyCredParams/],
    ["non-integer alg", { pubKeyCredParams: [{ type: "public-key", alg: "ES256" }] }, "TypeError", /alg/],
    [
      "no public-key params",
      { pubKeyCredParams: [{ type: "password", alg: -7 }] },
      "NotSupportedError",
      /no entry of type "public-key"/,
    ],
    ["bad excludeCredentials id", { excludeCredentials: [{ type: "public-key", id: "a b" }] }, "EncodingError", /excludeCredentials\[0\]\.id/],
    ["excludeCredentials not an array", { excludeCredentials: {} }, "TypeError", /excludeCredentials/],
    ["negative timeout", { timeout: -1 }, "TypeError", /timeout/],
    ["requireResidentKey not boolean", { authenticatorSelection: { requireResidentKey: "yes" } }, "TypeError", /requireResidentKey/],
  ])("rejects %s", (_, overrides, name, message) => {
    const error = failure(() => parseCreationOptionsJSON(creation(overrides)));
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
  });

  it("rejects non-objects and invalid JSON", () => {
    expect(failure(() => parseCreationOptionsJSON(null)).name).toBe("TypeError");
    expect(failure(() => parseCreationOptionsJSON([])).name).toBe("TypeError");
    expect(failure(() => parseCreationOptionsJSON("{nope")).message).toMatch(/not valid JSON/);
  });
});

describe("parseRequestOptionsJSON", () => {
  it("takes generateAuthenticationOptions output as is", async () => {
    const json = await generateAuthenticationOptions({
      rpID: "example.com",
      allowCredentials: [{ id: toBase64Url(new Uint8Array([5, 6, 7])) }],
      userVerification: "required",
    });
    const options = parseRequestOptionsJSON(json);
    expect(options.rpId).toBe("example.com");
    expect(toBase64Url(options.challenge)).toBe(json.challenge);
    expect(options.allowCredentials).toEqual([{ type: "public-key", id: new Uint8Array([5, 6, 7]) }]);
    expect(options.userVerification).toBe("required");
  });

  it("defaults to a discoverable request with preferred UV", () => {
    const options = parseRequestOptionsJSON({ publicKey: { challenge: "AAAA" } });
    expect(options.allowCredentials).toEqual([]);
    expect(options.userVerification).toBe("preferred");
    expect(options.rpId).toBeUndefined();
    expect(options.challenge).toEqual(fromBase64Url("AAAA"));
  });

  it("rejects a missing challenge and a non-string rpId", () => {
    expect(failure(() => parseRequestOptionsJSON({})).message).toMatch(/challenge is required/);
    expect(failure(() => parseRequestOptionsJSON({ challenge: "AAAA", rpId: 5 })).message).toMatch(/rpId/);
  });
});
