/**
 * authenticatorBioEnrollment (0x09, and the FIDO_2_1_PRE prototype 0x40),
 * CTAP 2.2 section 6.7: the subCommands, the request's parameter map,
 * subCommandParams and the response map, each field beside its CBOR key, and
 * the sample statuses a fingerprint sensor reports (section 6.7.4).
 */
import { anyMap, arrayOf, bool, bytes, int, optional, required, table, text, uint, type Shape } from "../schema.js";

export const BioEnrollmentSubCommand = {
  enrollBegin: 0x01,
  enrollCaptureNextSample: 0x02,
  cancelCurrentEnrollment: 0x03,
  enumerateEnrollments: 0x04,
  setFriendlyName: 0x05,
  removeEnrollment: 0x06,
  getFingerprintSensorInfo: 0x07,
} as const;

/** The modality of a bio enrollment request (section 6.7.1); fingerprint is the only one the spec defines. */
export const BioModality = { fingerprint: 0x01 } as const;

/** fingerprintKind (section 6.7.1): a sensor the finger rests on, or one it swipes across. */
export const FingerprintKind = { touch: 0x01, swipe: 0x02 } as const;

/** lastEnrollSampleStatus values (section 6.7.4), named as the spec names them. */
export const EnrollSampleStatus = {
  CTAP2_ENROLL_FEEDBACK_FP_GOOD: 0x00,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_HIGH: 0x01,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_LOW: 0x02,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_LEFT: 0x03,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_RIGHT: 0x04,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_FAST: 0x05,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_SLOW: 0x06,
  CTAP2_ENROLL_FEEDBACK_FP_POOR_QUALITY: 0x07,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_SKEWED: 0x08,
  CTAP2_ENROLL_FEEDBACK_FP_TOO_SHORT: 0x09,
  CTAP2_ENROLL_FEEDBACK_FP_MERGE_FAILURE: 0x0a,
  CTAP2_ENROLL_FEEDBACK_FP_EXISTS: 0x0b,
  CTAP2_ENROLL_FEEDBACK_FP_DATABASE_FULL: 0x0c,
  CTAP2_ENROLL_FEEDBACK_NO_USER_ACTIVITY: 0x0d,
  CTAP2_ENROLL_FEEDBACK_NO_USER_PRESENCE_TRANSITION: 0x0e,
} as const;

/** subCommandParams stays a raw map: pinUvAuthParam covers its canonical encoding. */
export const BioEnrollmentRequest = table({
  modality: optional(0x01, uint),
  subCommand: optional(0x02, int),
  subCommandParams: optional(0x03, anyMap),
  pinUvAuthProtocol: optional(0x04, int),
  pinUvAuthParam: optional(0x05, bytes),
  getModality: optional(0x06, bool),
});
export type BioEnrollmentRequest = Shape<typeof BioEnrollmentRequest.fields>;

export const BioEnrollmentParams = table({
  templateId: optional(0x01, bytes),
  templateFriendlyName: optional(0x02, text),
  timeoutMilliseconds: optional(0x03, uint),
});
export type BioEnrollmentParams = Shape<typeof BioEnrollmentParams.fields>;

export const TemplateInfo = table({
  templateId: required(0x01, bytes),
  templateFriendlyName: optional(0x02, text),
});
export type TemplateInfo = Shape<typeof TemplateInfo.fields>;

export const BioEnrollmentResponse = table({
  modality: optional(0x01, uint),
  fingerprintKind: optional(0x02, uint),
  maxCaptureSamplesRequiredForEnroll: optional(0x03, uint),
  templateId: optional(0x04, bytes),
  lastEnrollSampleStatus: optional(0x05, uint),
  remainingSamples: optional(0x06, uint),
  templateInfos: optional(0x07, arrayOf(TemplateInfo)),
  maxTemplateFriendlyName: optional(0x08, uint),
});
export type BioEnrollmentResponse = Shape<typeof BioEnrollmentResponse.fields>;

/**
 * What a pinUvAuthParam authenticates (section 6.7.2 onwards):
 * modality || subCommand || subCommandParams (canonical CBOR, when present).
 */
export function bioEnrollmentMessage(modality: number, subCommand: number, encodedParams: Uint8Array): Uint8Array {
  const message = new Uint8Array(2 + encodedParams.length);
  message[0] = modality;
  message[1] = subCommand;
  message.set(encodedParams, 2);
  return message;
}
