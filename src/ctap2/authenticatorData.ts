/**
 * Authenticator data (WebAuthn Level 3 section 6.1): rpIdHash, flags,
 * signCount, then attested credential data and extensions when present.
 */

/** Flag bits of authenticator data, as WebAuthn names them. */
export const AuthenticatorDataFlags = {
  UP: 0x01,
  UV: 0x04,
  BE: 0x08,
  BS: 0x10,
  AT: 0x40,
  ED: 0x80,
} as const;

export interface AttestedCredentialData {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  /** CBOR COSE_Key. */
  credentialPublicKey: Uint8Array;
}

export interface AuthenticatorDataFields {
  rpIdHash: Uint8Array;
  userPresent: boolean;
  userVerified: boolean;
  backupEligible?: boolean;
  backupState?: boolean;
  signCount: number;
  attestedCredentialData?: AttestedCredentialData;
  /** CBOR-encoded extension outputs map. */
  extensions?: Uint8Array;
}

export function encodeAuthenticatorData(fields: AuthenticatorDataFields): Uint8Array {
  const attested = fields.attestedCredentialData;
  const attestedLength = attested ? 18 + attested.credentialId.length + attested.credentialPublicKey.length : 0;
  const out = new Uint8Array(37 + attestedLength + (fields.extensions?.length ?? 0));
  out.set(fields.rpIdHash, 0);
  let flags = 0;
  if (fields.userPresent) flags |= AuthenticatorDataFlags.UP;
  if (fields.userVerified) flags |= AuthenticatorDataFlags.UV;
  if (fields.backupEligible) flags |= AuthenticatorDataFlags.BE;
  if (fields.backupState) flags |= AuthenticatorDataFlags.BS;
  if (attested) flags |= AuthenticatorDataFlags.AT;
  if (fields.extensions) flags |= AuthenticatorDataFlags.ED;
  out[32] = flags;
  new DataView(out.buffer).setUint32(33, fields.signCount >>> 0);
  let offset = 37;
  if (attested) {
    out.set(attested.aaguid, offset);
    out[offset + 16] = attested.credentialId.length >> 8;
    out[offset + 17] = attested.credentialId.length & 0xff;
    out.set(attested.credentialId, offset + 18);
    offset += 18 + attested.credentialId.length;
    out.set(attested.credentialPublicKey, offset);
    offset += attested.credentialPublicKey.length;
  }
  if (fields.extensions) out.set(fields.extensions, offset);
  return out;
}
