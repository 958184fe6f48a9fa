/**
 * credBlob (CTAP 2.1 section 12.2): a small opaque blob stored with the
 * credential at makeCredential and handed back, signed, at getAssertion.
 */
import type { AuthenticatorExtension } from "./extension.js";
import type { AuthenticatorContext } from "../context.js";
import { CtapError, Status } from "../../ctap/status.js";

/** getInfo's maxCredBlobLength when it does not say: the spec's minimum, and softkey's default. */
export const DEFAULT_MAX_CRED_BLOB_LENGTH = 32;

export function maxCredBlobLength(ctx: AuthenticatorContext): number {
  return ctx.config.extraInfo.maxCredBlobLength ?? DEFAULT_MAX_CRED_BLOB_LENGTH;
}

export const credBlob: AuthenticatorExtension = {
  name: "credBlob",

  makeCredential(input, { ctx, record }) {
    if (!(input instanceof Uint8Array)) throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "credBlob must be a byte string");
    // Too long is not an error: the output false says it was not stored.
    if (input.length > maxCredBlobLength(ctx)) return { output: false };
    record.extensions = { ...record.extensions, credBlob: input };
    return { output: true };
  },

  getAssertion(input, { record }) {
    if (typeof input !== "boolean") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "credBlob must be a boolean in getAssertion");
    if (!input) return undefined;
    const stored = record.extensions?.credBlob;
    return { output: stored instanceof Uint8Array ? stored : new Uint8Array(0) };
  },
};
