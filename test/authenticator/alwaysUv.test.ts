/**
 * alwaysUv (CTAP 2.2 sections 6.1.2 step 6, 6.2.2 step 5, 7.2) and the
 * discoverable-credential rule of makeCredential step 7, at the byte level.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { concat, getAssertionParams, makeCredentialParams, openTestKey, parseAuthData, type TestKey } from "../helpers/ctap.js";
import { ClientPinSubCommand, Permission, PinPlatform } from "../helpers/pinPlatform.js";
import type { PresenceRequest, UserPresence } from "../../src/presence/presence.js";

const MC = 0x01;
const GA = 0x02;
const INFO = 0x04;
const CLIENT_PIN = 0x06;
const CONFIG = 0x0d;
const TOGGLE_ALWAYS_UV = 0x02;
const PIN = "1234";
const UP = 0x01;
const UV = 0x04;

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

/** A user who touches and whose finger matches (or not), recording every question. */
function recordingUser(uv: "on" | "fail" | "off"): UserPresence & { asked: PresenceRequest[] } {
  const asked: PresenceRequest[] = [];
  return {
    asked,
    builtInUv: uv !== "off",
    requestPresence: async (request) => {
      asked.push(request);
      return true;
    },
    verifyUser: async (request) => {
      asked.push(request);
      return uv === "on" ? "verified" : "failed";
    },
  };
}

async function options(k: TestKey): Promise<Record<string, boolean>> {
  return Object.fromEntries((await k.call(INFO)).body!.get(4) as Map<string, boolean>);
}

/** Turns alwaysUv on: with a PIN token when a PIN is set, unauthenticated on a key no form of UV protects (section 6.11 steps 2-3). */
async function enableAlwaysUv(k: TestKey, platform?: PinPlatform): Promise<void> {
  const params = new Map<number, unknown>([[1, TOGGLE_ALWAYS_UV]]);
  if (platform) {
    const token = await platform.requireToken(PIN, Permission.acfg);
    params.set(3, platform.protocol);
    params.set(4, platform.authenticate(token, concat(new Uint8Array(32).fill(0xff), Uint8Array.of(CONFIG, TOGGLE_ALWAYS_UV))));
  }
  expect((await k.call(CONFIG, params)).status).toBe(Status.CTAP2_OK);
  expect(await options(k)).toMatchObject({ alwaysUv: true, makeCredUvNotRqd: false });
}

async function register(k: TestKey, overrides: Parameters<typeof makeCredentialParams>[0] = {}): Promise<Uint8Array> {
  const { status, body } = await k.call(MC, makeCredentialParams(overrides));
  expect(status).toBe(Status.CTAP2_OK);
  return new Uint8Array(parseAuthData(body!.get(2) as Uint8Array).credentialId!);
}

const flags = (body: Map<number, unknown>, key: number) => parseAuthData(body.get(key) as Uint8Array).flags & (UP | UV);

describe("alwaysUv", () => {
  it("on a key with neither a PIN nor built-in UV: makeCredential and getAssertion answer PUAT_REQUIRED, a silent up=false probe still answers", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    const credentialId = await register(key);
    await enableAlwaysUv(key);
    expect((await key.call(MC, makeCredentialParams({ userId: Uint8Array.of(9) }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    const silent = await key.call(GA, getAssertionParams({ allowList: [credentialId], up: false }));
    expect(silent.status).toBe(Status.CTAP2_OK);
    expect(flags(silent.body!, 2)).toBe(0);
  });

  it("on a PIN-only key: PUAT_REQUIRED without a token, a signature with one, and up=false probes (as ssh sends) answer", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    const credentialId = await register(key);
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    await enableAlwaysUv(key, platform);
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId], up: false }))).status).toBe(Status.CTAP2_OK);
    const token = await platform.requireToken(PIN, Permission.ga, "example.com");
    const params = getAssertionParams({ allowList: [credentialId] });
    params.set(6, platform.authenticate(token, params.get(2) as Uint8Array));
    params.set(7, platform.protocol);
    const signed = await key.call(GA, params);
    expect(signed.status).toBe(Status.CTAP2_OK);
    expect(flags(signed.body!, 2)).toBe(UP | UV);
  });

  it("on a key with built-in UV, the key verifies the user itself rather than answering PUAT_REQUIRED", async () => {
    const user = recordingUser("on");
    key = await openTestKey({ presence: user });
    const credentialId = await register(key);
    const platform = new PinPlatform(key.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    await enableAlwaysUv(key, platform);
    user.asked.length = 0;
    const assertion = await key.call(GA, getAssertionParams({ allowList: [credentialId] }));
    expect(assertion.status).toBe(Status.CTAP2_OK);
    expect(flags(assertion.body!, 2)).toBe(UP | UV);
    const made = await key.call(MC, makeCredentialParams({ userId: Uint8Array.of(8) }));
    expect(made.status).toBe(Status.CTAP2_OK);
    expect(flags(made.body!, 2)).toBe(UP | UV);
    // One built-in UV each (which includes the touch), no separate presence question.
    expect(user.asked.map((a) => a.purpose)).toEqual(["getAssertion", "makeCredential"]);
    // up=false stays silent: nobody is asked.
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId], up: false }))).status).toBe(Status.CTAP2_OK);
    expect(user.asked).toHaveLength(2);
  });

  it("on a key with built-in UV whose match fails: PUAT_REQUIRED (the PIN is set), and the failure counts", async () => {
    key = await openTestKey({ presence: recordingUser("fail") });
    const platform = new PinPlatform(key.call, 1);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    const credentialId = await register(key, { uv: undefined });
    await enableAlwaysUv(key, platform);
    expect((await key.call(GA, getAssertionParams({ allowList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    const retries = await key.call(CLIENT_PIN, new Map([[2, ClientPinSubCommand.getUVRetries]]));
    expect(retries.body!.get(5)).toBe(7);
  });
});

describe("makeCredential step 7: a discoverable credential without UV on a protected key", () => {
  it("built-in UV and no PIN: OPERATION_DENIED (the key cannot verify a user nobody asked it to)", async () => {
    key = await openTestKey({ presence: { uv: "on" } });
    expect(await options(key)).toMatchObject({ uv: true, clientPin: false, makeCredUvNotRqd: true });
    expect((await key.call(MC, makeCredentialParams({ rk: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    // Non-discoverable needs no UV (makeCredUvNotRqd); with uv it is made.
    expect((await key.call(MC, makeCredentialParams())).status).toBe(Status.CTAP2_OK);
    expect((await key.call(MC, makeCredentialParams({ rk: true, uv: true }))).status).toBe(Status.CTAP2_OK);
  });

  it.each(["on", "off"] as const)("a PIN set (built-in UV %s): PUAT_REQUIRED, so the platform uses the PIN", async (uv) => {
    key = await openTestKey({ presence: { uv } });
    expect(await new PinPlatform(key.call, 2).setPin(PIN)).toBe(Status.CTAP2_OK);
    expect((await key.call(MC, makeCredentialParams({ rk: true }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await key.store.countCredentials()).total).toBe(0);
  });

  it("no form of UV at all: the credential is made, without UV", async () => {
    key = await openTestKey({ presence: { uv: "off" } });
    const { status, body } = await key.call(MC, makeCredentialParams({ rk: true }));
    expect(status).toBe(Status.CTAP2_OK);
    expect(flags(body!, 2)).toBe(UP);
  });
});
