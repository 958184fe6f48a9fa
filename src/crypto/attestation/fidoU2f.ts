import type { CborValue } from "../../ctap/cbor.js";
import { decodeCbor } from "../../ctap/cbor.js";
import { CoseAlgorithm } from "../../ctap/cose.js";
import { signWithCredentialKey } from "../credentialKeys.js";
import type { AttestationSigner } from "./packed.js";
import type { AttestationStatement } from "./types.js";

/** What a fido-u2f statement signs beyond the client data hash. */
export interface FidoU2fInput {
  rpIdHash: Uint8Array;
  clientDataHash: Uint8Array;
  credentialId: Uint8Array;
  /** The credential's COSE_Key; it must be an EC2 P-256 key (ES256). */
  credentialPublicKey: Uint8Array;
}

/**
 * "fido-u2f" attestation (WebAuthn section 8.6), as a U2F key's registration
 * gives it: the attestation key signs 0x00 || rpIdHash || clientDataHash ||
 * credentialId || publicKeyU2F (the 65-byte uncompressed point), and x5c holds
 * exactly one certificate. The authenticator data must carry a zero AAGUID.
 */
export function fidoU2fAttestation(input: FidoU2fInput, signer: AttestationSigner): AttestationStatement {
  const publicKeyU2f = uncompressedPoint(input.credentialPublicKey);
  const signed = Buffer.concat([Uint8Array.of(0x00), input.rpIdHash, input.clientDataHash, input.credentialId, publicKeyU2f]);
  return {
    fmt: "fido-u2f",
    attStmt: new Map<string, CborValue>([
      ["sig", signWithCredentialKey(CoseAlgorithm.ES256, signer.privateKey, signed)],
      ["x5c", signer.x5c.slice(0, 1)], // exactly one certificate in fido-u2f
    ]),
  };
}

/** 0x04 || x || y from an EC2 P-256 COSE_Key (kty 2, crv 1, x -2, y -3). */
export function uncompressedPoint(coseKey: Uint8Array): Uint8Array {
  const key = decodeCbor(coseKey);
  if (!(key instanceof Map) || key.get(1) !== 2 || key.get(-1) !== 1) throw new RangeError("fido-u2f needs an EC2 P-256 credential key");
  const x = key.get(-2);
  const y = key.get(-3);
  if (!(x instanceof Uint8Array) || !(y instanceof Uint8Array) || x.length !== 32 || y.length !== 32) {
    throw new RangeError("EC2 P-256 key without 32-byte x and y");
  }
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(x, 1);
  point.set(y, 33);
  return point;
}
