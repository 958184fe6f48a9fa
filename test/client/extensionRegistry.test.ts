/**
 * The client extension registry: who takes part in which ceremony, and that
 * the registry's order decides which refused input is reported and the order
 * of clientExtensionResults. (What each extension does end to end is in
 * test/webauthn.)
 */
import { describe, expect, it } from "vitest";
import { toBase64Url } from "../../src/bytes/base64url.js";
import { WebAuthnError } from "../../src/client/errors.js";
import {
  authenticationProcessors,
  authenticatorInputs,
  CLIENT_EXTENSIONS,
  clientOutputs,
  permissionsOf,
  registrationProcessors,
} from "../../src/client/extensions/registry.js";
import { parseCreationOptionsJSON, parseRequestOptionsJSON } from "../../src/client/optionsJSON.js";
import { parseCallerOrigin } from "../../src/client/origin.js";

const id = toBase64Url(new Uint8Array([1, 2, 3]));
const caller = parseCallerOrigin("https://login.example.com");

function creation(extensions: Record<string, unknown>, residentKey = "discouraged") {
  const options = parseCreationOptionsJSON({
    rp: { name: "Example" },
    user: { id, name: "alice", displayName: "Alice" },
    challenge: id,
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    authenticatorSelection: { residentKey },
    extensions,
  });
  return { options, caller };
}

function request(extensions: Record<string, unknown>) {
  return { options: parseRequestOptionsJSON({ challenge: id, allowCredentials: [{ type: "public-key", id }], extensions }), caller };
}

function thrown(run: () => unknown): WebAuthnError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebAuthnError);
    return error as WebAuthnError;
  }
  throw new Error("expected a WebAuthnError");
}

describe("client extension registry", () => {
  it("lists each extension once", () => {
    const names = CLIENT_EXTENSIONS.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      "appid",
      "appidExclude",
      "credProps",
      "prf",
      "hmacCreateSecret",
      "largeBlob",
      "credProtect",
      "credBlob",
      "getCredBlob",
      "minPinLength",
      "payment",
    ]);
  });

  it("starts only the extensions a ceremony's inputs ask for", () => {
    expect(registrationProcessors(creation({}))).toHaveLength(0);
    // credProtect takes part unasked for discoverable credentials, as Chrome's default policy does.
    expect(registrationProcessors(creation({}, "required"))).toHaveLength(1);
    expect(registrationProcessors(creation({ credProps: true, prf: {}, hmacCreateSecret: true, largeBlob: {} }))).toHaveLength(4);
    // hmacCreateSecret and credProtect belong to create() alone and are ignored at get(); appid at
    // create() and credProps at get() are refused, as Chrome refuses them.
    expect(authenticationProcessors(request({ hmacCreateSecret: true, credentialProtectionPolicy: "userVerificationRequired" }))).toHaveLength(0);
    expect(thrown(() => registrationProcessors(creation({ appid: "https://example.com" }))).name).toBe("NotSupportedError");
    expect(thrown(() => authenticationProcessors(request({ credProps: true }))).name).toBe("NotSupportedError");
    expect(authenticationProcessors(request({ appid: "", prf: {}, largeBlob: { read: true } }))).toHaveLength(3);
  });

  it("reports the first refused input in registry order", () => {
    const both = { largeBlob: { read: true }, credentialProtectionPolicy: 3 };
    expect(thrown(() => registrationProcessors(creation(both))).name).toBe("NotSupportedError");
    expect(thrown(() => registrationProcessors(creation({ credentialProtectionPolicy: 3 }))).name).toBe("TypeError");
  });

  it("merges inputs and outputs in registry order, and ORs permissions", async () => {
    const processors = [
      { inputs: () => ({ "hmac-secret": true }), outputs: () => ({ b: 1 }) },
      { inputs: async () => ({ "hmac-secret": true, largeBlobKey: true }), outputs: async () => ({ a: 2 }) },
    ];
    expect([...(await authenticatorInputs(processors, {})).keys()]).toEqual(["hmac-secret", "largeBlobKey"]);
    expect(Object.keys(await clientOutputs(processors, {}))).toEqual(["b", "a"]);
    expect(permissionsOf([{ permissions: 0x10 }, undefined, { permissions: 0x01 }])).toBe(0x11);
  });

  it("refuses two different inputs under one CTAP identifier", async () => {
    const clash = [{ inputs: () => ({ credProtect: 2 }) }, { inputs: () => ({ credProtect: 3 }) }];
    await expect(authenticatorInputs(clash, {})).rejects.toThrow(/credProtect/);
  });
});
