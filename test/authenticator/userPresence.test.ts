/**
 * "The user refuses" is not "the finger failed" (issue 10): deny, timeout and
 * the wrong finger each answer their own status, and only the wrong finger
 * spends a uvRetries. Driven with raw CTAP2 bytes; the same rules through
 * python-fido2 and the CLI are in test/interop/python-fido2-fidelity.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { Authenticator } from "../../src/authenticator/device.js";
import { MemoryStore } from "../../src/authenticator/memoryStore.js";
import { defaultAuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import type { CredentialStore } from "../../src/authenticator/store.js";
import { createPresence, type PresenceOptions } from "../../src/presence/index.js";
import type { PresenceRequest, UserPresence } from "../../src/presence/presence.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { concat, getAssertionParams, makeCredentialParams, parseAuthData, parseResponse } from "../helpers/ctap.js";
import { ClientPinSubCommand, Permission, PinPlatform } from "../helpers/pinPlatform.js";

const MC = 0x01;
const GA = 0x02;
const CLIENT_PIN = 0x06;
const PIN = "1234";

const WRITES = ["putCredential", "updateCredential", "deleteCredential", "nextSignCount", "nextDeviceCount", "resetAuthenticator", "putSetting"] as const;

/** A store that counts every write made through it. */
function countingStore(inner: CredentialStore): { store: CredentialStore; writes: () => number } {
  let writes = 0;
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if ((WRITES as readonly (string | symbol)[]).includes(name)) writes++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, writes: () => writes };
}

/** One store, and devices over it whose user behaves as asked: as a key that different people pick up. */
class Bench {
  readonly memory = new MemoryStore();
  readonly counted = countingStore(this.memory);
  device(presence: PresenceOptions | UserPresence, config: Parameters<typeof defaultAuthenticatorConfig>[0] = {}) {
    const user = "requestPresence" in presence ? presence : createPresence(presence);
    const authenticator = new Authenticator({ store: this.counted.store, presence: user, config: defaultAuthenticatorConfig(config) });
    const call = async (command: number, params?: Map<number | string, unknown>) =>
      parseResponse(await authenticator.transact(params ? concat(Uint8Array.of(command), encodeCanonical(params)) : Uint8Array.of(command)));
    return { authenticator, call };
  }
}

type Call = (command: number, params?: Map<number | string, unknown>) => Promise<{ status: number; body?: Map<number, unknown> }>;

async function uvRetries(call: Call): Promise<number> {
  const { status, body } = await call(CLIENT_PIN, new Map([[2, ClientPinSubCommand.getUVRetries]]));
  expect(status).toBe(Status.CTAP2_OK);
  return body!.get(5) as number;
}

async function registered(bench: Bench, overrides: Parameters<typeof makeCredentialParams>[0] = {}): Promise<Uint8Array> {
  const { status, body } = await bench.device({ policy: "auto" }).call(MC, makeCredentialParams(overrides));
  expect(status).toBe(Status.CTAP2_OK);
  return new Uint8Array(parseAuthData(body!.get(2) as Uint8Array).credentialId!);
}

/** A user who answers each question with the next of `answers`, and remembers what they were asked. */
function scriptedUser(answers: ("yes" | "no")[], uv: "on" | "fail" = "on"): UserPresence & { asked: PresenceRequest[] } {
  const asked: PresenceRequest[] = [];
  const next = async (request: PresenceRequest) => {
    asked.push(request);
    return answers.shift() === "yes";
  };
  return {
    asked,
    builtInUv: true,
    requestPresence: next,
    verifyUser: async (request) => ((await next(request)) ? (uv === "on" ? "verified" : "failed") : "refused"),
  };
}

let closeAll: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closeAll) await close();
  closeAll = [];
});

