/**
 * minPinLength (CTAP 2.2 section 12.4): the RP asks to learn the
 * authenticator's minimum PIN length. The authenticator answers only an RP
 * its owner listed (authenticatorConfig setMinPINLength minPinLengthRPIDs),
 * in the authenticator data's extension outputs; there is no client output.
 */
import type { ClientExtension } from "./extension.js";
import { optionalBoolean } from "./inputs.js";

export const minPinLengthExtension: ClientExtension = {
  name: "minPinLength",
  identifiers: ["minPinLength"],
  create({ options }) {
    if (optionalBoolean(options.extensions.minPinLength, "extensions.minPinLength") !== true) return undefined;
    return { inputs: ({ info }) => (info.extensions.includes("minPinLength") ? { minPinLength: true } : {}) };
  },
};
