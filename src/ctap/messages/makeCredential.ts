/**
 * authenticatorMakeCredential (0x01), CTAP 2.1 section 6.1: the keys of the
 * request's parameter map and of the response map, named as the spec names
 * them. The authenticator's handler and the WebAuthn client both read them here.
 */

export const Param = {
  clientDataHash: 0x01,
  rp: 0x02,
  user: 0x03,
  pubKeyCredParams: 0x04,
  excludeList: 0x05,
  extensions: 0x06,
  options: 0x07,
  pinUvAuthParam: 0x08,
  pinUvAuthProtocol: 0x09,
  enterpriseAttestation: 0x0a,
} as const;

/** largeBlobKey is the largeBlobKey extension's output (section 12.3), beside the authenticator data. */
export const Response = { fmt: 0x01, authData: 0x02, attStmt: 0x03, epAtt: 0x04, largeBlobKey: 0x05 } as const;
