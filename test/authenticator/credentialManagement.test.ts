import { afterEach, describe, expect, it } from "vitest";
import { Status } from "../../src/ctap/status.js";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { concat, getAssertionParams, makeCredentialParams, openTestKey, parseAuthData, sha256, type TestKey } from "../helpers/ctap.js";
import { Permission, PinPlatform, type PinProtocolVersion } from "../helpers/pinPlatform.js";

const MC = 0x01;
const GA = 0x02;
const INFO = 0x04;
const CM = 0x0a;
/** The "FIDO_2_1_PRE" prototype byte libfido2 before 1.15 sends credential management as. */
const CM_PROTOTYPE = 0x41;

const Sub = {
  getCredsMetadata: 0x01,
  enumerateRPsBegin: 0x02,
  enumerateRPsGetNextRP: 0x03,
  enumerateCredentialsBegin: 0x04,
  enumerateCredentialsGetNextCredential: 0x05,
  deleteCredential: 0x06,
  updateUserInformation: 0x07,
} as const;

const PIN = "1234";

let key: TestKey | undefined;
afterEach(async () => {
  await key?.close();
  key = undefined;
});

/** A key with no built-in UV (the PIN is the only UV) and a clock the test moves. */
async function openKey(config: NonNullable<Parameters<typeof openTestKey>[0]>["config"] = {}) {
  const clock = { now: 1_700_000_000_000 };
  const k = await openTestKey({ presence: { uv: "off" }, now: () => clock.now, config });
  key = k;
  return { k, clock };
}

async function register(k: TestKey, clock: { now: number }, overrides: Parameters<typeof makeCredentialParams>[0] = {}) {
  clock.now += 1000;
  const { status, body } = await k.call(MC, makeCredentialParams({ rk: true, ...overrides }));
  expect(status).toBe(Status.CTAP2_OK);
  const authData = parseAuthData(body!.get(2) as Uint8Array);
  return { credentialId: new Uint8Array(authData.credentialId!), publicKey: authData.publicKey! };
}

/** A credentialManagement request whose pinUvAuthParam authenticates subCommand || subCommandParams. */
function cmParams(platform: PinPlatform, token: Uint8Array, subCommand: number, subCommandParams?: Map<number, unknown>): Map<number, unknown> {
  const message = concat(Uint8Array.of(subCommand), subCommandParams ? encodeCanonical(subCommandParams) : new Uint8Array(0));
  const params = new Map<number, unknown>([[1, subCommand]]);
  if (subCommandParams) params.set(2, subCommandParams);
  params.set(3, platform.protocol);
  params.set(4, platform.authenticate(token, message));
  return params;
}

const descriptor = (id: Uint8Array) => new Map<string, unknown>([["id", id], ["type", "public-key"]]);
const rpHashParams = (rpId: string) => new Map<number, unknown>([[1, sha256(rpId)]]);
const credentialParams = (id: Uint8Array) => new Map<number, unknown>([[2, descriptor(id)]]);

/** Three RPs, one of them with two discoverable credentials and a non-discoverable one. */
async function populate(k: TestKey, clock: { now: number }) {
  const bob = await register(k, clock, { rpId: "b.example", userId: Uint8Array.of(2), userName: "bob" });
  const alice = await register(k, clock, { rpId: "a.example", userId: Uint8Array.of(1), userName: "alice" });
  const carol = await register(k, clock, { rpId: "a.example", userId: Uint8Array.of(3), userName: "carol" });
  const nonDiscoverable = await register(k, clock, { rpId: "a.example", userId: Uint8Array.of(4), rk: false });
  const dave = await register(k, clock, { rpId: "c.example", userId: Uint8Array.of(5), userName: "dave" });
  return { bob, alice, carol, nonDiscoverable, dave };
}

async function withPin(k: TestKey, protocol: PinProtocolVersion = 2) {
  const platform = new PinPlatform(k.call, protocol);
  expect(await platform.setPin(PIN)).toBe(Status.CTAP2_OK);
  return platform;
}

