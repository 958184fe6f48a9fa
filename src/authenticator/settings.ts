/**
 * Every setting the device keeps in its store, by name, and whether it
 * survives authenticatorReset (as OpenSK's persist/keys.rs draws the reset
 * boundary). What describes the device (its profile, attestation keys, the
 * faults it was built with) stays, as firmware does; what belongs to its
 * user (PIN, configuration, large blobs) goes with the credentials.
 */
export const Setting = {
  /** ClientPIN: PIN hash, retries, minimum length, alwaysUv (pin/pinState.ts). */
  clientPin: { name: "clientPin", keptOnReset: false },
  /** authenticatorConfig enableEnterpriseAttestation (enterpriseAttestation.ts). */
  enterpriseAttestation: { name: "enterpriseAttestation", keptOnReset: false },
  /** The serialized large-blob array (commands/largeBlobs.ts). */
  largeBlobArray: { name: "largeBlobArray", keptOnReset: false },
  /** The persistent pinUvAuthToken (CTAP 2.2), the device identifier and credential store state it encrypts (pin/persistentToken.ts). */
  persistentPinUvAuthToken: { name: "persistentPinUvAuthToken", keptOnReset: false },
  /** Fingerprint templates enrolled through authenticatorBioEnrollment (bio/templates.ts). */
  bioEnrollments: { name: "bioEnrollments", keptOnReset: false },
  /** The emulated device: AAGUID, attestation format, profile (chosen at init). */
  device: { name: "device", keptOnReset: true },
  /** The attestation CA that certifies credentials (softkey ca init). */
  attestationCa: { name: "attestationCa", keptOnReset: true },
  /** The U2F attestation certificate and key (u2f/attestationCertificate.ts). */
  u2fAttestation: { name: "u2fAttestation", keptOnReset: true },
  /** Response faults switched on with softkey fault set: a broken key stays broken. */
  faults: { name: "faults", keptOnReset: true },
} as const;

export type SettingName = (typeof Setting)[keyof typeof Setting]["name"];

/** The attestation CA's setting, by the name the library API has always exported. */
export const ATTESTATION_CA_SETTING = Setting.attestationCa.name;

/** The settings authenticatorReset keeps. */
export const SETTINGS_KEPT_ON_RESET: readonly SettingName[] = Object.values(Setting)
  .filter((setting) => setting.keptOnReset)
  .map((setting) => setting.name);
