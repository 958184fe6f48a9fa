/**
 * The hmac-secret extension (CTAP 2.1 section 12.5): the keys of its
 * getAssertion input map, named as the spec names them. hmac-secret-mc
 * (CTAP 2.2 section 12.7) takes the same map at makeCredential.
 */

export const Input = { keyAgreement: 0x01, saltEnc: 0x02, saltAuth: 0x03, pinUvAuthProtocol: 0x04 } as const;