describe("authenticatorCredentialManagement", () => {
  it("getInfo advertises credMgmt", async () => {
    const { k } = await openKey();
    const { body } = await k.call(INFO);
    expect((body!.get(4) as Map<string, boolean>).get("credMgmt")).toBe(true);
  });

  it.each([1, 2] as const)("getCredsMetadata counts only discoverable credentials (protocol %i)", async (protocol) => {
    const { k, clock } = await openKey({ maxDiscoverableCredentials: 10 });
    await populate(k, clock);
    const platform = await withPin(k, protocol);
    const token = await platform.requireToken(PIN, Permission.cm);
    const { status, body } = await k.call(CM, cmParams(platform, token, Sub.getCredsMetadata));
    expect(status).toBe(Status.CTAP2_OK);
    expect(body).toEqual(new Map([[1, 4], [2, 6]]));
  });

  it.each([1, 2] as const)("enumerates RPs in order of their ID, totalRPs in the first answer only (protocol %i)", async (protocol) => {
    const { k, clock } = await openKey();
    await populate(k, clock);
    const platform = await withPin(k, protocol);
    const token = await platform.requireToken(PIN, Permission.cm);
    const first = await k.call(CM, cmParams(platform, token, Sub.enumerateRPsBegin));
    expect(first.status).toBe(Status.CTAP2_OK);
    expect(first.body).toEqual(new Map<number, unknown>([[3, new Map([["id", "a.example"], ["name", "Example"]])], [4, sha256("a.example")], [5, 3]]));
    const second = await k.call(CM, new Map([[1, Sub.enumerateRPsGetNextRP]]));
    expect(second.status).toBe(Status.CTAP2_OK);
    expect(second.body).toEqual(new Map<number, unknown>([[3, new Map([["id", "b.example"], ["name", "Example"]])], [4, sha256("b.example")]]));
    const third = await k.call(CM, new Map([[1, Sub.enumerateRPsGetNextRP]]));
    expect((third.body!.get(3) as Map<string, unknown>).get("id")).toBe("c.example");
    expect(third.body!.has(5)).toBe(false);
    expect((await k.call(CM, new Map([[1, Sub.enumerateRPsGetNextRP]]))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
  });

  it("enumerates an RP's discoverable credentials newest first, with user, ID, public key and credProtect", async () => {
    const { k, clock } = await openKey();
    const { alice, carol, nonDiscoverable } = await populate(k, clock);
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    const first = await k.call(CM, cmParams(platform, token, Sub.enumerateCredentialsBegin, rpHashParams("a.example")));
    expect(first.status).toBe(Status.CTAP2_OK);
    expect(first.body).toEqual(
      new Map<number, unknown>([
        [6, new Map<string, unknown>([["id", Uint8Array.of(3)], ["name", "carol"], ["displayName", "Alice"]])],
        [7, descriptor(carol.credentialId)],
        [8, carol.publicKey],
        [9, 2],
        [0x0a, 1],
      ]),
    );
    const second = await k.call(CM, new Map([[1, Sub.enumerateCredentialsGetNextCredential]]));
    expect(second.status).toBe(Status.CTAP2_OK);
    expect(second.body!.get(7)).toEqual(descriptor(alice.credentialId));
    expect(second.body!.get(8)).toEqual(alice.publicKey);
    expect(second.body!.has(9)).toBe(false);
    // The non-discoverable credential of the same RP is not managed.
    expect((await k.call(CM, new Map([[1, Sub.enumerateCredentialsGetNextCredential]]))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    expect(nonDiscoverable.credentialId).toBeDefined();
  });

  it("reports a stored credProtect level and largeBlobKey", async () => {
    const { k, clock } = await openKey();
    const { dave } = await populate(k, clock);
    const largeBlobKey = new Uint8Array(32).fill(7);
    const record = (await k.store.findCredential(dave.credentialId))!;
    await k.store.updateCredential({ ...record, extensions: { credProtect: 3, largeBlobKey } });
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    const { status, body } = await k.call(CM, cmParams(platform, token, Sub.enumerateCredentialsBegin, rpHashParams("c.example")));
    expect(status).toBe(Status.CTAP2_OK);
    expect(body!.get(9)).toBe(1);
    expect(body!.get(0x0a)).toBe(3);
    expect(body!.get(0x0b)).toEqual(largeBlobKey);
  });

  it("GetNext works only directly after its Begin, and not after 30 seconds", async () => {
    const { k, clock } = await openKey();
    await populate(k, clock);
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    const nextRp = () => k.call(CM, new Map([[1, Sub.enumerateRPsGetNextRP]]));
    const nextCredential = () => k.call(CM, new Map([[1, Sub.enumerateCredentialsGetNextCredential]]));
    const beginRps = () => k.call(CM, cmParams(platform, token, Sub.enumerateRPsBegin));

    expect((await nextRp()).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    expect((await nextCredential()).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);

    // Another command in between ends it.
    expect((await beginRps()).status).toBe(Status.CTAP2_OK);
    expect((await k.call(INFO)).status).toBe(Status.CTAP2_OK);
    expect((await nextRp()).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);

    // So does another credentialManagement subcommand, and the other GetNext.
    expect((await beginRps()).status).toBe(Status.CTAP2_OK);
    expect((await k.call(CM, cmParams(platform, token, Sub.getCredsMetadata))).status).toBe(Status.CTAP2_OK);
    expect((await nextRp()).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    expect((await beginRps()).status).toBe(Status.CTAP2_OK);
    expect((await nextCredential()).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    expect((await nextRp()).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);

    // It expires 30 seconds after its last step.
    expect((await k.call(CM, cmParams(platform, token, Sub.enumerateCredentialsBegin, rpHashParams("a.example")))).status).toBe(Status.CTAP2_OK);
    clock.now += 30_001;
    expect((await nextCredential()).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
  });

  it("a single RP or credential leaves nothing for GetNext", async () => {
    const { k, clock } = await openKey();
    await register(k, clock, { rpId: "only.example" });
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    const rps = await k.call(CM, cmParams(platform, token, Sub.enumerateRPsBegin));
    expect(rps.body!.get(5)).toBe(1);
    expect((await k.call(CM, new Map([[1, Sub.enumerateRPsGetNextRP]]))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    const credentials = await k.call(CM, cmParams(platform, token, Sub.enumerateCredentialsBegin, rpHashParams("only.example")));
    expect(credentials.body!.get(9)).toBe(1);
    expect((await k.call(CM, new Map([[1, Sub.enumerateCredentialsGetNextCredential]]))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
  });

  it("answers NO_CREDENTIALS when there are no RPs or no credentials for the RP", async () => {
    const { k, clock } = await openKey();
    await register(k, clock, { rpId: "plain.example", rk: false });
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    expect((await k.call(CM, cmParams(platform, token, Sub.enumerateRPsBegin))).status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
    expect((await k.call(CM, cmParams(platform, token, Sub.enumerateCredentialsBegin, rpHashParams("plain.example")))).status).toBe(
      Status.CTAP2_ERR_NO_CREDENTIALS,
    );
    const metadata = await k.call(CM, cmParams(platform, token, Sub.getCredsMetadata));
    expect(metadata.body!.get(1)).toBe(0);
  });

  it("deleteCredential removes the credential: getAssertion no longer finds it", async () => {
    const { k, clock } = await openKey();
    const { bob, nonDiscoverable } = await populate(k, clock);
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    expect((await k.call(CM, cmParams(platform, token, Sub.deleteCredential, credentialParams(bob.credentialId)))).status).toBe(Status.CTAP2_OK);

    const assertion = await k.call(GA, getAssertionParams({ rpId: "b.example", allowList: [bob.credentialId] }));
    expect(assertion.status).toBe(Status.CTAP2_ERR_NO_CREDENTIALS);
    const metadata = await k.call(CM, cmParams(platform, token, Sub.getCredsMetadata));
    expect(metadata.body!.get(1)).toBe(3);
    const rps = await k.call(CM, cmParams(platform, token, Sub.enumerateRPsBegin));
    expect(rps.body!.get(5)).toBe(2);
    expect(await k.store.findCredential(bob.credentialId)).toBeUndefined();

    // Gone is gone; a non-discoverable credential is not this command's to delete.
    expect((await k.call(CM, cmParams(platform, token, Sub.deleteCredential, credentialParams(bob.credentialId)))).status).toBe(
      Status.CTAP2_ERR_NO_CREDENTIALS,
    );
    expect((await k.call(CM, cmParams(platform, token, Sub.deleteCredential, credentialParams(nonDiscoverable.credentialId)))).status).toBe(
      Status.CTAP2_ERR_NO_CREDENTIALS,
    );
    expect(await k.store.findCredential(nonDiscoverable.credentialId)).toBeDefined();
  });

  it("updateUserInformation replaces name and displayName, and enumeration shows it", async () => {
    const { k, clock } = await openKey();
    const { dave } = await populate(k, clock);
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    const update = (user: Map<string, unknown>) =>
      k.call(CM, cmParams(platform, token, Sub.updateUserInformation, new Map<number, unknown>([[2, descriptor(dave.credentialId)], [3, user]])));
    const enumerate = async () => (await k.call(CM, cmParams(platform, token, Sub.enumerateCredentialsBegin, rpHashParams("c.example")))).body!.get(6);

    expect((await update(new Map<string, unknown>([["id", Uint8Array.of(5)], ["name", "david"], ["displayName", "David"]]))).status).toBe(Status.CTAP2_OK);
    expect(await enumerate()).toEqual(new Map<string, unknown>([["id", Uint8Array.of(5)], ["name", "david"], ["displayName", "David"]]));

    // An absent or empty field is removed.
    expect((await update(new Map<string, unknown>([["id", Uint8Array.of(5)], ["name", ""]]))).status).toBe(Status.CTAP2_OK);
    expect(await enumerate()).toEqual(new Map<string, unknown>([["id", Uint8Array.of(5)]]));

    // The user ID cannot change.
    expect((await update(new Map<string, unknown>([["id", Uint8Array.of(6)], ["name", "mallory"]]))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    expect((await update(new Map<string, unknown>([["name", "mallory"]]))).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    expect(await enumerate()).toEqual(new Map<string, unknown>([["id", Uint8Array.of(5)]]));

    // The signature counter was not touched by the rewrite: the credential still signs.
    const assertion = await k.call(GA, getAssertionParams({ rpId: "c.example", allowList: [dave.credentialId] }));
    expect(assertion.status).toBe(Status.CTAP2_OK);
  });

  it("a token bound to an RP reaches only that RP's credentials", async () => {
    const { k, clock } = await openKey();
    const { alice, bob } = await populate(k, clock);
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm, "a.example");
    const call = (sub: number, params?: Map<number, unknown>) => k.call(CM, cmParams(platform, token, sub, params));

    expect((await call(Sub.getCredsMetadata)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await call(Sub.enumerateRPsBegin)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await call(Sub.enumerateCredentialsBegin, rpHashParams("b.example"))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect((await call(Sub.deleteCredential, credentialParams(bob.credentialId))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    const bobUpdate = new Map<number, unknown>([[2, descriptor(bob.credentialId)], [3, new Map([["id", Uint8Array.of(2)]])]]);
    expect((await call(Sub.updateUserInformation, bobUpdate)).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    expect(await k.store.findCredential(bob.credentialId)).toBeDefined();

    const own = await call(Sub.enumerateCredentialsBegin, rpHashParams("a.example"));
    expect(own.status).toBe(Status.CTAP2_OK);
    expect(own.body!.get(9)).toBe(2);
    expect((await call(Sub.deleteCredential, credentialParams(alice.credentialId))).status).toBe(Status.CTAP2_OK);
  });

  it("answers the spec's statuses for a missing or wrong pinUvAuthParam and malformed requests", async () => {
    const { k, clock } = await openKey();
    const { bob } = await populate(k, clock);
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    const valid = cmParams(platform, token, Sub.getCredsMetadata);
    const without = (...keys: number[]) => new Map([...valid].filter(([k]) => !keys.includes(k)));

    expect((await k.call(CM, without(3, 4))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await k.call(CM, without(4))).status).toBe(Status.CTAP2_ERR_PUAT_REQUIRED);
    expect((await k.call(CM, without(3))).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    expect((await k.call(CM, new Map([...valid, [3, 3]]))).status).toBe(Status.CTAP1_ERR_INVALID_PARAMETER);
    const wrong = new Uint8Array(valid.get(4) as Uint8Array);
    wrong[0] ^= 1;
    expect((await k.call(CM, new Map([...valid, [4, wrong]]))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    // A pinUvAuthParam made for another subcommand or other subCommandParams does not verify.
    const forMetadata = valid.get(4);
    expect((await k.call(CM, new Map<number, unknown>([[1, Sub.enumerateRPsBegin], [3, 2], [4, forMetadata]]))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
    const deleteBob = cmParams(platform, token, Sub.deleteCredential, credentialParams(bob.credentialId));
    expect((await k.call(CM, new Map([...deleteBob, [2, credentialParams(Uint8Array.of(9))]]))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);

    expect((await k.call(CM, new Map([[1, 0x08]]))).status).toBe(Status.CTAP2_ERR_INVALID_SUBCOMMAND);
    expect((await k.call(CM, new Map([[3, 2]]))).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    expect((await k.call(CM, cmParams(platform, token, Sub.enumerateCredentialsBegin))).status).toBe(Status.CTAP2_ERR_MISSING_PARAMETER);
    expect((await k.call(CM, cmParams(platform, token, Sub.deleteCredential, new Map([[1, sha256("x")]])))).status).toBe(
      Status.CTAP2_ERR_MISSING_PARAMETER,
    );
    expect((await k.call(CM, new Map<number, unknown>([[1, Sub.deleteCredential], [2, "not a map"], [3, 2], [4, forMetadata]]))).status).toBe(
      Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE,
    );
    expect(await k.store.findCredential(bob.credentialId)).toBeDefined();
  });

  it("needs a token with the cm permission, in use", async () => {
    const { k, clock } = await openKey();
    await populate(k, clock);
    const platform = await withPin(k);
    const mcToken = await platform.requireToken(PIN, Permission.mc | Permission.ga, "a.example");
    expect((await k.call(CM, cmParams(platform, mcToken, Sub.getCredsMetadata))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);

    // An unused token expires after 30 seconds.
    const token = await platform.requireToken(PIN, Permission.cm);
    clock.now += 31_000;
    expect((await k.call(CM, cmParams(platform, token, Sub.getCredsMetadata))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);

    // A new PIN makes old tokens useless.
    const before = await platform.requireToken(PIN, Permission.cm);
    expect(await platform.changePin(PIN, "5678")).toBe(Status.CTAP2_OK);
    expect((await k.call(CM, cmParams(platform, before, Sub.getCredsMetadata))).status).toBe(Status.CTAP2_ERR_PIN_AUTH_INVALID);
  });

  it("works with a token from built-in user verification", async () => {
    key = await openTestKey();
    const k = key;
    const { status } = await k.call(MC, makeCredentialParams({ rk: true, uv: true }));
    expect(status).toBe(Status.CTAP2_OK);
    const platform = new PinPlatform(k.call, 2);
    const { status: tokenStatus, token } = await platform.getPinUvAuthTokenUsingUvWithPermissions(Permission.cm);
    expect(tokenStatus).toBe(Status.CTAP2_OK);
    const { body } = await k.call(CM, cmParams(platform, token!, Sub.getCredsMetadata));
    expect(body!.get(1)).toBe(1);
  });

  it("answers the prototype command 0x41 as 0x0A, and an enumeration continues across the two bytes (libfido2 < 1.15)", async () => {
    const { k, clock } = await openKey();
    const { alice, carol } = await populate(k, clock);
    const platform = await withPin(k);
    const token = await platform.requireToken(PIN, Permission.cm);
    const metadata = await k.call(CM_PROTOTYPE, cmParams(platform, token, Sub.getCredsMetadata));
    expect(metadata.status).toBe(Status.CTAP2_OK);
    expect(metadata.body!.get(1)).toBe(4);
    // Begin under 0x41, continue under 0x41 and under 0x0A: one enumeration, as on a YubiKey.
    const first = await k.call(CM_PROTOTYPE, cmParams(platform, token, Sub.enumerateRPsBegin));
    expect(first.body!.get(5)).toBe(3);
    const second = await k.call(CM_PROTOTYPE, new Map([[1, Sub.enumerateRPsGetNextRP]]));
    const third = await k.call(CM, new Map([[1, Sub.enumerateRPsGetNextRP]]));
    expect([first, second, third].map((r) => (r.body!.get(3) as Map<string, unknown>).get("id"))).toEqual(["a.example", "b.example", "c.example"]);
    // Another command still ends it, whichever byte began it.
    expect((await k.call(CM_PROTOTYPE, cmParams(platform, token, Sub.enumerateCredentialsBegin, rpHashParams("a.example")))).status).toBe(Status.CTAP2_OK);
    expect((await k.call(INFO)).status).toBe(Status.CTAP2_OK);
    expect((await k.call(CM_PROTOTYPE, new Map([[1, Sub.enumerateCredentialsGetNextCredential]]))).status).toBe(Status.CTAP2_ERR_NOT_ALLOWED);
    // Delete through 0x41.
    expect((await k.call(CM_PROTOTYPE, cmParams(platform, token, Sub.deleteCredential, credentialParams(alice.credentialId)))).status).toBe(Status.CTAP2_OK);
    expect(await k.store.findCredential(alice.credentialId)).toBeUndefined();
    expect(await k.store.findCredential(carol.credentialId)).toBeDefined();
  });

  it("has no prototype bio enrollment (0x40): there is no bio enrollment to alias", async () => {
    const { k } = await openKey();
    expect((await k.call(0x40, new Map([[2, 0x07]]))).status).toBe(Status.CTAP1_ERR_INVALID_COMMAND);
  });
});