describe("--presence deny: a user who refuses", () => {
  it("answers OPERATION_DENIED 100 times over, and leaves uvRetries and the store untouched", async () => {
    const bench = new Bench();
    const credentialId = await registered(bench, { rk: true, uv: true });
    const refusing = bench.device({ policy: "deny", uv: "on" });
    const platform = new PinPlatform(refusing.call, 2);
    const writesBefore = bench.counted.writes();
    for (let i = 0; i < 100; i++) {
      // The ways a platform asks a key with built-in UV: the uv option (CTAP 2.0), a UV token (CTAP 2.1), plain presence.
      expect((await refusing.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
      expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.ga, "example.com")).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
      expect((await refusing.call(GA, getAssertionParams({ allowList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
      expect((await refusing.call(MC, makeCredentialParams({ rk: true, uv: true, userId: Uint8Array.of(9) }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    }
    expect(await uvRetries(refusing.call)).toBe(8);
    expect(bench.counted.writes()).toBe(writesBefore);
    // The next user, who does touch, signs in with built-in UV at once.
    const { status, body } = await bench.device({ policy: "auto", uv: "on" }).call(GA, getAssertionParams({ uv: true }));
    expect(status).toBe(Status.CTAP2_OK);
    expect(parseAuthData(body!.get(2) as Uint8Array).flags & 0x05).toBe(0x05);
  });
});

describe("--presence timeout: a user who never answers", () => {
  it("answers USER_ACTION_TIMEOUT after the key's timeout, for presence and for built-in UV, spending nothing", async () => {
    const bench = new Bench();
    const credentialId = await registered(bench);
    const absent = bench.device({ policy: "timeout", uv: "on" }, { userActionTimeoutMs: 50 });
    const writesBefore = bench.counted.writes();
    const started = Date.now();
    expect((await absent.call(GA, getAssertionParams({ allowList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_USER_ACTION_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect((await absent.call(GA, getAssertionParams({ allowList: [credentialId], uv: true }))).status).toBe(Status.CTAP2_ERR_USER_ACTION_TIMEOUT);
    const platform = new PinPlatform(absent.call, 1);
    expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.mc, "example.com")).status).toBe(Status.CTAP2_ERR_USER_ACTION_TIMEOUT);
    expect(await uvRetries(absent.call)).toBe(8);
    expect(bench.counted.writes()).toBe(writesBefore);
  });

  it("keeps the request open with keepalives until then, and a host cancel still ends it as KEEPALIVE_CANCEL", async () => {
    const bench = new Bench();
    const credentialId = await registered(bench);
    const absent = bench.device({ policy: "timeout" }, { userActionTimeoutMs: 10_000 });
    const controller = new AbortController();
    const keepalives: string[] = [];
    const request = concat(Uint8Array.of(GA), encodeCanonical(getAssertionParams({ allowList: [credentialId] })));
    const answer = absent.authenticator.transact(request, { signal: controller.signal, onKeepalive: (status) => keepalives.push(status) });
    setTimeout(() => controller.abort(), 30);
    expect(await answer).toEqual(Uint8Array.of(Status.CTAP2_ERR_KEEPALIVE_CANCEL));
    expect(keepalives[0]).toBe("upneeded");
  });
});

describe("--uv fail: the wrong finger", () => {
  it("spends a uvRetries in makeCredential and getAssertion too; at 0 built-in UV is blocked and a set PIN is the way: PUAT_REQUIRED", async () => {
    const bench = new Bench();
    await registered(bench, { rk: true, uv: true });
    const wrongFinger = bench.device({ policy: "auto", uv: "fail" });
    const platform = new PinPlatform(wrongFinger.call, 2);
    expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
    // Each failed match: PUAT_REQUIRED, so the platform falls back to the PIN (CTAP 2.2 section 6.2.2 step 6.2.3).
    expect((await wrongFinger.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect(await uvRetries(wrongFinger.call)).toBe(7);
    expect((await wrongFinger.call(MC, makeCredentialParams({ uv: true, userId: Uint8Array.of(7) }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect(await uvRetries(wrongFinger.call)).toBe(6);
    for (let left = 5; left > 0; left--) {
      expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.ga, "example.com")).status).toBe(Status.CTAP2_ERR_UV_INVALID);
      expect(await uvRetries(wrongFinger.call)).toBe(left);
    }
    // The eighth failure blocks it.
    expect((await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.ga, "example.com")).status).toBe(Status.CTAP2_ERR_UV_BLOCKED);
    expect(await uvRetries(wrongFinger.call)).toBe(0);
    // Blocked: even the right finger is not asked; the uv option answers PUAT_REQUIRED, the UV token UV_BLOCKED.
    const owner = scriptedUser(["yes", "yes"]);
    const ownersDevice = bench.device(owner);
    expect((await ownersDevice.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await new PinPlatform(ownersDevice.call, 1).getPinUvAuthTokenUsingUvWithPermissions(Permission.ga, "example.com")).status).toBe(
      Status.CTAP2_ERR_UV_BLOCKED,
    );
    expect(owner.asked).toEqual([]);
    // The PIN still works, and a correct PIN restores uvRetries (CTAP 2.2 section 6.5.2.2).
    const token = await new PinPlatform(ownersDevice.call, 2).requireToken(PIN, Permission.ga, "example.com");
    expect(token.length).toBe(32);
    expect(await uvRetries(ownersDevice.call)).toBe(8);
    expect((await ownersDevice.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_OK);
  });

  it("without a PIN: OPERATION_DENIED while retries are left, then PIN_BLOCKED (the spec's status for a blocked sensor)", async () => {
    const bench = new Bench();
    await registered(bench, { rk: true, uv: true });
    const wrongFinger = bench.device({ policy: "auto", uv: "fail" });
    for (let left = 7; left > 0; left--) {
      expect((await wrongFinger.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
      expect(await uvRetries(wrongFinger.call)).toBe(left);
    }
    expect((await wrongFinger.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_PIN_BLOCKED);
    expect((await wrongFinger.call(MC, makeCredentialParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_PIN_BLOCKED);
    expect(await uvRetries(wrongFinger.call)).toBe(0);
  });

  it("a successful match restores uvRetries", async () => {
    const bench = new Bench();
    await registered(bench, { rk: true, uv: true });
    expect((await bench.device({ uv: "fail" }).call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    const owner = bench.device({ uv: "on" });
    expect(await uvRetries(owner.call)).toBe(7);
    expect((await owner.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_OK);
    expect(await uvRetries(owner.call)).toBe(8);
  });
});

describe("--presence prompt: the question, and a no", () => {
  it("registering asks to register, signing in to sign in; answering no is OPERATION_DENIED and spends no UV retry", async () => {
    const bench = new Bench();
    const user = scriptedUser(["no", "no", "no"]);
    const device = bench.device(user);
    expect((await device.call(MC, makeCredentialParams({ rk: true, uv: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    expect((await device.call(GA, getAssertionParams({ uv: true }))).status).toBe(Status.CTAP2_ERR_OPERATION_DENIED);
    expect((await new PinPlatform(device.call, 2).getPinUvAuthTokenUsingUvWithPermissions(Permission.mc, "example.com")).status).toBe(
      Status.CTAP2_ERR_OPERATION_DENIED,
    );
    expect(user.asked.map((a) => [a.purpose, a.rpId, a.userName])).toEqual([
      ["makeCredential", "example.com", "alice@example.com"],
      ["getAssertion", "example.com", undefined],
      ["makeCredential", "example.com", undefined],
    ]);
    expect(await uvRetries(device.call)).toBe(8);
    expect((await bench.memory.countCredentials()).total).toBe(0);
  });
});

describe("excludeList (CTAP 2.2 section 6.1.2 step 12.1)", () => {
  it.each([
    ["touches", { policy: "auto" } as PresenceOptions, {}],
    ["refuses", { policy: "deny" } as PresenceOptions, {}],
    ["never answers", { policy: "timeout" } as PresenceOptions, { userActionTimeoutMs: 20 }],
  ])("answers CREDENTIAL_EXCLUDED after the presence test whether the user %s", async (_who, presence, config) => {
    const bench = new Bench();
    const credentialId = await registered(bench);
    const device = bench.device({ ...presence, uv: "off" }, config);
    expect((await device.call(MC, makeCredentialParams({ excludeList: [credentialId], userId: Uint8Array.of(5) }))).status).toBe(
      Status.CTAP2_ERR_CREDENTIAL_EXCLUDED,
    );
    expect((await bench.memory.countCredentials()).total).toBe(1);
  });

  it("still asks before it answers: a user who is asked and refuses was asked", async () => {
    const bench = new Bench();
    const credentialId = await registered(bench);
    const user = scriptedUser(["no"]);
    const device = bench.device({ ...user, builtInUv: false });
    expect((await device.call(MC, makeCredentialParams({ excludeList: [credentialId] }))).status).toBe(Status.CTAP2_ERR_CREDENTIAL_EXCLUDED);
    expect(user.asked.map((a) => a.purpose)).toEqual(["makeCredential"]);
  });
});
