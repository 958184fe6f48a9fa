/**
 * authenticatorGetAssertion (0x02), CTAP 2.1 section 6.2: the keys of the
 * request's parameter map and of the response map, named as the spec names
 * them. authenticatorGetNextAssertion (0x08, section 6.3) answers with the
 * same response map.
 */

export const Param = {
  rpId: 0x01,
  clientDataHash: 0x02,
  allowList: 0x03,
  extensions: 0x04,
  options: 0x05,
  pinUvAuthParam: 0x06,
  pinUvAuthProtocol: 0x07,
} as const;

/** largeBlobKey is the largeBlobKey extension's output (section 12.3), beside the authenticator data. */
export const Response = {
  credential: 0x01,
  authData: 0x02,
  signature: 0x03,
  user: 0x04,
  numberOfCredentials: 0x05,
  userSelected: 0x06,
  largeBlobKey: 0x07,
} as const;
