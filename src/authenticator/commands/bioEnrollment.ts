/**
 * authenticatorBioEnrollment (0x09, and the FIDO_2_1_PRE prototype 0x40),
 * CTAP 2.2 section 6.7: a fingerprint sensor's enrollment. getModality and
 * getFingerprintSensorInfo answer anyone; cancelCurrentEnrollment needs no
 * token either; the rest need a pinUvAuthToken with the be permission over
 * modality || subCommand || subCommandParams. An enrollment takes
 * maxCaptureSamplesRequiredForEnroll good samples; a bad one (too high, too
 * fast, poor quality...) is reported and counts for nothing. Once a template
 * is enrolled, built-in UV is configured (bio/templates.ts).
 */
import type { CborMap } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import type { CtapRequestContext } from "../../ctap/transport.js";
import type { FingerprintSensorConfig } from "../deviceConfig.js";
import type { SampleStatus } from "../../presence/presence.js";
import { CtapError, Status } from "../../ctap/status.js";
import { encodeParameters, need, readRequest, type ResponseMap } from "../params.js";
import { Permission } from "../../ctap/permissions.js";
import { verifyCommandToken } from "./commandToken.js";
import { captureEnrollmentSample } from "../userPresence.js";
import { loadTemplates, newTemplateId, sameId, saveTemplates } from "../bio/templates.js";
import {
  BioEnrollmentParams,
  BioEnrollmentRequest,
  BioEnrollmentResponse,
  BioEnrollmentSubCommand,
  BioModality,
  EnrollSampleStatus,
  bioEnrollmentMessage,
} from "../../ctap/messages/bioEnrollment.js";

type Handler = (ctx: AuthenticatorContext, sensor: FingerprintSensorConfig, params: BioEnrollmentParams, request: CtapRequestContext) => Promise<BioEnrollmentResponse | undefined>;

/** The subcommands behind a token with the be permission. */
const authenticated = new Map<number, Handler>([
  [BioEnrollmentSubCommand.enrollBegin, enrollBegin],
  [BioEnrollmentSubCommand.enrollCaptureNextSample, enrollCaptureNextSample],
  [BioEnrollmentSubCommand.enumerateEnrollments, enumerateEnrollments],
  [BioEnrollmentSubCommand.setFriendlyName, setFriendlyName],
  [BioEnrollmentSubCommand.removeEnrollment, removeEnrollment],
]);

export async function bioEnrollment(params: CborMap, ctx: AuthenticatorContext, request: CtapRequestContext): Promise<ResponseMap | undefined> {
  const sensor = ctx.config.fingerprint;
  // A key without a sensor does not have the command at all, as on a key without bioEnroll in getInfo.
  if (!sensor) throw new CtapError(Status.CTAP1_ERR_INVALID_COMMAND, "this authenticator has no fingerprint sensor");
  const input = readRequest(BioEnrollmentRequest, params);
  if (input.getModality) return BioEnrollmentResponse.encodeMap({ modality: BioModality.fingerprint });
  const modality = need(input.modality, "modality");
  if (modality !== BioModality.fingerprint) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, `modality ${modality} is not supported (fingerprint is 1)`);
  const subCommand = need(input.subCommand, "subCommand");
  if (subCommand === BioEnrollmentSubCommand.getFingerprintSensorInfo) {
    return BioEnrollmentResponse.encodeMap({
      modality: BioModality.fingerprint,
      fingerprintKind: sensor.fingerprintKind,
      maxCaptureSamplesRequiredForEnroll: sensor.maxCaptureSamplesRequiredForEnroll,
      maxTemplateFriendlyName: sensor.maxTemplateFriendlyName,
    });
  }
  if (subCommand === BioEnrollmentSubCommand.cancelCurrentEnrollment) {
    ctx.session.end("bioEnrollment");
    return undefined;
  }
  const handler = authenticated.get(subCommand);
  if (!handler) throw new CtapError(Status.CTAP2_ERR_INVALID_SUBCOMMAND, `unknown bioEnrollment subCommand ${subCommand}`);
  const encodedParams = input.subCommandParams ? encodeParameters(input.subCommandParams, "subCommandParams") : new Uint8Array(0);
  verifyCommandToken(ctx, {
    pinUvAuthParam: input.pinUvAuthParam,
    pinUvAuthProtocol: input.pinUvAuthProtocol,
    message: bioEnrollmentMessage(modality, subCommand, encodedParams),
    permission: Permission.be,
    purpose: `bioEnrollment subCommand ${subCommand}`,
  });
  const subCommandParams = readRequest(BioEnrollmentParams, input.subCommandParams ?? new Map(), "subCommandParams.");
  const response = await handler(ctx, sensor, subCommandParams, request);
  return response && BioEnrollmentResponse.encodeMap(response);
}

/** enrollBegin (section 6.7.2): a new template ID and its first sample; a full sensor is FP_DATABASE_FULL. */
async function enrollBegin(ctx: AuthenticatorContext, sensor: FingerprintSensorConfig, params: BioEnrollmentParams, request: CtapRequestContext): Promise<BioEnrollmentResponse> {
  ctx.session.end("bioEnrollment");
  const templates = await loadTemplates(ctx);
  if (templates.length >= sensor.maxTemplates) throw new CtapError(Status.CTAP2_ERR_FP_DATABASE_FULL, `the sensor holds ${sensor.maxTemplates} templates`);
  const templateId = newTemplateId(templates);
  const progress = await capture(ctx, { templateId, remainingSamples: sensor.maxCaptureSamplesRequiredForEnroll }, params, request);
  return { templateId, ...progress };
}

