/**
 * The decisions Chrome makes before it talks to a key (PINUVDisposition,
 * residentKey "preferred", UV requirements), as pure functions of getInfo.
 */
import { describe, expect, it } from "vitest";
import type { AuthenticatorInfo } from "../../src/client/ctap/authenticatorGetInfo.js";
import { authenticationUvRequirement, registrationUvRequirement, resolveResidentKey } from "../../src/client/requirements.js";
import { uvDisposition } from "../../src/client/userVerification.js";
import { pinProblem } from "../../src/client/pin/pinRules.js";
import { choosePinUvAuthProtocol } from "../../src/client/pin/keyAgreement.js";

function info(options: Record<string, boolean>, extra: Partial<AuthenticatorInfo> = {}): AuthenticatorInfo {
  return {
    versions: ["FIDO_2_1"],
    extensions: [],
    aaguid: new Uint8Array(16),
    options: new Map(Object.entries(options)),
    pinUvAuthProtocols: [2, 1],
    transports: ["usb"],
    forcePinChange: false,
    minPinLength: 4,
    ...extra,
  };
}

const PIN_SET = info({ rk: true, clientPin: true, pinUvAuthToken: true, makeCredUvNotRqd: true });
const NO_PIN = info({ rk: true, clientPin: false, pinUvAuthToken: true, makeCredUvNotRqd: true });
const UV_TOKEN = info({ rk: true, uv: true, clientPin: true, pinUvAuthToken: true });
const UV_ONLY_CTAP20 = info({ rk: true, uv: true });
const NOTHING = info({ rk: true });

describe("uvDisposition", () => {
  it.each([
    ["discouraged never verifies", "discouraged", UV_TOKEN, true, "none"],
    ["preferred without a usable PIN or UV goes without", "preferred", PIN_SET, false, "none"],
    ["preferred with the PIN uses it", "preferred", PIN_SET, true, "pinToken"],
    ["built-in UV with pinUvAuthToken uses the UV token", "preferred", UV_TOKEN, false, "uvToken"],
    ["built-in UV without pinUvAuthToken sends the uv option", "required", UV_ONLY_CTAP20, false, "builtIn"],
    ["required with the PIN uses it", "required", PIN_SET, true, "pinToken"],
    ["required without the PIN is unsatisfiable", "required", PIN_SET, false, "unsatisfiable"],
    ["required with no PIN set is unsatisfiable", "required", NO_PIN, true, "unsatisfiable"],
    ["required with nothing is unsatisfiable", "required", NOTHING, true, "unsatisfiable"],
  ] as const)("%s", (_name, requirement, authenticator, pinAvailable, kind) => {
    expect(uvDisposition(requirement, authenticator, pinAvailable).kind).toBe(kind);
  });

  it("says why UV cannot be had", () => {
    const message = (i: AuthenticatorInfo, pin: boolean) => {
      const d = uvDisposition("required", i, pin);
      return d.kind === "unsatisfiable" ? d.message : "";
    };
    expect(message(PIN_SET, false)).toMatch(/needs its PIN: pass pin \/ --pin-file \/ SOFTKEY_PIN/);
    expect(message(NO_PIN, true)).toMatch(/set a PIN first/);
    expect(message(NOTHING, true)).toMatch(/offers no user verification/);
  });
});

describe("requirements", () => {
  it("makes UV required for discoverable credentials, alwaysUv, and PIN-protected registrations", () => {
    expect(registrationUvRequirement("discouraged", NOTHING, true, false)).toBe("required");
    expect(registrationUvRequirement("discouraged", info({ alwaysUv: true }), false, false)).toBe("required");
    expect(registrationUvRequirement("preferred", PIN_SET, false, false)).toBe("required");
    // makeCredUvNotRqd lets a discouraged, non-discoverable registration go without the PIN...
    expect(registrationUvRequirement("discouraged", PIN_SET, false, false)).toBe("discouraged");
    // ...unless hmac-secret raised it to preferred.
    expect(registrationUvRequirement("discouraged", PIN_SET, false, true)).toBe("required");
    expect(registrationUvRequirement("discouraged", NOTHING, false, true)).toBe("preferred");
    expect(authenticationUvRequirement("discouraged", NOTHING, true)).toBe("required");
    expect(authenticationUvRequirement("discouraged", NOTHING, false)).toBe("discouraged");
  });

  it("makes residentKey preferred discoverable only where the user can be verified and there is room", () => {
    expect(resolveResidentKey("preferred", UV_TOKEN, true)).toBe(true);
    expect(resolveResidentKey("preferred", NOTHING, false)).toBe(false);
    expect(resolveResidentKey("preferred", info({ rk: true, uv: true }, { remainingDiscoverableCredentials: 0 }), true)).toBe(false);
    expect(resolveResidentKey("required", NOTHING, false)).toBe(true);
    expect(() => resolveResidentKey("required", info({ rk: false }), true)).toThrow(/discoverable/);
  });
});

describe("PIN rules and protocols", () => {
  it("counts code points for the minimum and UTF-8 bytes for the maximum", () => {
    expect(pinProblem("1234", 4)).toBeUndefined();
    expect(pinProblem("123", 4)).toMatch(/at least 4/);
    expect(pinProblem("ééé", 4)).toMatch(/at least 4/);
    expect(pinProblem("😀😀😀😀", 4)).toBeUndefined();
    expect(pinProblem("€".repeat(21), 4)).toBeUndefined();
    expect(pinProblem("€".repeat(22), 4)).toMatch(/at most 63 bytes/);
    expect(pinProblem("12\u{0}4", 4)).toMatch(/NUL/);
    expect(pinProblem("12\uD8004", 4)).toMatch(/surrogate/);
  });

  it("chooses protocol two when offered, one otherwise", () => {
    expect(choosePinUvAuthProtocol(info({ clientPin: true }, { pinUvAuthProtocols: [1, 2] }))).toBe(2);
    expect(choosePinUvAuthProtocol(info({ clientPin: true }, { pinUvAuthProtocols: [1] }))).toBe(1);
    expect(choosePinUvAuthProtocol(info({ clientPin: true }, { pinUvAuthProtocols: [] }))).toBe(1);
    expect(choosePinUvAuthProtocol(info({}, { pinUvAuthProtocols: [] }))).toBeUndefined();
    expect(choosePinUvAuthProtocol(info({ clientPin: true }, { pinUvAuthProtocols: [3] }))).toBeUndefined();
  });
});
