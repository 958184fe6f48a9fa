/**
 * pinComplexityPolicy (CTAP 2.3, the extension python-fido2 2.1 sends at
 * makeCredential): tells a relying party whether the authenticator enforces
 * its PIN complexity policy (getInfo pinComplexityPolicy). The 2.3 text was
 * out of reach; softkey answers, like minPinLength (section 12.4), only the
 * RPs its owner named with setMinPINLength's minPinLengthRPIDs, so no RP
 * learns more about a key's PIN than its owner allowed.
 */
import type { AuthenticatorExtension } from "./extension.js";
import { CtapError, Status } from "../../ctap/status.js";
import { loadPinState } from "../pin/pinState.js";
import { pinComplexityPolicyOn } from "../pin/pinPolicy.js";

export const pinComplexityPolicy: AuthenticatorExtension = {
  name: "pinComplexityPolicy",
  since: "FIDO_2_3",
  // Only on a device that has a policy to report.
  offeredBy: (config) => config.pinComplexityPolicy !== undefined,

  async makeCredential(input, { ctx, record }) {
    if (typeof input !== "boolean") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "pinComplexityPolicy must be a boolean");
    if (!input) return undefined;
    const pin = await loadPinState(ctx);
    if (!pin.minPinLengthRpIds.includes(record.rpId)) return undefined;
    return { output: pinComplexityPolicyOn(ctx, pin) };
  },
};
