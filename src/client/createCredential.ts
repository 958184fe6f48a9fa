/**
 * navigator.credentials.create({ publicKey }): WebAuthn L3 section 5.1.3
 * ("Create a New Credential") for the authenticators attached to this
 * client. The options, origins and extension inputs are checked first, as a
 * browser's renderer checks them; then the RP ID (with related origin
 * requests), the mediation's rules, the authenticator (./authenticatorChoice.ts),
 * and the registration on it, over CTAP2 or, for a U2F key, CTAP1. The
 * response is checked and conveyed the same way whichever protocol made it.
 */
import { encodeCanonical } from "../ctap/cbor.js";
import { option } from "./ctap/authenticatorGetInfo.js";
import type { ParsedAuthenticatorData } from "../ctap/authenticatorData.js";
import { toBase64Url } from "../bytes/base64url.js";
import { CoseAlgorithm } from "../ctap/cose.js";
import { conveyAttestation } from "./attestation.js";
import { chooseAuthenticator, orderByHints, type ChosenAuthenticator } from "./authenticatorChoice.js";
import { runCallCeremony } from "./ceremony.js";
import { collectClientData } from "./clientData.js";
import type { CeremonyCallOptions, ClientContext, ClientRuntime } from "./context.js";
import { coseAlgorithm, CoseKeyError, coseToSpki } from "./cosePublicKey.js";
import type { AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import type { MakeCredentialResponse } from "./ctap/authenticatorMakeCredential.js";
import { malformed } from "./ctap/command.js";
import { WebAuthnError } from "./errors.js";
import { clientOutputs, registrationProcessors } from "./extensions/registry.js";
import { makeCredentialOverCtap2 } from "./makeCredentialCtap2.js";
import { checkCreateMediation, createMediation, type CreateMediation } from "./mediation.js";
import { parseCallOrigins } from "./origin.js";
import { parseCreationOptionsJSON, type CreationOptions } from "./optionsJSON.js";
import { determineRpId } from "./relatedOrigins.js";
import { checkedAuthenticatorData } from "./responseChecks.js";
import type { AuthenticatorTransport, RegistrationResponseJSON } from "./responseJSON.js";
import { registerOverU2f } from "./u2f/u2fRegistration.js";
import { canVerifyUser } from "./userVerification.js";

/** Largest credential ID WebAuthn allows (section 6.5.1, credentialIdLength). */
const MAX_CREDENTIAL_ID_LENGTH = 1023;
const KNOWN_TRANSPORTS: readonly AuthenticatorTransport[] = ["ble", "hybrid", "internal", "nfc", "smart-card", "usb"];

export async function createCredential(
  runtime: ClientRuntime,
  input: unknown,
  call: CeremonyCallOptions,
): Promise<RegistrationResponseJSON> {
  const options = parseCreationOptionsJSON(input);
  const { settings } = runtime;
  const { caller, top } = parseCallOrigins(call, settings);
  const mediation = createMediation(call.mediation);
  // Extension inputs are checked before anything reaches an authenticator, as WebIDL conversion and Blink would.
  const extensions = registrationProcessors({ options, caller });
  const candidates = candidatesFor(runtime.authenticators, options, mediation);
  const { clientDataJSON, clientDataHash } = collectClientData("webauthn.create", options.challenge, caller.origin, top?.origin);

  return runCallCeremony(options.timeout ?? settings.defaultTimeoutMs, call, async (ctap) => {
    const rpId = await determineRpId(options.rp.id, caller, settings.relatedOrigins, ctap.signal);
    checkCreateMediation(mediation, call, top !== undefined && top.origin !== caller.origin, options.user.name, runtime.signIns);
    const { device, protocol } = await chooseAuthenticator(orderByHints(candidates, options.hints), (c) => fitsRegistration(c, options, mediation), ctap);
    const run = { device, info: protocol.info, options, rpId, clientDataHash, extensions, mediation, ctap };
    const { response, rk } = protocol.kind === "u2f" ? await registerOverU2f(run, protocol.ctap1) : await makeCredentialOverCtap2(run);
    const { credential, authData } = checkAttestedCredential(response, rpId, device.settings.passThroughBrokenResponses);
    let publicKey: Uint8Array | undefined;
    let publicKeyAlgorithm: number;
    try {
      publicKeyAlgorithm = coseAlgorithm(credential.cosePublicKey);
      publicKey = coseToSpki(credential.cosePublicKey);
    } catch (cause) {
      if (cause instanceof CoseKeyError) throw malformed("authenticatorMakeCredential", cause.message, cause);
      throw cause;
    }
    if (!options.pubKeyCredParams.some((p) => p.alg === publicKeyAlgorithm)) {
      throw malformed("authenticatorMakeCredential", `credential algorithm ${publicKeyAlgorithm} was not requested`);
    }
    const clientExtensionResults = await clientOutputs(extensions, { response, authData, rk });
    const conveyed = conveyAttestation(response, options.attestation, device.settings.noneAttestationAaguid);
    const attestationObject = encodeCanonical(
      new Map<string, unknown>([
        ["fmt", conveyed.fmt],
        ["attStmt", conveyed.attStmt],
        ["authData", conveyed.authData],
      ]),
    );
    const id = toBase64Url(credential.credentialId);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: toBase64Url(clientDataJSON),
        attestationObject: toBase64Url(attestationObject),
        authenticatorData: toBase64Url(conveyed.authData),
        transports: reportedTransports(device, protocol.info),
        ...(publicKey ? { publicKey: toBase64Url(publicKey) } : {}),
        publicKeyAlgorithm,
      },
      authenticatorAttachment: device.settings.attachment,
      clientExtensionResults,
    };
  });
}

