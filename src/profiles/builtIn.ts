/**
 * The profiles softkey ships. `softkey-roaming` is the default: the device
 * softkey always was, a roaming key, now claiming CTAP 2.2 with the members
 * and extensions that version added; `softkey-bio` is a fingerprint key;
 * `softkey-pq` makes post-quantum (ML-DSA) credentials when an RP asks.
 */
import { SOFTKEY_AAGUID } from "../authenticator/deviceConfig.js";
import type { Profile } from "./profile.js";

export const DEFAULT_PROFILE = "softkey-roaming";

export const BUILT_IN_PROFILES: readonly Profile[] = [
  {
    profileVersion: 1,
    name: "softkey-roaming",
    description: "a generic CTAP 2.2 roaming key (USB): ES256 and EdDSA, built-in UV, discoverable credentials, every extension, the persistent token, U2F offered",
    aaguid: SOFTKEY_AAGUID,
    attestation: { format: "packed" },
    algorithms: [-7, -8],
    transports: ["usb"],
    getInfo: {
      versions: ["U2F_V2", "FIDO_2_0", "FIDO_2_1", "FIDO_2_2"],
      options: { uv: true, plat: false, rk: true, perCredMgmtRO: true },
      maxCredentialCountInList: 16,
      maxCredentialIdLength: 128,
      maxDiscoverableCredentials: 100_000,
      firmwareVersion: 1,
      // softkey's policy (src/authenticator/pin/pinPolicy.ts), off until setMinPINLength turns it on; a profile may add its URL.
      pinComplexityPolicy: { enabled: false },
    },
    u2f: true,
    counter: "per-credential",
    backup: { eligible: false, state: false },
    attachment: "cross-platform",
  },
  {
    profileVersion: 1,
    name: "u2f-only",
    description: "a FIDO U2F key: CTAP1 only (every CTAP2 command answers INVALID_COMMAND), ES256, fido-u2f attestation, zero AAGUID, one global counter",
    aaguid: "00000000-0000-0000-0000-000000000000",
    attestation: { format: "fido-u2f" },
    algorithms: [-7],
    transports: ["usb"],
    u2f: true,
    counter: "global",
    backup: { eligible: false, state: false },
    attachment: "cross-platform",
  },
  {
    profileVersion: 1,
    name: "platform-passkey",
    description: "a platform authenticator with synced passkeys: built-in UV, plat, internal and hybrid transports, backup eligible and backed up, counter always 0, attestation none",
    aaguid: "5f1b5b2e-9c1a-4c52-8f0e-6b0b7a3c2d11",
    attestation: { format: "none" },
    algorithms: [-7],
    transports: ["internal", "hybrid"],
    getInfo: {
      versions: ["FIDO_2_0", "FIDO_2_1"],
      options: { uv: true, plat: true, rk: true },
      maxCredentialCountInList: 16,
      maxCredentialIdLength: 128,
      maxDiscoverableCredentials: 100_000,
      firmwareVersion: 1,
    },
    u2f: false,
    counter: "zero",
    backup: { eligible: true, state: true },
    attachment: "platform",
  },
  {
    profileVersion: 1,
    name: "softkey-bio",
    description:
      "a fingerprint key like a YubiKey Bio (CTAP 2.2, USB): built-in UV configured once a finger is enrolled (softkey bio enroll), ES256 and EdDSA, PIN fallback, long touch for reset",
    aaguid: "b4e2a4f1-0d5c-4f3e-9a56-5b1f6b1c2e7d",
    attestation: { format: "packed" },
    algorithms: [-7, -8],
    transports: ["usb"],
    getInfo: {
      versions: ["FIDO_2_0", "FIDO_2_1_PRE", "FIDO_2_1", "FIDO_2_2"],
      options: { uv: true, plat: false, rk: true, bioEnroll: true, perCredMgmtRO: true },
      maxCredentialCountInList: 8,
      maxCredentialIdLength: 128,
      maxDiscoverableCredentials: 100,
      firmwareVersion: 1,
      longTouchForReset: true,
      maxPINLength: 63,
    },
    u2f: false,
    counter: "per-credential",
    backup: { eligible: false, state: false },
    attachment: "cross-platform",
  },
  {
    profileVersion: 1,
    name: "softkey-pq",
    description:
      "a CTAP 2.2 roaming key that offers post-quantum ML-DSA-44/65/87 (experimental, COSE key type AKP) first, then ES256 and EdDSA for RPs that ask for neither",
    aaguid: "8c5a3e0f-2b71-4d9e-a6c4-0e93f5d17b28",
    attestation: { format: "packed" },
    algorithms: [-48, -49, -50, -7, -8],
    transports: ["usb"],
    getInfo: {
      versions: ["FIDO_2_0", "FIDO_2_1", "FIDO_2_2"],
      options: { uv: true, plat: false, rk: true, perCredMgmtRO: true },
      maxCredentialCountInList: 16,
      maxCredentialIdLength: 128,
      maxDiscoverableCredentials: 100_000,
      firmwareVersion: 1,
    },
    u2f: false,
    counter: "per-credential",
    backup: { eligible: false, state: false },
    attachment: "cross-platform",
  },
];
