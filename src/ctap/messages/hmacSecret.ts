/**
 * The hmac-secret extension (CTAP 2.2 section 12.5): its getAssertion input
 * map, each field beside its CBOR key. hmac-secret-mc (section 12.7) takes
 * the same map at makeCredential.
 */
import { anyMap, bytes, int, optional, required, table, type Shape } from "../schema.js";

export const HmacSecretInput = table({
  /** The platform's key agreement public key (COSE_Key). */
  keyAgreement: required(0x01, anyMap),
  saltEnc: required(0x02, bytes),
  saltAuth: required(0x03, bytes),
  pinUvAuthProtocol: optional(0x04, int),
});
export type HmacSecretInput = Shape<typeof HmacSecretInput.fields>;
