/**
 * Response faults: switches that make the key answer like a broken (or
 * malicious) one, so a test can check that a relying party refuses it. Named
 * like Chrome's DevTools WebAuthn.setResponseOverrideBits where they overlap.
 * faults.ts applies them to the responses.
 */

export interface ResponseFaults {
  /** The signature (assertion, and the attestation's sig) has its last byte flipped: it no longer verifies. */
  isBogusSignature: boolean;
  /** The UP flag is cleared. */
  isBadUP: boolean;
  /** The UV flag is cleared, even when the user was verified (wins over forceUV). */
  isBadUV: boolean;
  /** The UV flag is set though no user verification happened. */
  forceUV: boolean;
  /** rpIdHash is not SHA-256 of the RP ID (it is SHA-256 of the right hash). */
  badRpIdHash: boolean;
  /** makeCredential: the attested credential data carries another public key than the one that signs. */
  mismatchedPublicKey: boolean;
  /** getAssertion: the authenticator data lacks its last byte. */
  truncatedAuthData: boolean;
}

export type FaultName = keyof ResponseFaults;

export const FAULT_DESCRIPTIONS: Readonly<Record<FaultName, string>> = {
  isBogusSignature: "flip the last byte of the assertion (and attestation) signature",
  isBadUP: "clear the UP (user present) flag",
  isBadUV: "clear the UV (user verified) flag",
  forceUV: "set the UV flag though no user verification happened",
  badRpIdHash: "send a wrong rpIdHash",
  mismatchedPublicKey: "register a public key other than the one that signs",
  truncatedAuthData: "cut the assertion's authenticator data one byte short",
};

export const FAULT_NAMES = Object.keys(FAULT_DESCRIPTIONS) as readonly FaultName[];

export const NO_FAULTS: ResponseFaults = Object.freeze({
  isBogusSignature: false,
  isBadUP: false,
  isBadUV: false,
  forceUV: false,
  badRpIdHash: false,
  mismatchedPublicKey: false,
  truncatedAuthData: false,
});

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULT_DESCRIPTIONS, name);
}

/** The switches given, all others off; NO_FAULTS itself when none is on (the wrapper's fast check). */
export function responseFaults(on: Partial<ResponseFaults> | undefined): ResponseFaults {
  if (!on || !FAULT_NAMES.some((name) => on[name] === true)) return NO_FAULTS;
  const faults = { ...NO_FAULTS };
  for (const name of FAULT_NAMES) faults[name] = on[name] === true;
  return Object.freeze(faults);
}
