/**
 * The platform's side of authenticatorBioEnrollment (CTAP 2.2 section 6.7),
 * for `softkey bio` and any caller holding a CtapTransport: the in-process
 * core, a CTAPHID socket, a real fingerprint key. Like python-fido2's
 * FPBioEnrollment: a pinUvAuthToken with the be permission (from the PIN, or
 * from built-in UV once a finger is enrolled), then one request per
 * subCommand, each authenticated over modality || subCommand || params. A key
 * that only has the FIDO_2_1_PRE prototype gets it as 0x40.
 */
import { encodeCanonical, type CborMap } from "../../ctap/cbor.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { Permission } from "../../ctap/permissions.js";
import {
  BioEnrollmentParams,
  BioEnrollmentRequest,
  BioEnrollmentResponse,
  BioEnrollmentSubCommand,
  BioModality,
  EnrollSampleStatus,
  bioEnrollmentMessage,
} from "../../ctap/messages/bioEnrollment.js";
import { authenticatorGetInfo, option, type AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { callAuthenticator, readResponse, required, type CallOptions } from "../ctap/command.js";
import { WebAuthnError } from "../errors.js";
import { getPinUvAuthTokenUsingPin, getPinUvAuthTokenUsingUv, pinUvAuthParam, type PinUvAuthToken } from "../pin/pinUvAuthToken.js";

export interface FingerprintTemplateInfo {
  /** The template ID, hex. */
  id: string;
  name?: string;
}

export interface EnrollmentResult {
  id: string;
  /** Each sample's status as the sensor reported it, e.g. ["CTAP2_ENROLL_FEEDBACK_FP_TOO_HIGH", "CTAP2_ENROLL_FEEDBACK_FP_GOOD", ...]. */
  samples: string[];
  name?: string;
}

export interface BioSession {
  info: AuthenticatorInfo;
  token: PinUvAuthToken;
}

const SAMPLE_NAMES = new Map<number, string>(Object.entries(EnrollSampleStatus).map(([name, code]) => [code, name]));

/** getInfo, then a token with be: from the PIN when one is given, else from built-in UV. */
export async function openBioSession(transport: CtapTransport, pin: string | undefined, call?: CallOptions): Promise<BioSession> {
  const info = await authenticatorGetInfo(transport, call);
  if (option(info, "bioEnroll") === undefined && option(info, "userVerificationMgmtPreview") === undefined) {
    throw new WebAuthnError("NotSupportedError", "this authenticator has no fingerprint sensor (no bioEnroll in getInfo)");
  }
  const scope = { permissions: Permission.be };
  if (pin !== undefined) return { info, token: await getPinUvAuthTokenUsingPin(transport, info, pin, scope, call) };
  if (option(info, "uvBioEnroll") !== true || option(info, "bioEnroll") !== true) {
    throw new WebAuthnError("NotAllowedError", "a PIN is needed: built-in UV can only open bio enrollment once a finger is enrolled (uvBioEnroll)");
  }
  return { info, token: await getPinUvAuthTokenUsingUv(transport, info, scope, call) };
}

async function bio(transport: CtapTransport, session: BioSession | undefined, request: BioEnrollmentRequest, call?: CallOptions): Promise<BioEnrollmentResponse> {
  const prototype = session !== undefined && option(session.info, "bioEnroll") === undefined;
  const command = prototype ? "prototypeAuthenticatorBioEnrollment" : "authenticatorBioEnrollment";
  return readResponse(BioEnrollmentResponse, await callAuthenticator(transport, command, BioEnrollmentRequest.encodeMap(request), call), command);
}

/** A request for `subCommand` with its params, authenticated with the session's token. */
function authenticated(session: BioSession, subCommand: number, params?: BioEnrollmentParams): BioEnrollmentRequest {
  const encoded = params ? (BioEnrollmentParams.encodeMap(params) as CborMap) : undefined;
  const message = bioEnrollmentMessage(BioModality.fingerprint, subCommand, encoded ? encodeCanonical(encoded) : new Uint8Array(0));
  return {
    modality: BioModality.fingerprint,
    subCommand,
    ...(encoded ? { subCommandParams: encoded } : {}),
    pinUvAuthProtocol: session.token.version,
    pinUvAuthParam: pinUvAuthParam(session.token, message),
  };
}

/**
 * Enrolls one finger: enrollBegin, then enrollCaptureNextSample until no sample remains, at most
 * `maxSamples` captures in all (a sensor that keeps reporting bad samples ends it: the enrollment is
 * cancelled and NotAllowedError names the statuses). Then the friendly name, when given.
 */
export async function enrollFingerprint(
  transport: CtapTransport,
  session: BioSession,
  options: { name?: string; timeoutMs?: number; maxSamples?: number } = {},
  call?: CallOptions,
): Promise<EnrollmentResult> {
  const timeout = options.timeoutMs !== undefined ? { timeoutMilliseconds: options.timeoutMs } : undefined;
  const first = await bio(transport, session, authenticated(session, BioEnrollmentSubCommand.enrollBegin, timeout), call);
  const templateId = required(first.templateId, "templateId", "authenticatorBioEnrollment");
  const samples = [sampleName(first.lastEnrollSampleStatus)];
  let remaining = required(first.remainingSamples, "remainingSamples", "authenticatorBioEnrollment");
  const maxSamples = options.maxSamples ?? 32;
  while (remaining > 0) {
    if (samples.length >= maxSamples) {
      await cancelEnrollment(transport, session, call);
      throw new WebAuthnError("NotAllowedError", `enrollment did not complete in ${maxSamples} samples (${samples.join(", ")})`);
    }
    const next = await bio(transport, session, authenticated(session, BioEnrollmentSubCommand.enrollCaptureNextSample, { templateId, ...timeout }), call);
    samples.push(sampleName(next.lastEnrollSampleStatus));
    remaining = required(next.remainingSamples, "remainingSamples", "authenticatorBioEnrollment");
  }
  const id = Buffer.from(templateId).toString("hex");
  if (options.name !== undefined) await renameFingerprint(transport, session, id, options.name, call);
  return { id, samples, ...(options.name !== undefined ? { name: options.name } : {}) };
}

export async function cancelEnrollment(transport: CtapTransport, session: BioSession, call?: CallOptions): Promise<void> {
  await bio(transport, session, { modality: BioModality.fingerprint, subCommand: BioEnrollmentSubCommand.cancelCurrentEnrollment }, call);
}

/** enumerateEnrollments; none enrolled (INVALID_OPTION on the wire) is an empty list, as python-fido2 makes it. */
export async function listFingerprints(transport: CtapTransport, session: BioSession, call?: CallOptions): Promise<FingerprintTemplateInfo[]> {
  try {
    const response = await bio(transport, session, authenticated(session, BioEnrollmentSubCommand.enumerateEnrollments), call);
    return (response.templateInfos ?? []).map((t) => ({ id: Buffer.from(t.templateId).toString("hex"), ...(t.templateFriendlyName ? { name: t.templateFriendlyName } : {}) }));
  } catch (error) {
    if ((error as { status?: number }).status === 0x2c) return [];
    throw error;
  }
}

export async function renameFingerprint(transport: CtapTransport, session: BioSession, id: string, name: string, call?: CallOptions): Promise<void> {
  await bio(transport, session, authenticated(session, BioEnrollmentSubCommand.setFriendlyName, { templateId: templateIdOf(id), templateFriendlyName: name }), call);
}

export async function removeFingerprint(transport: CtapTransport, session: BioSession, id: string, call?: CallOptions): Promise<void> {
  await bio(transport, session, authenticated(session, BioEnrollmentSubCommand.removeEnrollment, { templateId: templateIdOf(id) }), call);
}

/** getFingerprintSensorInfo: needs no token. */
export async function fingerprintSensorInfo(transport: CtapTransport, call?: CallOptions): Promise<BioEnrollmentResponse> {
  return bio(transport, undefined, { modality: BioModality.fingerprint, subCommand: BioEnrollmentSubCommand.getFingerprintSensorInfo }, call);
}

function templateIdOf(id: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})+$/i.test(id)) throw new WebAuthnError("TypeError", `a template ID is hex, as softkey bio list shows it: got "${id}"`);
  return new Uint8Array(Buffer.from(id, "hex"));
}

function sampleName(status: number | undefined): string {
  return status === undefined ? "none" : (SAMPLE_NAMES.get(status) ?? `0x${status.toString(16)}`);
}
