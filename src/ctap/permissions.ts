/**
 * pinUvAuthToken permission bits (CTAP 2.2 section 6.5.5.7), named as the
 * spec names them. The authenticator grants them; a client asks for them.
 */
export const Permission = {
  mc: 0x01,
  ga: 0x02,
  cm: 0x04,
  be: 0x08,
  lbw: 0x10,
  acfg: 0x20,
  /** persistentCredentialManagementReadOnly (CTAP 2.2). */
  pcmr: 0x40,
} as const;

/** Every bit the spec defines; the others are "undefined permissions", which an authenticator ignores. */
export const DEFINED_PERMISSIONS = Object.values(Permission).reduce((all, bit) => all | bit, 0);
