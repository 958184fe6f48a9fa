/**
 * U2F as the device's profile offers it: the CTAPHID capabilities and the
 * MSG handler per profile, getInfo's versions, a U2F-only key that answers
 * no CTAP2, and the attestation certificate (CA-issued, or self-signed and
 * kept across authenticatorReset).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Softkey } from "../../../src/softkey.js";
import { u2fDeviceOptions } from "../../../src/authenticator/u2f/u2fHandler.js";
import { U2F_ATTESTATION_SETTING } from "../../../src/authenticator/u2f/attestationCertificate.js";
import { CtaphidHost } from "../../../src/ctaphid/host.js";
import { CID_BROADCAST, Capability, CtaphidCommand as C, CtaphidErrorCode as E, encodeMessage } from "../../../src/ctaphid/packets.js";
import { ATTESTATION_CA_SETTING } from "../../../src/authenticator/settings.js";
import { issueAttestationCa } from "../../../src/attestationCa/issueCa.js";
import { decodeCbor } from "../../../src/ctap/cbor.js";
import { TEST_SCRYPT } from "../../helpers/ctap.js";
import { decodeReports, settle } from "../../ctaphid/helpers.js";
import { SW, extendedApdu, parseRegistration, registerData, send, sha256, verifyRegistration } from "./helpers.js";

const dirs: string[] = [];
const keys: Softkey[] = [];

afterEach(async () => {
  await Promise.all(keys.splice(0).map((k) => k.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function device(profile: string): Promise<Softkey> {
  const dir = mkdtempSync(join(tmpdir(), "softkey-u2f-"));
  dirs.push(dir);
  const key = await Softkey.init(join(dir, "store"), "u2f", { scrypt: TEST_SCRYPT, profile });
  keys.push(key);
  return key;
}

/** CTAPHID_INIT's capabilities, and what CTAPHID_CBOR and CTAPHID_MSG get, on a host set up as `softkey serve` sets it up. */
async function overCtaphid(key: Softkey): Promise<{ capabilities: number; cbor: { cmd: number; payload: Uint8Array }; msg: { cmd: number; payload: Uint8Array } }> {
  const sent: Uint8Array[] = [];
  const host = new CtaphidHost({ transport: key.authenticator, send: (report) => sent.push(report), ...u2fDeviceOptions(key.authenticator) });
  const exchange = async (cid: number, cmd: number, payload: Uint8Array) => {
    sent.length = 0;
    for (const report of encodeMessage(cid, cmd, payload)) host.receive(report);
    // Wait on the answer, not on a number of event-loop turns: under a loaded test run the core takes longer.
    const deadline = Date.now() + 10_000;
    while (decodeReports(sent.filter((r) => r[4] !== C.CTAPHID_KEEPALIVE)).length === 0 && Date.now() < deadline) await settle();
    return decodeReports(sent).filter((m) => m.cmd !== C.CTAPHID_KEEPALIVE)[0]!;
  };
  const init = await exchange(CID_BROADCAST, C.CTAPHID_INIT, new Uint8Array(8));
  const cid = Buffer.from(init.payload).readUInt32BE(8);
  const result = {
    capabilities: init.payload[16]!,
    cbor: await exchange(cid, C.CTAPHID_CBOR, Uint8Array.of(0x04)),
    msg: await exchange(cid, C.CTAPHID_MSG, Uint8Array.from(extendedApdu(0x03, 0, new Uint8Array(0)))),
  };
  host.close();
  return result;
}

