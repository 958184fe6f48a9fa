/**
 * thirdPartyPayment (CTAP 2.2 section 12.9): a credential made with it may be
 * used for a payment by a party other than its RP (Secure Payment
 * Confirmation). makeCredential stores the mark with the credential and has
 * no output; getAssertion asked for it answers whether the credential has
 * it; credential management reports it too (CTAP 2.3, member 0x0C).
 */
import type { AuthenticatorExtension } from "./extension.js";
import type { CredentialRecord } from "../store.js";
import { CtapError, Status } from "../../ctap/status.js";

export function isThirdPartyPayment(record: CredentialRecord): boolean {
  return record.extensions?.thirdPartyPayment === true;
}

export const thirdPartyPayment: AuthenticatorExtension = {
  name: "thirdPartyPayment",
  since: "FIDO_2_2",

  makeCredential(input, { record }) {
    if (typeof input !== "boolean") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "thirdPartyPayment must be a boolean");
    if (input) record.extensions = { ...record.extensions, thirdPartyPayment: true };
    return undefined;
  },

  getAssertion(input, { record }) {
    if (typeof input !== "boolean") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "thirdPartyPayment must be a boolean");
    return input ? { output: isThirdPartyPayment(record) } : undefined;
  },
};
