/**
 * A registration on a CTAP2 authenticator: the part of WebAuthn L3 section
 * 5.1.3 that talks to it. Resident key and user verification are decided as
 * Chrome decides them (./requirements.ts, ./userVerification.ts), extensions
 * plan before any PIN, excludeCredentials longer than the authenticator
 * takes are probed first, then one authenticatorMakeCredential.
 */
import { Permission } from "../ctap/permissions.js";
import type { CallOptions } from "./ctap/command.js";
import { option, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { authenticatorMakeCredential, type MakeCredentialResponse } from "./ctap/authenticatorMakeCredential.js";
import { exchange } from "./ctap/command.js";
import type { ClientContext } from "./context.js";
import { fitsInOneRequest, probeCredentials, usableDescriptors } from "./credentialLists.js";
import { WebAuthnError } from "./errors.js";
import { PageMessage } from "./pageMessages.js";
import type { RegistrationProcessor } from "./extensions/extension.js";
import { authenticatorInputs, excludedByExtension, permissionsOf } from "./extensions/registry.js";
import type { CreateMediation } from "./mediation.js";
import type { CreationOptions } from "./optionsJSON.js";
import { pinUvAuthParam } from "./pin/pinUvAuthToken.js";
import { registrationUvRequirement, resolveResidentKey } from "./requirements.js";
import { canVerifyUser, uvDisposition, verifyUser } from "./userVerification.js";

export interface RegistrationRun {
  device: ClientContext;
  info: AuthenticatorInfo;
  options: CreationOptions;
  rpId: string;
  clientDataHash: Uint8Array;
  extensions: RegistrationProcessor[];
  mediation: CreateMediation;
  ctap: CallOptions;
}

export interface Registration {
  response: MakeCredentialResponse;
  /** Whether the client asked for a discoverable credential. */
  rk: boolean;
}

export async function makeCredentialOverCtap2(run: RegistrationRun): Promise<Registration> {
  const { device, info, options, rpId, clientDataHash, extensions, ctap } = run;
  assertAlgorithmSupported(options, info);
  const conditional = run.mediation === "conditional";
  // A conditional create makes a passkey, as Chrome's password manager does.
  const rk = conditional ? resolveResidentKey("required", info, true) : resolveResidentKey(options.residentKey, info, canVerifyUser(info, device.pinAvailable));
  // Before any PIN or UV: an extension the authenticator cannot serve as required refuses here.
  const plans = extensions.map((e) => e.plan?.({ info, rk }));
  const preferUv = plans.some((p) => p?.preferUv === true);
  let excludeList = usableDescriptors(options.excludeCredentials, info);
  const find = (id: string, list: typeof excludeList) => probeCredentials(device.transport, list, info, { rpId: id, clientDataHash }, ctap);
  if (await excludedByExtension(extensions, { excludeList: options.excludeCredentials, find })) {
    await collectTouch(device, info, ctap);
    throw new WebAuthnError("InvalidStateError", "the authenticator holds a credential from excludeCredentials under the appidExclude AppID");
  }
  if (conditional && options.userVerification === "required" && !canVerifyUser(info, device.pinAvailable)) {
    throw new WebAuthnError("ConstraintError", "a conditional create cannot collect user verification here (no built-in UV, no PIN to give), and the RP requires it");
  }
  const requirement = conditional ? conditionalUvRequirement(options, info) : registrationUvRequirement(options.userVerification, info, rk, preferUv);
  const disposition = uvDisposition(requirement, info, device.pinAvailable);
  const verification = await verifyUser(
    device,
    info,
    disposition,
    // ga as well, for probing excludeCredentials with the token, as Chrome asks.
    { permissions: Permission.mc | Permission.ga | permissionsOf(plans), rpId },
    ctap,
  );
  const { token } = verification;
  // A CTAP 2.0-style UV-configured key without makeCredUvNotRqd refuses to make credentials without UV.
  const uvOption =
    verification.uvOption || (!token && !conditional && option(info, "uv") === true && option(info, "makeCredUvNotRqd") !== true);

  if (!fitsInOneRequest(excludeList, info)) {
    const held = await probeCredentials(device.transport, excludeList, info, { rpId, clientDataHash }, ctap, token);
    // Sending just the held credential lets the authenticator collect a touch and answer CREDENTIAL_EXCLUDED.
    excludeList = held ? [held] : [];
  }

  const extensionInputs = await authenticatorInputs(extensions, { transport: device.transport, info, token, ctap });
  const response = await authenticatorMakeCredential(
    device.transport,
    {
      clientDataHash,
      rp: { id: rpId, name: options.rp.name },
      user: options.user,
      pubKeyCredParams: options.pubKeyCredParams,
      excludeList,
      extensions: extensionInputs,
      options: new Map([["rk", rk], ["uv", uvOption]]),
      ...attestationFormatsPreference(options, info),
      ...(token ? { pinUvAuthParam: pinUvAuthParam(token, clientDataHash), pinUvAuthProtocol: token.version } : {}),
    },
    ctap,
  );
  return { response, rk };
}

/**
 * The RP's attestationFormats as CTAP 2.2's attestationFormatsPreference (makeCredential 0x0B), to a key that
 * speaks 2.2 (an older one does not know the member) and only when the RP wants an attestation at all.
 */
function attestationFormatsPreference(options: CreationOptions, info: AuthenticatorInfo): { attestationFormatsPreference?: string[] } {
  if (options.attestationFormats.length === 0 || options.attestation === "none") return {};
  if (!info.versions.some((v) => v === "FIDO_2_2" || v === "FIDO_2_3")) return {};
  return { attestationFormatsPreference: options.attestationFormats };
}

/**
 * Section 5.1.3 asks a conditional create for neither presence nor
 * verification "unless they may be explicitly performed". CTAP has no
 * silent makeCredential, and a key protected by UV refuses a discoverable
 * credential without it (CTAP 2.2 section 6.1.2), so UV is performed
 * there, and only there, unless the RP requires it anyway.
 */
function conditionalUvRequirement(options: CreationOptions, info: AuthenticatorInfo): "required" | "preferred" | "discouraged" {
  if (options.userVerification === "required") return "required";
  return option(info, "clientPin") === true || option(info, "uv") === true ? "preferred" : "discouraged";
}

/** With a known algorithm list, say NotSupportedError up front rather than after a round trip. */
export function assertAlgorithmSupported(options: CreationOptions, info: AuthenticatorInfo): void {
  if (!info.algorithms) return;
  const supported = info.algorithms.filter((a) => a.type === "public-key").map((a) => a.alg);
  if (!options.pubKeyCredParams.some((p) => supported.includes(p.alg))) {
    throw new WebAuthnError(
      "NotSupportedError",
      `the authenticator supports none of the requested algorithms ` +
        `[${options.pubKeyCredParams.map((p) => p.alg).join(", ")}] (it supports [${supported.join(", ")}])`,
      { pageMessage: PageMessage.algorithmUnsupported },
    );
  }
}

/**
 * A touch before InvalidStateError, so a site cannot tell an excluded
 * credential without the user's involvement: authenticatorSelection (CTAP
 * 2.1 section 6.9) on a key that has it.
 */
async function collectTouch(device: ClientContext, info: AuthenticatorInfo, ctap: CallOptions): Promise<void> {
  if (!info.versions.some((v) => v === "FIDO_2_1" || v === "FIDO_2_1_PRE" || v === "FIDO_2_2")) return;
  await exchange(device.transport, "authenticatorSelection", undefined, ctap).catch((error: unknown) => {
    if (ctap.signal?.aborted) throw error;
  });
}
