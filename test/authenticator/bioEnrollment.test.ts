/**
 * authenticatorBioEnrollment (0x09 and prototype 0x40, CTAP 2.2 section 6.7)
 * at the byte level through the real core, with the fingerprint policy of
 * src/presence choosing the finger: enrollment and its sample statuses,
 * cancel, timeouts, a full sensor, friendly names, and built-in UV that is
 * "configured" only once a template is enrolled.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { DEFAULT_FINGERPRINT_SENSOR, type AuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import type { PresenceOptions } from "../../src/presence/index.js";
import { concat, getAssertionParams, makeCredentialParams, openTestKey, type TestKey } from "../helpers/ctap.js";
import { PinPlatform } from "../helpers/pinPlatform.js";

const INFO = 0x04;
const BIO = 0x09;
const BIO_PROTOTYPE = 0x40;
const GA = 0x02;
const MC = 0x01;
const BE = 0x08;
const PIN = "9731";

const BIO_KEY: Partial<AuthenticatorConfig> = {
  versions: ["FIDO_2_0", "FIDO_2_1_PRE", "FIDO_2_1", "FIDO_2_2"],
  optionalFeatures: ["credMgmt", "authnrCfg", "bioEnroll", "uvBioEnroll"],
  fingerprint: { ...DEFAULT_FINGERPRINT_SENSOR, maxTemplates: 2, maxCaptureSamplesRequiredForEnroll: 3 },
  userActionTimeoutMs: 200,
};

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

interface Bio {
  k: TestKey;
  platform: PinPlatform;
  token: Uint8Array;
  call(subCommand: number, params?: Map<number, unknown>, command?: number): Promise<{ status: number; body?: Map<number, unknown> }>;
}

async function bioKey(presence: PresenceOptions = {}, config: Partial<AuthenticatorConfig> = BIO_KEY): Promise<Bio> {
  key = await openTestKey({ config, presence });
  const k = key;
  const platform = new PinPlatform(k.call, 2);
  expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
  const token = await platform.requireToken(PIN, BE);
  return {
    k,
    platform,
    token,
    call(subCommand, params, command = BIO) {
      const encoded = params ? encodeCanonical(params) : new Uint8Array(0);
      const request = new Map<number, unknown>([[1, 1], [2, subCommand], [4, 2], [5, platform.authenticate(token, concat(Uint8Array.of(1, subCommand), encoded))]]);
      if (params) request.set(3, params);
      return k.call(command, request);
    },
  };
}

/** enrollBegin, then captures until done; the sample statuses in order. */
async function enroll(bio: Bio): Promise<{ templateId: Uint8Array; statuses: number[] }> {
  const first = await bio.call(0x01);
  expect(first.status).toBe(Status.CTAP2_OK);
  const templateId = first.body!.get(4) as Uint8Array;
  const statuses = [first.body!.get(5) as number];
  let remaining = first.body!.get(6) as number;
  while (remaining > 0) {
    const next = await bio.call(0x02, new Map([[1, templateId]]));
    expect(next.status).toBe(Status.CTAP2_OK);
    statuses.push(next.body!.get(5) as number);
    remaining = next.body!.get(6) as number;
  }
  return { templateId, statuses };
}

async function options(k: TestKey): Promise<Map<string, boolean>> {
  return (await k.call(INFO)).body!.get(4) as Map<string, boolean>;
}

