/**
 * navigator.credentials.create({ publicKey }) for one roaming authenticator:
 * WebAuthn L3 section 5.1.3 ("Create a New Credential") as far as a client
 * with a single CTAP2 authenticator and no UI needs it.
 */
import { encodeCanonical } from "../ctap/cbor.js";
import { conveyAttestation } from "./attestation.js";
import type { ParsedAuthenticatorData } from "../ctap/authenticatorData.js";
import { toBase64Url } from "../bytes/base64url.js";
import { runCallCeremony } from "./ceremony.js";
import { collectClientData } from "./clientData.js";
import type { ClientContext, CeremonyCallOptions } from "./context.js";
import { coseAlgorithm, CoseKeyError, coseToSpki } from "./cosePublicKey.js";
import { fitsInOneRequest, probeCredentials, usableDescriptors } from "./credentialLists.js";
import { option, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { Permission } from "../ctap/permissions.js";
import { authenticatorMakeCredential, type MakeCredentialResponse } from "./ctap/authenticatorMakeCredential.js";
import { malformed } from "./ctap/command.js";
import { WebAuthnError } from "./errors.js";
import { authenticatorInputs, clientOutputs, permissionsOf, registrationProcessors } from "./extensions/registry.js";
import { pinUvAuthParam } from "./pin/pinUvAuthToken.js";
import { canVerifyUser, uvDisposition, verifyUser } from "./userVerification.js";
import { parseCallOrigins, resolveRpId } from "./origin.js";
import { parseCreationOptionsJSON, type CreationOptions } from "./optionsJSON.js";
import { registrationUvRequirement, resolveResidentKey } from "./requirements.js";
import { checkedAuthenticatorData } from "./responseChecks.js";
import type { AuthenticatorTransport, RegistrationResponseJSON } from "./responseJSON.js";

/** Largest credential ID WebAuthn allows (section 6.5.1, credentialIdLength). */
const MAX_CREDENTIAL_ID_LENGTH = 1023;
const KNOWN_TRANSPORTS: readonly AuthenticatorTransport[] = ["ble", "hybrid", "internal", "nfc", "smart-card", "usb"];

export async function createCredential(
  client: ClientContext,
  input: unknown,
  call: CeremonyCallOptions,
): Promise<RegistrationResponseJSON> {
  const options = parseCreationOptionsJSON(input);
  const { settings } = client;
  const { caller, top } = parseCallOrigins(call, settings);
  const rpId = resolveRpId(options.rp.id, caller);
  if (options.authenticatorAttachment && options.authenticatorAttachment !== settings.attachment) {
    throw new WebAuthnError(
      "NotAllowedError",
      `the RP asked for a ${options.authenticatorAttachment} authenticator; this client presents a ` +
        `${settings.attachment} one (see the "attachment" client option)`,
    );
  }
  // Extension inputs are checked before anything reaches the authenticator, as WebIDL conversion would.
  const extensions = registrationProcessors({ options });
  const { clientDataJSON, clientDataHash } = collectClientData("webauthn.create", options.challenge, caller.origin, top?.origin);

  return runCallCeremony(options.timeout ?? settings.defaultTimeoutMs, call, async (ctap) => {
    const info = await client.getInfo(ctap);
    assertAlgorithmSupported(options, info);
    const rk = resolveResidentKey(options.residentKey, info, canVerifyUser(info, client.pinAvailable));
    // Before any PIN or UV: an extension the authenticator cannot serve as required refuses here.
    const plans = extensions.map((e) => e.plan?.({ info, rk }));
    const preferUv = plans.some((p) => p?.preferUv === true);
    const requirement = registrationUvRequirement(options.userVerification, info, rk, preferUv);
    const disposition = uvDisposition(requirement, info, client.pinAvailable);
    const verification = await verifyUser(
      client,
      info,
      disposition,
      // ga as well, for probing excludeCredentials with the token, as Chrome asks.
      { permissions: Permission.mc | Permission.ga | permissionsOf(plans), rpId },
      ctap,
    );
    const { token } = verification;
    // A CTAP 2.0-style UV-configured key without makeCredUvNotRqd refuses to make credentials without UV.
    const uvOption =
      verification.uvOption || (!token && option(info, "uv") === true && option(info, "makeCredUvNotRqd") !== true);

    let excludeList = usableDescriptors(options.excludeCredentials, info);
    if (!fitsInOneRequest(excludeList, info)) {
      const held = await probeCredentials(client.transport, excludeList, info, { rpId, clientDataHash }, ctap, token);
      // Sending just the held credential lets the authenticator collect a touch and answer CREDENTIAL_EXCLUDED.
      excludeList = held ? [held] : [];
    }

    const extensionInputs = await authenticatorInputs(extensions, { transport: client.transport, info, token, ctap });
    const response = await authenticatorMakeCredential(
      client.transport,
      {
        clientDataHash,
        rp: { id: rpId, name: options.rp.name },
        user: options.user,
        pubKeyCredParams: options.pubKeyCredParams,
        excludeList,
        extensions: extensionInputs,
        options: new Map([["rk", rk], ["uv", uvOption]]),
        ...(token ? { pinUvAuthParam: pinUvAuthParam(token, clientDataHash), pinUvAuthProtocol: token.version } : {}),
      },
      ctap,
    );
    const { credential, authData } = checkAttestedCredential(response, rpId, settings.passThroughBrokenResponses);
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
    const conveyed = conveyAttestation(response, options.attestation, settings.noneAttestationAaguid);
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
        transports: reportedTransports(settings.transports, info, settings.attachment),
        ...(publicKey ? { publicKey: toBase64Url(publicKey) } : {}),
        publicKeyAlgorithm,
      },
      authenticatorAttachment: settings.attachment,
      clientExtensionResults,
    };
  });
}

/** With a known algorithm list, say NotSupportedError up front rather than after a round trip. */
function assertAlgorithmSupported(options: CreationOptions, info: AuthenticatorInfo): void {
  if (!info.algorithms) return;
  const supported = info.algorithms.filter((a) => a.type === "public-key").map((a) => a.alg);
  if (!options.pubKeyCredParams.some((p) => supported.includes(p.alg))) {
    throw new WebAuthnError(
      "NotSupportedError",
      `the authenticator supports none of the requested algorithms ` +
        `[${options.pubKeyCredParams.map((p) => p.alg).join(", ")}] (it supports [${supported.join(", ")}])`,
    );
  }
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
function reportedTransports(
  configured: AuthenticatorTransport[] | undefined,
  info: AuthenticatorInfo,
  attachment: string,
): AuthenticatorTransport[] {
  const fromInfo = info.transports.filter((t): t is AuthenticatorTransport =>
    (KNOWN_TRANSPORTS as readonly string[]).includes(t),
  );
  const chosen = configured ?? (fromInfo.length > 0 ? fromInfo : [attachment === "platform" ? "internal" : "usb"]);
  return [...new Set(chosen)].sort();
}
