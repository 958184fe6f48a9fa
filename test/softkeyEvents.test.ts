/**
 * The Softkey's own events: every create() and get() from start to success or
 * failure, and deletions, without secrets; a listener that throws does not
 * break the ceremony; a client passed in the call still reports here.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebAuthnClient } from "../src/client/index.js";
import type { SoftkeyEvents } from "../src/softkeyEvents.js";
import { openSoftkey, origin, registrationOptions, rpID, type TestSoftkey } from "./webauthn/helpers.js";

type Recorded = { [K in keyof SoftkeyEvents]: { name: K; event: SoftkeyEvents[K] } }[keyof SoftkeyEvents];

describe("Softkey events", () => {
  let softkey: TestSoftkey;
  let events: Recorded[];

  beforeEach(async () => {
    softkey = await openSoftkey();
    events = [];
    for (const name of ["ceremonyStart", "ceremonySuccess", "ceremonyFailure", "credentialDeleted"] as const) {
      softkey.key.on(name, (event: SoftkeyEvents[typeof name]) => events.push({ name, event } as Recorded));
    }
  });
  afterEach(() => softkey.close());

  it("reports a create and a get from start to success, paired by ceremonyId", async () => {
    const created = await softkey.key.create(await registrationOptions(), { origin });
    const allowCredentials = [{ type: "public-key" as const, id: created.id }];
    const asserted = await softkey.key.get({ challenge: "AAAA", rpId: rpID, allowCredentials }, { origin });
    expect(events).toEqual([
      { name: "ceremonyStart", event: { ceremonyId: 1, ceremony: "create", rpId: rpID, origin } },
      { name: "ceremonySuccess", event: { ceremonyId: 1, ceremony: "create", rpId: rpID, origin, credentialId: created.id } },
      { name: "ceremonyStart", event: { ceremonyId: 2, ceremony: "get", rpId: rpID, origin } },
      { name: "ceremonySuccess", event: { ceremonyId: 2, ceremony: "get", rpId: rpID, origin, credentialId: asserted.id } },
    ]);
  });

  it("reports a failure by the error's name, softkey's reason and the page's message", async () => {
    const options = await registrationOptions();
    await expect(softkey.key.create({ ...options, rp: { ...options.rp, id: "other.test" } }, { origin })).rejects.toThrow();
    await expect(softkey.key.get({ challenge: "AAAA" }, { origin: "https://app.example.com", topOrigin: "https://top.test" })).rejects.toThrow();
    expect(events).toEqual([
      { name: "ceremonyStart", event: { ceremonyId: 1, ceremony: "create", rpId: "other.test", origin } },
      {
        name: "ceremonyFailure",
        event: {
          ceremonyId: 1,
          ceremony: "create",
          rpId: "other.test",
          origin,
          errorName: "SecurityError",
          reason: expect.stringMatching(/RP ID "other.test" is not a registrable suffix of origin "https:\/\/login.example.com"/),
          pageMessage: expect.stringMatching(/^The relying party ID is not a registrable domain suffix of, nor equal to the current domain\. Subsequently/),
        },
      },
      expect.objectContaining({ name: "ceremonyStart", event: expect.objectContaining({ rpId: "app.example.com", topOrigin: "https://top.test" }) }),
      { name: "ceremonyFailure", event: expect.objectContaining({ ceremonyId: 2, ceremony: "get", errorName: "NotAllowedError" }) },
    ]);
  });

  it("reads what it can of malformed options and still pairs the failure", async () => {
    await expect(softkey.key.create("not options" as never, { origin: "not an origin" })).rejects.toThrow();
    expect(events.map((e) => e.event)).toEqual([
      { ceremonyId: 1, ceremony: "create", origin: "not an origin" },
      { ceremonyId: 1, ceremony: "create", origin: "not an origin", errorName: "TypeError", reason: expect.any(String), pageMessage: expect.any(String) },
    ]);
  });

  it("runs a ceremony with the client given in the call, and still reports it", async () => {
    const other = new WebAuthnClient(softkey.key.authenticator, { attachment: "platform" });
    const created = await softkey.key.create(await registrationOptions(), { origin, client: other });
    expect(created.authenticatorAttachment).toBe("platform");
    expect(events.map((e) => e.name)).toEqual(["ceremonyStart", "ceremonySuccess"]);
  });

  it("a listener that throws does not break the ceremony", async () => {
    softkey.key.on("ceremonyStart", () => {
      throw new Error("listener bug");
    });
    const uncaught = new Promise<unknown>((resolve) => process.once("uncaughtException", resolve));
    await expect(softkey.key.create(await registrationOptions(), { origin })).resolves.toMatchObject({ type: "public-key" });
    expect(await uncaught).toMatchObject({ message: "listener bug" });
  });

  it("reports a deletion with the credential's RP, and nothing for an unknown ID", async () => {
    const created = await softkey.key.create(await registrationOptions(), { origin });
    events.length = 0;
    expect(await softkey.key.deleteCredential(created.id)).toBe(true);
    expect(await softkey.key.deleteCredential(created.id)).toBe(false);
    expect(events).toEqual([{ name: "credentialDeleted", event: { credentialId: created.id, rpId: rpID } }]);
  });
});