describe("authenticatorBioEnrollment", () => {
  it("a device without a sensor answers INVALID_COMMAND to 0x09 and 0x40", async () => {
    key = await openTestKey();
    expect((await key.call(BIO, new Map([[6, true]]))).status).toBe(Status.CTAP1_ERR_INVALID_COMMAND);
    expect((await key.call(BIO_PROTOTYPE, new Map([[6, true]]))).status).toBe(Status.CTAP1_ERR_INVALID_COMMAND);
  });

  it("getModality and getFingerprintSensorInfo need no token; the rest need one with be", async () => {
    const bio = await bioKey();
    expect((await bio.k.call(BIO, new Map([[6, true]]))).body!.get(1)).toBe(1);
    const sensor = await bio.k.call(BIO, new Map([[1, 1], [2, 0x07]]));
    expect(Object.fromEntries(sensor.body!)).toEqual({ 1: 1, 2: 1, 3: 3, 8: 15 });
    expect((await bio.k.call(BIO, new Map([[1, 1], [2, 0x04]]))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    const ga = await bio.platform.requireToken(PIN, 0x02, "example.com");
    const request = new Map<number, unknown>([[1, 1], [2, 0x04], [4, 2], [5, bio.platform.authenticate(ga, Uint8Array.of(1, 0x04))]]);
    expect((await bio.k.call(BIO, request)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await bio.k.call(BIO, new Map([[1, 2], [2, 0x07]]))).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
  });

  it("enrolls through scripted bad samples; bad ones leave remainingSamples; uv and bioEnroll turn true", async () => {
    const bio = await bioKey({ samples: ["fp-too-high", "fp-poor-quality", "fp-good", "fp-merge-failure"] });
    expect(Object.fromEntries(await options(bio.k))).toMatchObject({ uv: false, bioEnroll: false, uvBioEnroll: true, userVerificationMgmtPreview: false });
    const { statuses } = await enroll(bio);
    expect(statuses).toEqual([0x01, 0x07, 0x00, 0x0a, 0x00, 0x00]);
    expect(Object.fromEntries(await options(bio.k))).toMatchObject({ uv: true, bioEnroll: true, userVerificationMgmtPreview: true });
  });

  it("the prototype command 0x40 is the same command", async () => {
    const bio = await bioKey();
    await enroll(bio);
    const listed = await bio.call(0x04, undefined, BIO_PROTOTYPE);
    expect(listed.status).toBe(Status.CTAP2_OK);
    expect((listed.body!.get(7) as unknown[]).length).toBe(1);
  });

  it("names, lists, removes; unknown templates are INVALID_OPTION; a name over maxTemplateFriendlyName is INVALID_LENGTH", async () => {
    const bio = await bioKey();
    expect((await bio.call(0x04)).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
    const { templateId } = await enroll(bio);
    expect((await bio.call(0x05, new Map<number, unknown>([[1, templateId], [2, "left index"]]))).status).toBe(Status.CTAP2_OK);
    expect((await bio.call(0x05, new Map<number, unknown>([[1, templateId], [2, "a".repeat(16)]]))).status).toBe(Status.CTAP1_ERR_INVALID_LENGTH);
    expect((await bio.call(0x05, new Map<number, unknown>([[1, Uint8Array.of(0, 0, 7)], [2, "x"]]))).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
    const listed = (await bio.call(0x04)).body!.get(7) as Map<number, unknown>[];
    expect(listed.map((t) => Object.fromEntries(t))).toEqual([{ 1: templateId, 2: "left index" }]);
    expect((await bio.call(0x06, new Map([[1, templateId]]))).status).toBe(Status.CTAP2_OK);
    expect((await bio.call(0x06, new Map([[1, templateId]]))).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
    expect((await options(bio.k)).get("uv")).toBe(false);
  });

  it("a full sensor is FP_DATABASE_FULL; cancel ends an enrollment, and another command does too", async () => {
    const bio = await bioKey();
    await enroll(bio);
    const begun = await bio.call(0x01);
    const templateId = begun.body!.get(4) as Uint8Array;
    expect((await bio.k.call(0x09, new Map([[1, 1], [2, 0x03]]))).status).toBe(Status.CTAP2_OK);
    expect((await bio.call(0x02, new Map([[1, templateId]]))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    const again = await bio.call(0x01);
    expect((await bio.k.call(INFO)).status).toBe(Status.CTAP2_OK);
    expect((await bio.call(0x02, new Map([[1, again.body!.get(4)]]))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    await enroll(bio);
    expect((await bio.call(0x01)).status).toBe(Status.CTAP2_ERR_FP_DATABASE_FULL);
  });

  it("no finger at all: the capture times out (USER_ACTION_TIMEOUT) and the enrollment ends", async () => {
    const bio = await bioKey({ uv: "none" });
    expect((await bio.call(0x01)).status).toBe(Status.CTAP2_ERR_USER_ACTION_TIMEOUT);
    expect((await bio.call(0x01, new Map([[3, 50]]))).status).toBe(Status.CTAP2_ERR_USER_ACTION_TIMEOUT);
  });
});

describe("which finger touches (the presence policy's uv)", () => {
  async function enrolledKey(uvFor: (templateHex: string) => PresenceOptions["uv"]) {
    // Enroll with one policy, then verify with another: the store keeps the template.
    const bio = await bioKey({ uv: "on" });
    const { templateId } = await enroll(bio);
    expect((await bio.call(0x05, new Map<number, unknown>([[1, templateId], [2, "thumb"]]))).status).toBe(Status.CTAP2_OK);
    const made = makeCredentialParams({ rk: true });
    const mcToken = await bio.platform.requireToken(PIN, 0x01, "example.com");
    made.set(8, bio.platform.authenticate(mcToken, made.get(1) as Uint8Array));
    made.set(9, 2);
    expect((await bio.k.call(MC, made)).status).toBe(Status.CTAP2_OK);
    const { Authenticator } = await import("../../src/authenticator/device.js");
    const { createPresence } = await import("../../src/presence/index.js");
    const { defaultAuthenticatorConfig } = await import("../../src/authenticator/deviceConfig.js");
    const uv = uvFor(Buffer.from(templateId).toString("hex"));
    const device = new Authenticator({ store: bio.k.store, presence: createPresence({ uv }), config: defaultAuthenticatorConfig(BIO_KEY) });
    return { templateId, ga: async () => (await device.transact(concat(Uint8Array.of(GA), encodeCanonical(getAssertionParams({ uv: true })))))[0] };
  }

  it("finger:<name> and finger:<template ID> verify; another finger is a UV failure (PUAT_REQUIRED with a PIN set)", async () => {
    const cases: [string, (hex: string) => PresenceOptions["uv"], number][] = [
      ["by name", () => "finger:thumb", Status.CTAP2_OK],
      ["by template ID", (hex) => `finger:${hex}`, Status.CTAP2_OK],
      ["any enrolled finger", () => "on", Status.CTAP2_OK],
      ["a finger not enrolled", () => "finger:pinky", Status.CTAP2_ERR_PUAT_REQUIRED],
      ["a finger never enrolled", () => "unknown", Status.CTAP2_ERR_PUAT_REQUIRED],
    ];
    for (const [what, uvFor, expected] of cases) {
      expect([what, await (await enrolledKey(uvFor)).ga()]).toEqual([what, expected]);
      await key!.close();
      key = undefined;
    }
  });

  it("before any enrollment built-in UV is not configured: uv=true is INVALID_OPTION and a UV token NOT_ALLOWED", async () => {
    const bio = await bioKey();
    expect((await bio.k.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_INVALID_OPTION);
    expect((await bio.platform.getPinUvAuthTokenUsingUvWithPermissions(0x02, "example.com")).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
  });
});
