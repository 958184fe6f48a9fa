/**
 * A registration on a CTAP1/U2F key, as Chrome runs one
 * (device/fido/u2f_register_operation.cc): a U2F key cannot store a
 * discoverable credential, verify the user, or sign with anything but ES256,
 * so a ceremony that requires any of these is refused before the key is
 * touched. excludeCredentials are checked one by one with check-only
 * U2F_AUTHENTICATE under the RP ID (and the appidExclude AppID); a match
 * collects a touch and ends in InvalidStateError. Then U2F_REGISTER with the
 * client data hash and SHA-256(RP ID), repeated until the user touches the
 * key, and its answer becomes a "fido-u2f" registration (./u2fResponses.ts).
 */
import { createHash } from "node:crypto";
import { CoseAlgorithm } from "../../ctap/cose.js";
import type { CtapTransport } from "../../ctap/transport.js";
import type { CallOptions } from "../ctap/command.js";
import { WebAuthnError } from "../errors.js";
import type { CredentialFinder } from "../extensions/extension.js";
import { excludedByExtension } from "../extensions/registry.js";
import type { Registration, RegistrationRun } from "../makeCredentialCtap2.js";
import type { CredentialDescriptor } from "../optionsJSON.js";
import { PageMessage } from "../pageMessages.js";
import { U2F_INFO } from "../protocol.js";
import { u2fAuthenticate, u2fHoldsKeyHandle, u2fRegister, U2fStatusError } from "./u2fCommands.js";
import { registrationFromU2f } from "./u2fResponses.js";

export async function registerOverU2f(run: RegistrationRun, ctap1: CtapTransport): Promise<Registration> {
  const { options, rpId, clientDataHash, extensions, ctap } = run;
  if (options.residentKey === "required" || run.mediation === "conditional") {
    throw new WebAuthnError("NotAllowedError", "a discoverable credential was requested but the authenticator is a U2F key, which cannot store one");
  }
  if (options.userVerification === "required") {
    throw new WebAuthnError("NotAllowedError", "user verification is required but the authenticator is a U2F key, which cannot verify the user");
  }
  if (!options.pubKeyCredParams.some((p) => p.alg === CoseAlgorithm.ES256)) {
    throw new WebAuthnError("NotSupportedError", "the authenticator is a U2F key, which signs with ES256 (-7) only, and the RP did not ask for it", {
      pageMessage: PageMessage.algorithmUnsupported,
    });
  }
  // A U2F key offers no extension; each one plans with that (and refuses what it must have).
  for (const extension of extensions) extension.plan?.({ info: U2F_INFO, rk: false });
  const find = u2fFinder(ctap1, ctap);
  const application = sha256(rpId);
  const excluded = (await find(rpId, options.excludeCredentials)) ?? (await excludedUnderAppId());
  if (excluded) {
    await collectTouch(ctap1, application, excluded === true ? undefined : excluded, ctap);
    throw new WebAuthnError("InvalidStateError", "the U2F key already holds a credential from excludeCredentials");
  }
  const answer = await u2f(() => u2fRegister(ctap1, clientDataHash, application, ctap));
  return { response: registrationFromU2f(application, answer), rk: false };

  async function excludedUnderAppId(): Promise<boolean> {
    return excludedByExtension(extensions, { excludeList: options.excludeCredentials, find });
  }
}

/** The first of `list` the key holds under SHA-256(rpId), by check-only U2F_AUTHENTICATE. */
export function u2fFinder(ctap1: CtapTransport, ctap: CallOptions): CredentialFinder {
  return async (rpId: string, list: CredentialDescriptor[]) => {
    const application = sha256(rpId);
    for (const descriptor of list) {
      if (await u2f(() => u2fHoldsKeyHandle(ctap1, { application, keyHandle: descriptor.id }, ctap))) return descriptor;
    }
    return undefined;
  };
}

/**
 * Before InvalidStateError, the touch Chrome collects so a site learns
 * nothing without the user: here a signature with the excluded key handle
 * itself (Chrome registers a throwaway credential instead, which would stay
 * in softkey's store).
 */
async function collectTouch(ctap1: CtapTransport, application: Uint8Array, excluded: CredentialDescriptor | undefined, ctap: CallOptions): Promise<void> {
  if (!excluded) return;
  await u2f(() => u2fAuthenticate(ctap1, { challenge: new Uint8Array(32), application, keyHandle: excluded.id }, ctap)).catch((error: unknown) => {
    if (ctap.signal?.aborted) throw error;
  });
}

/** A U2F status word other than the expected ones is a refusal, as Chrome reports it. */
export async function u2f<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    if (error instanceof U2fStatusError) throw new WebAuthnError("NotAllowedError", `the U2F key refused: ${error.message}`, { cause: error });
    throw error;
  }
}

export function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(text).digest());
}
