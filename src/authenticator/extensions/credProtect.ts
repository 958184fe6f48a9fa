/**
 * credProtect (CTAP 2.1 section 12.1): the credential's protection level,
 * chosen at makeCredential and kept with it. getAssertion (and the excludeList
 * check of makeCredential) read it back through credProtectLevel().
 */
import type { AuthenticatorExtension } from "./extension.js";
import { CredProtect } from "../../ctap/credProtect.js";
import { CtapError, Status } from "../../ctap/status.js";

const LEVELS: readonly number[] = Object.values(CredProtect);

export const credProtect: AuthenticatorExtension = {
  name: "credProtect",

  makeCredential(input, { record }) {
    if (typeof input !== "number") throw new CtapError(Status.CTAP2_ERR_CBOR_UNEXPECTED_TYPE, "credProtect must be an unsigned integer");
    // The spec defines only levels 1-3 and names no status for others; an unknown policy is an invalid parameter.
    if (!LEVELS.includes(input)) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `credProtect ${input} is not a defined level`);
    record.extensions = { ...record.extensions, credProtect: input };
    return { output: input };
  },
};
