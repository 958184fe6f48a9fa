/**
 * The client asks authenticatorGetInfo before every ceremony and parses an answer only when it
 * changed. A CTAP 2.2 key's encIdentifier differs on every call (a fresh IV), so the memo must not
 * count it as a change, and must still see every member that did change.
 */
import { describe, expect, it } from "vitest";
import { Authenticator } from "../../src/authenticator/device.js";
import { defaultAuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { MemoryStore } from "../../src/authenticator/memoryStore.js";
import { authenticatorGetInfo, option } from "../../src/client/ctap/authenticatorGetInfo.js";
import { setPin } from "../../src/client/pin/index.js";
import { decodeCbor, type CborMap } from "../../src/ctap/cbor.js";
import { createPresence } from "../../src/presence/index.js";
import { defaultProfile, profileConfig } from "../../src/profiles/index.js";

const ENC_IDENTIFIER = 0x19;

describe("the client's getInfo memo", () => {
  it("reuses an answer whose only difference is encIdentifier, and parses one where a member changed", async () => {
    // The default profile's device: CTAP 2.2 with perCredMgmtRO, so the persistent token and encIdentifier.
    const config = { ...defaultAuthenticatorConfig(), ...profileConfig(defaultProfile()) };
    const device = new Authenticator({ store: new MemoryStore(), presence: createPresence({ uv: "off" }), config });
    const raw = async () => decodeCbor((await device.transact(Uint8Array.of(0x04))).subarray(1)) as CborMap;
    // The premise: the default device reports encIdentifier, encrypted anew on each call.
    const [a, b] = [await raw(), await raw()];
    expect(a.get(ENC_IDENTIFIER)).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(a.get(ENC_IDENTIFIER) as Uint8Array).equals(Buffer.from(b.get(ENC_IDENTIFIER) as Uint8Array))).toBe(false);

    const first = await authenticatorGetInfo(device);
    expect(await authenticatorGetInfo(device)).toBe(first);
    expect(option(first, "clientPin")).toBe(false);

    await setPin(device, "314159");
    const afterPin = await authenticatorGetInfo(device);
    expect(afterPin).not.toBe(first);
    expect(option(afterPin, "clientPin")).toBe(true);
  });
});
