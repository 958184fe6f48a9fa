/**
 * Counter modes (per credential, global, zero) and a counter forced backwards
 * (a cloned authenticator), as @simplewebauthn/server sees them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { defaultProfile, type Profile } from "../../src/profiles/index.js";
import { counterOf, registered, signIn, TestDevice } from "../helpers/relyingParty.js";

let device: TestDevice;
afterEach(() => device?.dispose());

function withCounter(counter: Profile["counter"]): Profile {
  return { ...defaultProfile(), name: `counter-${counter}`, counter };
}

describe("global", () => {
  it("one counter for the device increases across two credentials, registrations included, and survives a reopen", async () => {
    device = await TestDevice.create({ profile: withCounter("global") });
    const alice = await registered(device.key, { userName: "alice" });
    const bob = await registered(device.key, { userName: "bob" });
    expect([alice.counter, bob.counter]).toEqual([1, 2]);

    const seen: number[] = [];
    for (const credential of [alice, bob, alice, bob]) {
      const { response, verification } = await signIn(device.key, credential);
      await expect(verification).resolves.toMatchObject({ verified: true });
      seen.push(counterOf(response.response.authenticatorData));
    }
    expect(seen).toEqual([3, 4, 5, 6]);

    await device.reopen();
    const { response, verification } = await signIn(device.key, { ...alice, counter: 5 });
    await expect(verification).resolves.toMatchObject({ verified: true });
    expect(counterOf(response.response.authenticatorData)).toBe(7);
  });

  it("softkey counter set global N moves it, backwards included", async () => {
    device = await TestDevice.create({ profile: withCounter("global") });
    const alice = await registered(device.key);
    await signIn(device.key, alice);
    await device.key.setSignCount("global", 0);
    const { response, verification } = await signIn(device.key, { ...alice, counter: 2 });
    expect(counterOf(response.response.authenticatorData)).toBe(1);
    await expect(verification).rejects.toThrow("Response counter value 1 was lower than expected 2");
  });
});

describe("zero", () => {
  it("always reports 0, and the RP accepts it (a counter of 0 on both sides is not checked)", async () => {
    device = await TestDevice.create({ profile: withCounter("zero") });
    const credential = await registered(device.key);
    expect(credential.counter).toBe(0);
    for (let i = 0; i < 3; i++) {
      const { response, verification } = await signIn(device.key, credential);
      expect(counterOf(response.response.authenticatorData)).toBe(0);
      await expect(verification).resolves.toMatchObject({ verified: true, authenticationInfo: { newCounter: 0 } });
    }
  });
});

describe("per-credential (the default)", () => {
  it("counts each credential on its own", async () => {
    device = await TestDevice.create();
    const alice = await registered(device.key, { userName: "alice" });
    const bob = await registered(device.key, { userName: "bob" });
    const counters = [];
    for (const credential of [alice, alice, bob]) counters.push(counterOf((await signIn(device.key, credential)).response.response.authenticatorData));
    expect(counters).toEqual([1, 2, 1]);
  });

  it("a counter set lower (a cloned authenticator) makes the RP refuse the next assertion", async () => {
    device = await TestDevice.create();
    let credential = await registered(device.key);
    for (let i = 0; i < 3; i++) {
      const result = await (await signIn(device.key, credential)).verification;
      credential = { ...credential, counter: result.authenticationInfo.newCounter };
    }
    expect(credential.counter).toBe(3);
    await device.key.setSignCount(credential.id, 1);
    const { response, verification } = await signIn(device.key, credential);
    expect(counterOf(response.response.authenticatorData)).toBe(2);
    await expect(verification).rejects.toThrow("Response counter value 2 was lower than expected 3");
  });
});
