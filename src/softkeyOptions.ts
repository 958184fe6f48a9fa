/** The options of Softkey.init and Softkey.open, and the device settings kept in the store. */
import type { ScryptParams } from "./keystore/records.js";
import type { AttestationFormatName, AuthenticatorConfig } from "./authenticator/deviceConfig.js";
import type { BuiltInUvMode, PresencePolicyName, SampleStatus } from "./presence/index.js";
import type { UserPresence } from "./presence/presence.js";
import type { PinSource } from "./client/client.js";
import type { ResponseFaults } from "./authenticator/faultSwitches.js";
import type { Profile } from "./profiles/index.js";

/** The device settings chosen at `init` and kept in the store. */
export interface DeviceSettings {
  aaguid: string;
  attestation: AttestationFormatName;
  /** RP IDs for vendor-facilitated enterprise attestation; present (even empty) makes the device capable of it. */
  enterpriseRpIds?: string[];
  /** The device profile chosen at init (a copy, so the store does not depend on the file); absent in older stores: softkey-roaming. */
  profile?: Profile;
}


export interface InitOptions {
  /** scrypt cost for the passphrase; defaults to DEFAULT_SCRYPT. */
  scrypt?: ScryptParams;
  aaguid?: string;
  attestation?: AttestationFormatName;
  enterpriseRpIds?: string[];
  /** The emulated device: a profile, or a built-in profile's name or a profile file; default softkey-roaming. aaguid, attestation and enterpriseRpIds above override its own. */
  profile?: Profile | string;
}

export interface OpenOptions {
  passphrase: string;
  presence?: PresencePolicyName | UserPresence;
  /** The finger that touches: on, off, fail, unknown, none, or finger:<name or template ID> on a fingerprint key. */
  uv?: BuiltInUvMode;
  /** Fingerprint enrollment: what the sensor reports for each sample, in order (then good ones). */
  enrollSamples?: SampleStatus[];
  /** Diagnostics from the core (skipped corrupt records, refused requests). */
  log?: (message: string) => void;
  /** Overrides of the emulated device, e.g. a shorter reset window in tests. */
  config?: Partial<AuthenticatorConfig>;
  /**
   * Deterministic mode, for fixtures and never for anything real: credential IDs, key pairs and
   * signatures derived from this seed and the inputs (see crypto/deterministicKeys.ts).
   */
  seed?: string | Uint8Array;
  /** Response faults for this session, on top of those stored with `softkey fault set` (see authenticator/faults.ts). */
  faults?: Partial<ResponseFaults>;
  /** The key's PIN, or a function asked only when a ceremony needs it (the WebAuthn client's PIN flow). */
  pin?: PinSource;
  /**
   * Open a damaged store to rescue what still verifies (`softkey export --rescue`): read-only, from a
   * scratch copy (Keystore.open's rescue), with device settings that fail their check replaced by
   * defaults; `damage` says what failed.
   */
  rescue?: boolean;
}
