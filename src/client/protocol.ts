/**
 * Which protocol a device speaks, found as Chrome finds it
 * (device/fido/fido_device.cc, DiscoverSupportedProtocolAndDeviceInfo):
 * authenticatorGetInfo first; a device that fails it, or whose versions
 * name no FIDO_2_x, is a CTAP1/U2F key when it has a CTAP1 door
 * (CTAPHID_MSG). A U2F key's getInfo is then the one CTAP 2.2 section 11.2
 * implies for it: U2F_V2, no options, no extensions, a zero AAGUID.
 */
import type { ClientContext } from "./context.js";
import type { CtapTransport } from "../ctap/transport.js";
import type { AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import type { CallOptions } from "./ctap/command.js";
import { WebAuthnError } from "./errors.js";

export type DeviceProtocol = { kind: "ctap2"; info: AuthenticatorInfo } | { kind: "u2f"; info: AuthenticatorInfo; ctap1: CtapTransport };

/** What a CTAP1/U2F key is, in getInfo's terms. */
export const U2F_INFO: AuthenticatorInfo = Object.freeze({
  versions: ["U2F_V2"],
  extensions: [],
  aaguid: new Uint8Array(16),
  options: new Map<string, boolean>(),
  pinUvAuthProtocols: [],
  transports: [],
  forcePinChange: false,
  minPinLength: 4,
});

export async function detectProtocol(device: ClientContext, call: CallOptions): Promise<DeviceProtocol> {
  let info: AuthenticatorInfo;
  try {
    info = await device.getInfo(call);
  } catch (error) {
    if (call.signal?.aborted || !device.ctap1) throw error;
    return { kind: "u2f", info: U2F_INFO, ctap1: device.ctap1 };
  }
  if (info.versions.some((v) => v.startsWith("FIDO_2_"))) return { kind: "ctap2", info };
  if (device.ctap1 && info.versions.includes("U2F_V2")) return { kind: "u2f", info: U2F_INFO, ctap1: device.ctap1 };
  throw new WebAuthnError("NotAllowedError", `the authenticator does not speak CTAP2 (versions: ${info.versions.join(", ")})`);
}