/**
 * The authenticators that may serve this create(): those of the requested
 * attachment (section 5.1.3 skips the others), and for a conditional create
 * the platform authenticators whose credential provider can save a passkey
 * without a dialog, as Chrome's password manager does.
 */
function candidatesFor(authenticators: readonly ClientContext[], options: CreationOptions, mediation: CreateMediation): ClientContext[] {
  const wanted = options.authenticatorAttachment;
  const candidates = authenticators.filter(
    (a) => (!wanted || a.settings.attachment === wanted) && (mediation !== "conditional" || (a.settings.attachment === "platform" && a.provider)),
  );
  if (candidates.length > 0) return candidates;
  if (mediation === "conditional") {
    throw new WebAuthnError("NotAllowedError", "a conditional create needs a platform authenticator with a credential provider, and none is attached");
  }
  const attached = [...new Set(authenticators.map((a) => a.settings.attachment))].join(" and ");
  throw new WebAuthnError(
    "NotAllowedError",
    `the RP asked for a ${wanted} authenticator; this client presents ${attached === "" ? "none" : `a ${attached} one`} ` +
      `(see the "attachment" client option)`,
  );
}

/** Whether an authenticator can make this credential at all (section 5.1.3: the others are skipped). */
function fitsRegistration({ device, protocol }: ChosenAuthenticator, options: CreationOptions, mediation: CreateMediation): boolean {
  const rkRequired = options.residentKey === "required" || mediation === "conditional";
  if (protocol.kind === "u2f") {
    return !rkRequired && options.userVerification !== "required" && options.pubKeyCredParams.some((p) => p.alg === CoseAlgorithm.ES256);
  }
  const { info } = protocol;
  const algorithms = info.algorithms?.map((a) => a.alg);
  return (
    (!rkRequired || option(info, "rk") === true) &&
    (options.userVerification !== "required" || canVerifyUser(info, device.pinAvailable)) &&
    (!algorithms || options.pubKeyCredParams.some((p) => algorithms.includes(p.alg)))
  );
}

/** What a registration needs beyond the common checks: a credential with a sane ID. */
function checkAttestedCredential(
  response: MakeCredentialResponse,
  rpId: string,
  passThrough = false,
): { credential: NonNullable<ParsedAuthenticatorData["attestedCredentialData"]>; authData: ParsedAuthenticatorData } {
  const command = "authenticatorMakeCredential";
  const authData = checkedAuthenticatorData(response.authData, rpId, command, passThrough);
  const credential = authData.attestedCredentialData;
  if (!credential) throw malformed(command, "no attested credential data (AT flag clear)");
  const idLength = credential.credentialId.length;
  if (idLength === 0 || idLength > MAX_CREDENTIAL_ID_LENGTH) {
    throw malformed(command, `credential ID length ${idLength} is outside 1..${MAX_CREDENTIAL_ID_LENGTH}`);
  }
  return { credential, authData };
}

/** getTransports(): sorted and de-duplicated, as Blink returns them. */
function reportedTransports(device: ClientContext, info: AuthenticatorInfo): AuthenticatorTransport[] {
  const { transports: configured, attachment } = device.settings;
  const fromInfo = info.transports.filter((t): t is AuthenticatorTransport => (KNOWN_TRANSPORTS as readonly string[]).includes(t));
  const chosen = configured ?? (fromInfo.length > 0 ? fromInfo : [attachment === "platform" ? "internal" : "usb"]);
  return [...new Set(chosen)].sort();
}
