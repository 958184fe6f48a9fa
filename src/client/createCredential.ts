/**
 * navigator.credentials.create({ publicKey }) for one roaming authenticator:
 * WebAuthn L3 section 5.1.3 ("Create a New Credential") as far as a client
 * with a single CTAP2 authenticator and no UI needs it.
 */
import { encodeCanonical, type CborMap } from "../ctap/cbor.js";
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
import { credPropsOutput } from "./extensions/credProps.js";
import { credProtectInput, credProtectRequest } from "./extensions/credProtect.js";
import { hmacSecretInput, hmacSecretOutputs, type HmacSecretRequest } from "./extensions/hmacSecret.js";
import { optionalBoolean } from "./extensions/inputs.js";
import { parseLargeBlobCreateInput, supportsLargeBlobs } from "./extensions/largeBlob.js";
import { parsePrfCreateInput, prfResultsJSON, prfSalts } from "./extensions/prf.js";
import { choosePinUvAuthProtocol } from "./pin/keyAgreement.js";
import { pinUvAuthParam } from "./pin/pinUvAuthToken.js";
import { canVerifyUser, uvDisposition, verifyUser } from "./userVerification.js";
import { parseCallOrigins, resolveRpId } from "./origin.js";
import { parseCreationOptionsJSON, type CreationOptions } from "./optionsJSON.js";
import { registrationUvRequirement, resolveResidentKey } from "./requirements.js";
import { checkedAuthenticatorData } from "./responseChecks.js";
import type {
  AuthenticationExtensionsClientOutputs,
  AuthenticatorTransport,
  RegistrationResponseJSON,
} from "./responseJSON.js";

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
  const inputs = {
    prf: parsePrfCreateInput(options.extensions),
    hmacCreateSecret: optionalBoolean(options.extensions.hmacCreateSecret, "extensions.hmacCreateSecret") === true,
    largeBlob: parseLargeBlobCreateInput(options.extensions),
    credProtect: credProtectRequest(options.extensions, options.residentKey, options.userVerification),
  };
  const { clientDataJSON, clientDataHash } = collectClientData("webauthn.create", options.challenge, caller.origin, top?.origin);

  return runCallCeremony(options.timeout ?? settings.defaultTimeoutMs, call, async (ctap) => {
    const info = await client.getInfo(ctap);
    assertAlgorithmSupported(options, info);
    const rk = resolveResidentKey(options.residentKey, info, canVerifyUser(info, client.pinAvailable));

    const largeBlobs = supportsLargeBlobs(info);
    if (inputs.largeBlob === "required" && !(rk && largeBlobs)) {
      throw new WebAuthnError(
        "NotAllowedError",
        rk
          ? "largeBlob support is required but the authenticator has no large-blob storage"
          : "largeBlob support is required, which needs a discoverable credential (residentKey required)",
      );
    }
    const wantLargeBlobKey = inputs.largeBlob !== undefined && rk && largeBlobs;
    const credProtectLevel = credProtectInput(inputs.credProtect, info.extensions.includes("credProtect"));
    const hmacVersion = info.extensions.includes("hmac-secret") ? choosePinUvAuthProtocol(info) : undefined;
    const wantHmacSecret = (inputs.prf !== undefined || inputs.hmacCreateSecret) && hmacVersion !== undefined;

    const requirement = registrationUvRequirement(options.userVerification, info, rk, wantHmacSecret);
    const disposition = uvDisposition(requirement, info, client.pinAvailable);
    const verification = await verifyUser(
      client,
      info,
      disposition,
      // ga as well, for probing excludeCredentials with the token, as Chrome asks.
      { permissions: Permission.mc | Permission.ga, rpId },
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

    const extensions: CborMap = new Map();
    if (credProtectLevel !== undefined) extensions.set("credProtect", credProtectLevel);
    let hmacAtCreation: HmacSecretRequest | undefined;
    if (wantHmacSecret) {
      extensions.set("hmac-secret", true);
      // hmac-secret-mc (CTAP 2.2) evaluates the PRF at creation; without it the results are left out, as Chrome does.
      if (inputs.prf?.eval && info.extensions.includes("hmac-secret-mc")) {
        hmacAtCreation = await hmacSecretInput(client.transport, token?.version ?? hmacVersion!, prfSalts(inputs.prf.eval), ctap);
        extensions.set("hmac-secret-mc", hmacAtCreation.input);
      }
    }
    if (wantLargeBlobKey) extensions.set("largeBlobKey", true);

    const response = await authenticatorMakeCredential(
      client.transport,
      {
        clientDataHash,
        rp: { id: rpId, name: options.rp.name },
        user: options.user,
        pubKeyCredParams: options.pubKeyCredParams,
        excludeList,
        extensions,
        options: new Map([["rk", rk], ["uv", uvOption]]),
        ...(token ? { pinUvAuthParam: pinUvAuthParam(token, clientDataHash), pinUvAuthProtocol: token.version } : {}),
      },
      ctap,
    );
    const { credential, extensions: extensionOutputs } = checkAttestedCredential(response, rpId, settings.passThroughBrokenResponses);
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
    const clientExtensionResults: AuthenticationExtensionsClientOutputs = { ...credPropsOutput(options.extensions, rk) };
    const hmacCreated = extensionOutputs?.get("hmac-secret") === true;
    if (inputs.prf) {
      const mcOutput = extensionOutputs?.get("hmac-secret-mc");
      clientExtensionResults.prf = {
        enabled: hmacCreated,
        ...(hmacAtCreation && mcOutput !== undefined
          ? { results: prfResultsJSON(hmacSecretOutputs(hmacAtCreation, mcOutput, "authenticatorMakeCredential")) }
          : {}),
      };
    }
    if (inputs.hmacCreateSecret) clientExtensionResults.hmacCreateSecret = hmacCreated;
    if (inputs.largeBlob) {
      const supported = wantLargeBlobKey && response.largeBlobKey?.length === 32;
      if (inputs.largeBlob === "required" && !supported) {
        throw malformed("authenticatorMakeCredential", "largeBlob support was required but no largeBlobKey came back");
      }
      clientExtensionResults.largeBlob = { supported };
    }
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
): { credential: NonNullable<ParsedAuthenticatorData["attestedCredentialData"]>; extensions: CborMap | undefined } {
  const command = "authenticatorMakeCredential";
  const authData = checkedAuthenticatorData(response.authData, rpId, command, passThrough);
  const credential = authData.attestedCredentialData;
  if (!credential) throw malformed(command, "no attested credential data (AT flag clear)");
  const idLength = credential.credentialId.length;
  if (idLength === 0 || idLength > MAX_CREDENTIAL_ID_LENGTH) {
    throw malformed(command, `credential ID length ${idLength} is outside 1..${MAX_CREDENTIAL_ID_LENGTH}`);
  }
  return { credential, extensions: authData.extensions };
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