/** enrollCaptureNextSample (section 6.7.3): only for the template being enrolled. */
async function enrollCaptureNextSample(ctx: AuthenticatorContext, _sensor: FingerprintSensorConfig, params: BioEnrollmentParams, request: CtapRequestContext): Promise<BioEnrollmentResponse> {
  const templateId = need(params.templateId, "templateId");
  const current = ctx.session.current("bioEnrollment");
  if (!current) throw new CtapError(Status.CTAP2_ERR_NOT_ALLOWED, "no enrollment in progress");
  if (!sameId(current.templateId, templateId)) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "templateId is not the template being enrolled");
  return capture(ctx, current, params, request);
}

/**
 * One sample: a good one brings the template one step nearer; the last good one stores it. A timeout or a
 * cancel ends the enrollment with its status, as a sensor that lost the user does.
 */
async function capture(
  ctx: AuthenticatorContext,
  progress: { templateId: Uint8Array; remainingSamples: number },
  params: BioEnrollmentParams,
  request: CtapRequestContext,
): Promise<{ lastEnrollSampleStatus: number; remainingSamples: number }> {
  let status: SampleStatus;
  try {
    status = await captureEnrollmentSample(ctx, request, params.timeoutMilliseconds || undefined);
  } catch (error) {
    ctx.session.end("bioEnrollment");
    throw error;
  }
  const remainingSamples = status === "fp-good" ? progress.remainingSamples - 1 : progress.remainingSamples;
  if (remainingSamples === 0) {
    const templates = await loadTemplates(ctx);
    await saveTemplates(ctx, [...templates, { templateId: progress.templateId }]);
    ctx.session.end("bioEnrollment");
    ctx.log(`bioEnrollment: template ${Buffer.from(progress.templateId).toString("hex")} enrolled`);
  } else {
    ctx.session.begin("bioEnrollment", { templateId: progress.templateId, remainingSamples }, ctx.config.userActionTimeoutMs);
  }
  return { lastEnrollSampleStatus: SAMPLE_STATUS_CODES[status], remainingSamples };
}

/** enumerateEnrollments (section 6.7.5): none enrolled is INVALID_OPTION. */
async function enumerateEnrollments(ctx: AuthenticatorContext): Promise<BioEnrollmentResponse> {
  const templates = await loadTemplates(ctx);
  if (templates.length === 0) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "no fingerprint is enrolled");
  // An unnamed template is listed with an empty name: python-fido2 0.9.1 reads the member unconditionally.
  return { templateInfos: templates.map((t) => ({ templateId: t.templateId, templateFriendlyName: t.templateFriendlyName ?? "" })) };
}

/** setFriendlyName (section 6.7.6): an unknown template is INVALID_OPTION; a name longer than maxTemplateFriendlyName bytes is INVALID_LENGTH. */
async function setFriendlyName(ctx: AuthenticatorContext, sensor: FingerprintSensorConfig, params: BioEnrollmentParams): Promise<undefined> {
  const templateId = need(params.templateId, "templateId");
  const name = need(params.templateFriendlyName, "templateFriendlyName");
  if (Buffer.byteLength(name, "utf8") > sensor.maxTemplateFriendlyName) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_LENGTH, `templateFriendlyName is longer than ${sensor.maxTemplateFriendlyName} bytes`);
  }
  const templates = await loadTemplates(ctx);
  const index = templates.findIndex((t) => sameId(t.templateId, templateId));
  if (index === -1) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "no template with that templateId");
  templates[index] = { ...templates[index]!, templateFriendlyName: name };
  await saveTemplates(ctx, templates);
  return undefined;
}

/** removeEnrollment (section 6.7.7): an unknown template is INVALID_OPTION. */
async function removeEnrollment(ctx: AuthenticatorContext, _sensor: FingerprintSensorConfig, params: BioEnrollmentParams): Promise<undefined> {
  const templateId = need(params.templateId, "templateId");
  const templates = await loadTemplates(ctx);
  const kept = templates.filter((t) => !sameId(t.templateId, templateId));
  if (kept.length === templates.length) throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, "no template with that templateId");
  await saveTemplates(ctx, kept);
  ctx.log(`bioEnrollment: template ${Buffer.from(templateId).toString("hex")} removed`);
  return undefined;
}

const SAMPLE_STATUS_CODES: Record<SampleStatus, number> = {
  "fp-good": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_GOOD,
  "fp-too-high": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_HIGH,
  "fp-too-low": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_LOW,
  "fp-too-left": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_LEFT,
  "fp-too-right": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_RIGHT,
  "fp-too-fast": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_FAST,
  "fp-too-slow": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_SLOW,
  "fp-poor-quality": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_POOR_QUALITY,
  "fp-too-skewed": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_SKEWED,
  "fp-too-short": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_TOO_SHORT,
  "fp-merge-failure": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_MERGE_FAILURE,
  "fp-exists": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_FP_EXISTS,
  "no-user-activity": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_NO_USER_ACTIVITY,
  "no-user-presence-transition": EnrollSampleStatus.CTAP2_ENROLL_FEEDBACK_NO_USER_PRESENCE_TRANSITION,
};
