/** Backup flags (BE 0x08, BS 0x10): from the profile at creation, changed later per credential, as the RP reads them. */
import { afterEach, expect, it } from "vitest";
import { builtInProfile, defaultProfile } from "../../src/profiles/index.js";
import { registered, signIn, TestDevice } from "../helpers/relyingParty.js";

let device: TestDevice;
afterEach(() => device?.dispose());

function flagsOf(authenticatorData: string): number {
  return Buffer.from(authenticatorData, "base64url")[32]! & 0x18;
}

it("a security key's credentials are single-device, not backed up", async () => {
  device = await TestDevice.create();
  const credential = await registered(device.key);
  expect(credential.info).toMatchObject({ credentialDeviceType: "singleDevice", credentialBackedUp: false });
  const { response, verification } = await signIn(device.key, credential);
  expect(flagsOf(response.response.authenticatorData)).toBe(0);
  await expect(verification).resolves.toMatchObject({ authenticationInfo: { credentialDeviceType: "singleDevice", credentialBackedUp: false } });
});

it("platform-passkey credentials are multi-device and backed up, in registration and assertion", async () => {
  device = await TestDevice.create({ profile: "platform-passkey" });
  const credential = await registered(device.key, { residentKey: "required", userVerification: "required", attestationType: "none" });
  expect(credential.info).toMatchObject({ credentialDeviceType: "multiDevice", credentialBackedUp: true, fmt: "none" });
  const { response, verification } = await signIn(device.key, credential);
  expect(flagsOf(response.response.authenticatorData)).toBe(0x18);
  await expect(verification).resolves.toMatchObject({ authenticationInfo: { credentialDeviceType: "multiDevice", credentialBackedUp: true } });
});

it("backup flags are the credential's own: changing them later shows in its next assertion only", async () => {
  device = await TestDevice.create({ profile: { ...defaultProfile(), name: "eligible", backup: { eligible: true, state: false } } });
  const alice = await registered(device.key, { userName: "alice" });
  const bob = await registered(device.key, { userName: "bob" });
  expect(alice.info).toMatchObject({ credentialDeviceType: "multiDevice", credentialBackedUp: false });

  const summary = await device.key.setBackupFlags(alice.id, { state: true });
  expect(summary).toMatchObject({ credentialId: alice.id, backupEligible: true, backupState: true });
  const a = await (await signIn(device.key, alice)).verification;
  expect(a.authenticationInfo).toMatchObject({ credentialDeviceType: "multiDevice", credentialBackedUp: true });
  const b = await (await signIn(device.key, bob)).verification;
  expect(b.authenticationInfo).toMatchObject({ credentialBackedUp: false });

  // Survives a reopen, and the store says so too.
  await device.reopen();
  const { credentials } = await device.key.listCredentials();
  expect(credentials.find((c) => c.credentialId === alice.id)).toMatchObject({ backupEligible: true, backupState: true });
  await device.key.setBackupFlags(alice.id, { eligible: false, state: false });
  const c = await (await signIn(device.key, { ...alice, counter: 1 })).verification;
  expect(c.authenticationInfo).toMatchObject({ credentialDeviceType: "singleDevice", credentialBackedUp: false });
});

it("refuses BS without BE (WebAuthn L3), leaving the credential as it was", async () => {
  device = await TestDevice.create();
  const credential = await registered(device.key);
  await expect(device.key.setBackupFlags(credential.id, { state: true })).rejects.toThrow(/BS=1 requires BE=1/);
  const { credentials } = await device.key.listCredentials();
  expect(credentials[0]).toMatchObject({ backupEligible: false, backupState: false });
  await expect(device.key.setBackupFlags("AAAA", { eligible: true })).rejects.toMatchObject({ code: "CREDENTIAL_NOT_FOUND" });
  expect(builtInProfile("platform-passkey")!.backup).toEqual({ eligible: true, state: true });
});
