/**
 * minPinLength (CTAP 2.1 section 12.4): tells a relying party the current
 * minimum PIN length, but only one the authenticator's owner named in
 * minPinLengthRpIds (authenticatorConfig setMinPINLength).
 */
import type { AuthenticatorExtension } from "./extension.js";
import { CtapError, Status } from "../../ctap/status.js";
import { loadPinState } from "../pin/pinState.js";

export const minPinLength: AuthenticatorExtension = {
  name: "minPinLength",

  async makeCredential(input, { ctx, record }) {
    if (typeof input !== "boolean") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "minPinLength must be a boolean");
    if (!input) return undefined;
    const pin = await loadPinState(ctx);
    if (!pin.minPinLengthRpIds.includes(record.rpId)) return undefined;
    return { output: pin.minPinLength };
  },
};