describe("U2F per profile", () => {
  it("softkey-roaming: CBOR and MSG, getInfo lists U2F_V2", async () => {
    const key = await device("softkey-roaming");
    const { capabilities, cbor, msg } = await overCtaphid(key);
    expect(capabilities & Capability.CAPABILITY_CBOR).toBeTruthy();
    expect(capabilities & Capability.CAPABILITY_NMSG).toBe(0);
    expect(cbor.cmd).toBe(C.CTAPHID_CBOR);
    expect((decodeCbor(cbor.payload.subarray(1)) as Map<number, unknown>).get(1)).toEqual(["U2F_V2", "FIDO_2_0", "FIDO_2_1", "FIDO_2_2"]);
    expect({ cmd: msg.cmd, text: Buffer.from(msg.payload).toString("latin1") }).toEqual({ cmd: C.CTAPHID_MSG, text: "U2F_V2\x90\x00" });
  });

  it("platform-passkey: no U2F: NMSG, MSG is ERR_INVALID_CMD, getInfo has no U2F_V2", async () => {
    const key = await device("platform-passkey");
    const { capabilities, cbor, msg } = await overCtaphid(key);
    expect(capabilities & Capability.CAPABILITY_NMSG).toBeTruthy();
    expect(capabilities & Capability.CAPABILITY_CBOR).toBeTruthy();
    expect((decodeCbor(cbor.payload.subarray(1)) as Map<number, unknown>).get(1)).toEqual(["FIDO_2_0", "FIDO_2_1"]);
    expect({ cmd: msg.cmd, error: msg.payload[0] }).toEqual({ cmd: C.CTAPHID_ERROR, error: E.ERR_INVALID_CMD });
  });

  it("u2f-only: MSG only; CBOR is ERR_INVALID_CMD over CTAPHID and CTAP1_ERR_INVALID_COMMAND in the core", async () => {
    const key = await device("u2f-only");
    const { capabilities, cbor, msg } = await overCtaphid(key);
    expect(capabilities & Capability.CAPABILITY_CBOR).toBe(0);
    expect(capabilities & Capability.CAPABILITY_NMSG).toBe(0);
    expect({ cmd: cbor.cmd, error: cbor.payload[0] }).toEqual({ cmd: C.CTAPHID_ERROR, error: E.ERR_INVALID_CMD });
    expect(msg.cmd).toBe(C.CTAPHID_MSG);
    for (const command of [0x01, 0x02, 0x04, 0x06, 0x07]) expect([...(await key.authenticator.transact(Uint8Array.of(command, 0xa0)))]).toEqual([0x01]);
  });
});

describe("the U2F attestation certificate", () => {
  it("is the attestation CA's U2F certificate when the store has a CA", async () => {
    const key = await device("softkey-roaming");
    const ca = await issueAttestationCa({ aaguid: key.device.aaguid });
    await key.keystore.putSetting(ATTESTATION_CA_SETTING, ca);
    const u2f = u2fDeviceOptions(key.authenticator).msg!;
    const app = sha256("https://ca.example");
    const challenge = sha256("challenge");
    const response = await send(u2f, extendedApdu(0x01, 0, registerData(challenge, app)));
    expect(response.sw).toBe(SW.OK);
    const registration = parseRegistration(response.data);
    expect(registration.certificateDer).toEqual(Buffer.from(ca.u2f.certificate));
    expect(verifyRegistration(registration, app, challenge)).toBe(true);
    expect(await key.keystore.getSetting(U2F_ATTESTATION_SETTING)).toBeUndefined();
  });

  it("is self-signed otherwise, made once, and survives authenticatorReset", async () => {
    const key = await device("softkey-roaming");
    const u2f = u2fDeviceOptions(key.authenticator).msg!;
    const app = sha256("https://self.example");
    const first = parseRegistration((await send(u2f, extendedApdu(0x01, 0, registerData(sha256("1"), app)))).data);
    expect([...(await key.authenticator.transact(Uint8Array.of(0x07)))]).toEqual([0x00]);
    // The credential is gone, the certificate is not.
    expect(await key.keystore.findCredential(first.keyHandle)).toBeUndefined();
    const second = parseRegistration((await send(u2f, extendedApdu(0x01, 0, registerData(sha256("2"), app)))).data);
    expect(second.certificateDer).toEqual(first.certificateDer);
    expect(verifyRegistration(second, app, sha256("2"))).toBe(true);
  });
});
