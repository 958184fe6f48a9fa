/**
 * softkey.controls on a real store: each control changes the next ceremony
 * (checked by @simplewebauthn/server) without closing the store, stored faults
 * act in the open session and in the next one, and a change with one bad value
 * changes nothing.
 */
import { generateAuthenticationOptions } from "@simplewebauthn/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NO_FAULTS } from "../../src/authenticator/faultSwitches.js";
import { ORIGIN, RP_ID, TestDevice, registered, signIn } from "../helpers/relyingParty.js";

let device: TestDevice;
beforeEach(async () => {
  device = await TestDevice.create();
});
afterEach(() => device.dispose());

/** A discoverable credential for `userName`, registered through the key. */
async function discoverable(userName: string) {
  return registered(device.key, { userName, residentKey: "required" });
}

/** A sign-in without allowCredentials: the account chooser picks among the discoverable credentials. */
async function usernameless() {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: "discouraged" });
  return device.key.get(options, { origin: ORIGIN });
}

describe("softkey.controls", () => {
  it("state() reports every control; the old setUser, setFaults and storeFaults are the same knobs", async () => {
    const { controls } = device.key;
    expect(await controls.state()).toEqual({ presence: "auto", uv: "on", faults: NO_FAULTS, storedFaults: NO_FAULTS, account: null, capabilities: {} });
    device.key.setUser({ presence: "deny" });
    device.key.setFaults({ isBadUV: true });
    await device.key.storeFaults({ isBogusSignature: true });
    const state = await controls.state();
    expect(state.presence).toBe("deny");
    expect(state.faults).toEqual({ ...NO_FAULTS, isBadUV: true, isBogusSignature: true });
    expect(state.storedFaults).toEqual({ ...NO_FAULTS, isBogusSignature: true });
  });

  it("presence deny refuses the next ceremony with NotAllowedError, auto lets the one after through", async () => {
    const credential = await registered(device.key);
    await device.key.controls.apply({ presence: "deny" });
    await expect(signIn(device.key, credential)).rejects.toMatchObject({ name: "NotAllowedError" });
    await device.key.controls.apply({ presence: "auto" });
    const { verification } = await signIn(device.key, credential);
    expect((await verification).verified).toBe(true);
  });

  it("stored faults act in the open session at once, and in the next session", async () => {
    const credential = await registered(device.key);
    const after = await device.key.controls.apply({ storedFaults: { isBogusSignature: true } });
    expect(after.faults.isBogusSignature).toBe(true);
    expect((await (await signIn(device.key, credential)).verification).verified).toBe(false);
    await device.reopen();
    expect(device.key.faults.isBogusSignature).toBe(true);
    await device.key.controls.faults.store({ isBogusSignature: false });
    expect((await device.key.controls.faults.stored()).isBogusSignature).toBe(false);
    expect((await (await signIn(device.key, credential)).verification).verified).toBe(true);
  });

  it("the selected account answers a sign-in among several discoverable credentials; null goes back to the most recent", async () => {
    await discoverable("alice");
    const bob = await discoverable("bob"); // the most recent
    expect((await usernameless()).id).toBe(bob.id);
    const state = await device.key.controls.apply({ account: { userName: "alice" } });
    expect(state.account).toEqual({ userName: "alice" });
    const alice = await usernameless();
    expect(alice.id).not.toBe(bob.id);
    // The call's own account still wins over the control's.
    const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: "discouraged" });
    expect((await device.key.get(options, { origin: ORIGIN, account: { credentialId: bob.id } })).id).toBe(bob.id);
    await device.key.controls.apply({ account: { userName: "carol" } });
    await expect(usernameless()).rejects.toMatchObject({ name: "NotAllowedError", message: expect.stringContaining('userName "carol"') });
    await device.key.controls.apply({ account: null });
    expect((await usernameless()).id).toBe(bob.id);
  });

  it("capability overrides change getClientCapabilities(); null removes one", async () => {
    const before = await device.key.client.getClientCapabilities();
    expect(before.hybridTransport).toBe(false);
    await device.key.controls.apply({ capabilities: { hybridTransport: true, conditionalGet: false } });
    const overridden = await device.key.client.getClientCapabilities();
    expect(overridden).toEqual({ ...before, hybridTransport: true, conditionalGet: false });
    expect((await device.key.controls.state()).capabilities).toEqual({ hybridTransport: true, conditionalGet: false });
    await device.key.controls.apply({ capabilities: { hybridTransport: null } });
    expect(await device.key.client.getClientCapabilities()).toEqual({ ...before, conditionalGet: false });
  });

  it("a change with one bad value is refused whole, with an error that names it", async () => {
    const { controls } = device.key;
    const before = await controls.state();
    const bad: [unknown, ErrorConstructor, RegExp][] = [
      [{ presence: "deny", uv: "sometimes" }, RangeError, /built-in UV mode "sometimes"/],
      [{ presence: "deny", faults: { isBadUP: "yes" } }, TypeError, /faults\.isBadUP must be true or false/],
      [{ storedFaults: { isBadUP: true }, faults: { isGood: true } }, RangeError, /faults: unknown fault "isGood"/],
      [{ presence: "deny", account: { name: "alice" } }, TypeError, /account\.name is not a selector/],
      [{ presence: "deny", capabilities: { hybridTransport: 1 } }, TypeError, /capabilities\.hybridTransport must be true, false or null/],
      [{ presence: "deny", colour: "red" }, TypeError, /unknown control "colour"/],
      [{ presence: 3 }, TypeError, /presence must be a string/],
      [[], TypeError, /a controls change must be an object/],
    ];
    for (const [change, type, message] of bad) {
      const error = await controls.apply(change as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(change)).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    }
    expect(await controls.state()).toEqual(before);
  });

  it("uv on a profile without built-in UV is a RangeError naming the profile, and changes nothing", async () => {
    const u2f = await TestDevice.create({ profile: "u2f-only" });
    try {
      expect((await u2f.key.controls.state()).uv).toBe("off");
      await expect(u2f.key.controls.apply({ presence: "deny", uv: "on" })).rejects.toThrow(/profile u2f-only has no built-in user verification/);
      expect((await u2f.key.controls.state()).presence).toBe("auto");
    } finally {
      await u2f.dispose();
    }
  });
});
