/**
 * largeBlobKey (CTAP 2.1 section 12.3): a 32-byte key per discoverable
 * credential with which the platform encrypts the credential's entry in the
 * large-blob array (authenticatorLargeBlobs). It travels beside the
 * authenticator data, never in it: response member 0x05 of makeCredential,
 * 0x07 of getAssertion.
 */
import type { AuthenticatorExtension } from "./extension.js";
import { CtapError, Status } from "../../ctap/status.js";

const KEY_LENGTH = 32;

function requireTrue(input: unknown): void {
  if (typeof input !== "boolean") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "largeBlobKey must be a boolean");
  if (!input) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "largeBlobKey may only be true");
}

export const largeBlobKey: AuthenticatorExtension = {
  name: "largeBlobKey",

  makeCredential(input, { ctx, record }) {
    requireTrue(input);
    if (!record.discoverable) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "largeBlobKey needs a discoverable credential (rk)");
    const key = ctx.randomBytes(KEY_LENGTH);
    record.extensions = { ...record.extensions, largeBlobKey: key };
    return { unsigned: { largeBlobKey: key } };
  },

  getAssertion(input, { record }) {
    requireTrue(input);
    const key = record.extensions?.largeBlobKey;
    if (!(key instanceof Uint8Array)) return undefined;
    return { unsigned: { largeBlobKey: key } };
  },
};
