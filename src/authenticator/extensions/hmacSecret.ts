/**
 * hmac-secret (CTAP 2.1 section 12.5): two random secrets per credential,
 * CredRandomWithUV and CredRandomWithoutUV, and at getAssertion
 * HMAC-SHA-256(CredRandom, salt) for one or two salts the platform sends
 * encrypted under a PIN/UV auth protocol shared secret.
 */
import { createHmac } from "node:crypto";
import type { AuthenticatorExtension } from "./extension.js";
import type { AuthenticatorContext } from "../context.js";
import type { CborMap } from "../../ctap/cbor.js";
import type { CredentialRecord } from "../store.js";
import { CtapError, Status } from "../../ctap/status.js";
import { readRequest } from "../params.js";
import { HmacSecretInput } from "../../ctap/messages/hmacSecret.js";

const SECRET_LENGTH = 32;
const SALT_LENGTH = 32;

/** What the credential keeps, under record.extensions.hmacSecret. */
interface HmacSecretState {
  credRandomWithUv: Uint8Array;
  credRandomWithoutUv: Uint8Array;
}

function stateOf(record: CredentialRecord): HmacSecretState | undefined {
  const state = record.extensions?.hmacSecret as Partial<HmacSecretState> | undefined;
  if (!(state?.credRandomWithUv instanceof Uint8Array) || !(state.credRandomWithoutUv instanceof Uint8Array)) return undefined;
  return state as HmacSecretState;
}

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(message).digest());
}

export const hmacSecret: AuthenticatorExtension = {
  name: "hmac-secret",

  makeCredential(input, { ctx, record }) {
    if (typeof input !== "boolean") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "hmac-secret must be a boolean");
    if (!input) return undefined;
    const state: HmacSecretState = {
      credRandomWithUv: ctx.randomBytes(SECRET_LENGTH),
      credRandomWithoutUv: ctx.randomBytes(SECRET_LENGTH),
    };
    record.extensions = { ...record.extensions, hmacSecret: state };
    return { output: true };
  },

  getAssertion(input, { ctx, record, userVerified, userPresent }) {
    if (!(input instanceof Map)) throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "hmac-secret must be a map");
    // "If "up" is set to false, authenticator returns CTAP2_ERR_UNSUPPORTED_OPTION."
    if (!userPresent) throw new CtapError(Status.CTAP2_ERR_UNSUPPORTED_OPTION, "hmac-secret needs user presence (up=false)");
    const output = hmacSecretOutputs(ctx, record, input, userVerified, "hmac-secret");
    return output === undefined ? undefined : { output };
  },
};

/**
 * The encrypted outputs for hmac-secret's input map (section 12.5; hmac-secret-mc's is the same), or undefined
 * for a credential without CredRandom. The input is checked first, whatever the credential.
 */
export function hmacSecretOutputs(ctx: AuthenticatorContext, record: CredentialRecord, input: CborMap, userVerified: boolean, name: string): Uint8Array | undefined {
  const { keyAgreement, saltEnc, saltAuth, pinUvAuthProtocol } = readRequest(HmacSecretInput, input, `${name} `);
  // Absent means protocol one (CTAP 2.0 platforms do not send it).
  const version = pinUvAuthProtocol ?? 1;
  const protocol = ctx.session.pin.protocols.get(version);
  if (!protocol) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `${name}: pinUvAuthProtocol ${version} is not supported`);

  const shared = protocol.decapsulate(keyAgreement);
  if (!protocol.verify(shared, saltEnc, saltAuth)) throw new CtapError(Status.CTAP2_ERR_PIN_AUTH_INVALID, `${name} saltAuth does not verify`);
  const salts = protocol.decrypt(shared, saltEnc);
  if (!salts || (salts.length !== SALT_LENGTH && salts.length !== 2 * SALT_LENGTH)) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `${name} salts must be 32 or 64 bytes`);
  }

  // A credential made without hmac-secret has no CredRandom: no output for it.
  const state = stateOf(record);
  if (!state) return undefined;
  // CredRandomWithUV exactly when the response carries the UV flag.
  const credRandom = userVerified ? state.credRandomWithUv : state.credRandomWithoutUv;
  const outputs = new Uint8Array(salts.length);
  for (let offset = 0; offset < salts.length; offset += SALT_LENGTH) {
    outputs.set(hmacSha256(credRandom, salts.subarray(offset, offset + SALT_LENGTH)), offset);
  }
  return protocol.encrypt(shared, outputs);
}
