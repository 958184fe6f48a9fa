/**
 * `softkey demo`: the whole story of a passkey in one run. A relying party
 * (example.com) registers a passkey, signs in with it, and checks the
 * signature with the public key it was given at registration, printing each
 * step as it goes.
 */
import { createPublicKey, randomBytes } from "node:crypto";
import type { Softkey } from "../softkey.js";
import { algorithmName } from "../ctap/cose.js";
import { decodeCbor } from "../ctap/cbor.js";
import { verifyAssertion, type AssertionVerification } from "./verifyAssertion.js";

export const DEMO_ORIGIN = "https://example.com";
export const DEMO_RP_ID = "example.com";

export interface DemoOptions {
  /** Where the story is told, line by line. */
  print: (line: string) => void;
  /** The demo credential stays in a store the user chose; say how to remove it. */
  persistentStore?: string;
}

export interface DemoResult {
  credentialId: string;
  verification: AssertionVerification;
}

export async function runDemo(softkey: Softkey, options: DemoOptions): Promise<DemoResult> {
  const { print } = options;
  const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  const field = (label: string, value: string) => print(`   ${label.padEnd(18)}${value}`);

  print(`softkey demo: a relying party at ${DEMO_ORIGIN} (RP ID "${DEMO_RP_ID}") meets a virtual security key`);
  print(`authenticator: AAGUID ${softkey.device.aaguid}, ${softkey.device.attestation} attestation`);
  print("");

  // 1. Registration
  const userId = b64url(randomBytes(16));
  const userName = "alice@example.com";
  const regChallenge = b64url(randomBytes(32));
  print("1. Registration: the RP asks for a new passkey (navigator.credentials.create)");
  field("challenge", regChallenge);
  field("user", `${userName} (user handle ${userId})`);
  field("algorithms", "ES256 (-7), EdDSA (-8)");
  const registration = await softkey.create(
    {
      rp: { id: DEMO_RP_ID, name: "Example Corp" },
      user: { id: userId, name: userName, displayName: "Alice Example" },
      challenge: regChallenge,
      pubKeyCredParams: [
        { type: "public-key", alg: -7 },
        { type: "public-key", alg: -8 },
      ],
      authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
      attestation: "direct",
    },
    { origin: DEMO_ORIGIN },
  );
  const publicKeyB64 = registration.response.publicKey;
  if (publicKeyB64 === undefined) throw new Error("the registration response carries no SPKI public key");
  const spki = Buffer.from(publicKeyB64, "base64url");
  const regAuthData = Buffer.from(registration.response.authenticatorData, "base64url");
  const regSignCount = regAuthData.readUInt32BE(33);
  print("");
  print(`   The authenticator made a new key pair for ${DEMO_RP_ID}. The private key never leaves it;`);
  print("   the RP stores the credential ID and the public key:");
  field("credential ID", registration.id);
  field("algorithm", `${algorithmName(registration.response.publicKeyAlgorithm)} (COSE ${registration.response.publicKeyAlgorithm})`);
  field("attestation", attestationFormat(registration.response.attestationObject));
  field("sign counter", String(regSignCount));
  print("   public key (SubjectPublicKeyInfo):");
  for (const line of createPublicKey({ key: spki, format: "der", type: "spki" }).export({ format: "pem", type: "spki" }).toString().trimEnd().split("\n")) {
    print(`     ${line}`);
  }
  print("");

  // 2. Authentication
  const authChallenge = b64url(randomBytes(32));
  // In a fresh store the passkey is found without naming it; a store the user
  // chose may hold other example.com passkeys, so there the RP names this one.
  const discoverable = options.persistentStore === undefined;
  print(`2. Sign-in: the RP asks for an assertion (navigator.credentials.get)${discoverable ? ", no username needed" : ""}`);
  field("challenge", authChallenge);
  const allowCredentials = discoverable ? [] : [{ type: "public-key" as const, id: registration.id }];
  const assertion = await softkey.get(
    { challenge: authChallenge, rpId: DEMO_RP_ID, allowCredentials, userVerification: "preferred" },
    { origin: DEMO_ORIGIN },
  );
  field("credential used", assertion.id);
  field("user handle", assertion.response.userHandle ?? "(none)");
  field("authenticatorData", assertion.response.authenticatorData);
  field("signature", assertion.response.signature);
  print("");

  // 3. Verification
  print("3. Verification: the RP checks the assertion with the public key from step 1 (node:crypto only)");
  const verification = verifyAssertion(assertion, {
    challenge: authChallenge,
    origin: DEMO_ORIGIN,
    rpId: DEMO_RP_ID,
    publicKeySpki: spki,
    credentialId: registration.id,
    previousSignCount: regSignCount,
    userHandle: userId,
    requireUserVerification: false,
  });
  for (const c of verification.checks) field(`${c.ok ? "✓" : "✗"} ${c.name}`, c.detail);
  const { flags } = verification;
  field("flags", `UP=${flags.userPresent ? 1 : 0} UV=${flags.userVerified ? 1 : 0} BE=${flags.backupEligible ? 1 : 0} BS=${flags.backedUp ? 1 : 0}`);
  print("");
  print(verification.verified ? "Result: VERIFIED. The signature is valid: alice is signed in." : "Result: NOT VERIFIED. The RP must refuse this sign-in.");
  if (options.persistentStore !== undefined) {
    print(`The demo credential stays in ${options.persistentStore}; remove it with: softkey delete ${registration.id}`);
  }
  return { credentialId: registration.id, verification };
}

function attestationFormat(attestationObject: string): string {
  try {
    const decoded = decodeCbor(Buffer.from(attestationObject, "base64url"));
    const fmt = decoded instanceof Map ? decoded.get("fmt") : undefined;
    if (typeof fmt !== "string") return "(unknown format)";
    return fmt === "none" ? "none (no attestation statement)" : `${fmt} (attestation statement signed by the authenticator)`;
  } catch {
    return "(unreadable attestation object)";
  }
}
