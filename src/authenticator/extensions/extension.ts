/**
 * Authenticator extensions (CTAP 2.1 section 12): one module per extension,
 * each with the spec's identifier as its name. makeCredential and
 * getAssertion hand every requested, registered extension its input; the
 * outputs go into the authenticator data (signed) or beside it (unsigned).
 */
import type { CborValue } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import type { CredentialRecord } from "../store.js";
import type { AuthenticatorConfig } from "../deviceConfig.js";

/** Extension outputs that travel beside the authenticator data, named as both responses name them. */
export interface UnsignedOutputs {
  largeBlobKey?: Uint8Array;
}

export interface ExtensionResult {
  /** The output in authenticator data's extensions map (signed). */
  output?: unknown;
  /** Response members outside authenticator data (largeBlobKey: 0x05 in makeCredential, 0x07 in getAssertion). */
  unsigned?: UnsignedOutputs;
}

export interface MakeCredentialExtensionInput {
  ctx: AuthenticatorContext;
  /** The new credential, not yet stored: an extension may add state to `record.extensions`. */
  record: CredentialRecord;
  userVerified: boolean;
  pinUvAuthProtocol?: number;
}

export interface GetAssertionExtensionInput {
  ctx: AuthenticatorContext;
  record: CredentialRecord;
  userVerified: boolean;
  userPresent: boolean;
  pinUvAuthProtocol?: number;
}

export interface AuthenticatorExtension {
  /** The extension identifier as getInfo lists it, e.g. "hmac-secret". */
  readonly name: string;
  /** The CTAP version that defined it: a device claims it only with that version in getInfo (a 2.1 key has no 2.2 extension). */
  readonly since?: "FIDO_2_2" | "FIDO_2_3";
  /** Whether a device with this configuration can offer it at all (default: yes). */
  offeredBy?(config: AuthenticatorConfig): boolean;
  makeCredential?(input: CborValue, context: MakeCredentialExtensionInput): Promise<ExtensionResult | undefined> | ExtensionResult | undefined;
  getAssertion?(input: CborValue, context: GetAssertionExtensionInput): Promise<ExtensionResult | undefined> | ExtensionResult | undefined;
}
