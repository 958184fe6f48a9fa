/**
 * The extensions this authenticator implements, in getInfo order, and the
 * loop that runs the requested ones. Unknown extension identifiers are
 * ignored, as CTAP 2.1 requires.
 */
import type { CborMap, CborValue } from "../../ctap/cbor.js";
import { encodeCanonical } from "../../ctap/cbor.js";
import type {
  AuthenticatorExtension,
  ExtensionResult,
  GetAssertionExtensionInput,
  MakeCredentialExtensionInput,
  UnsignedOutputs,
} from "./extension.js";
import { credProtect } from "./credProtect.js";
import { hmacSecret } from "./hmacSecret.js";
import { credBlob } from "./credBlob.js";
import { largeBlobKey } from "./largeBlobKey.js";
import { minPinLength } from "./minPinLength.js";
import { hmacSecretMc } from "./hmacSecretMc.js";
import { thirdPartyPayment } from "./thirdPartyPayment.js";
import { pinComplexityPolicy } from "./pinComplexityPolicy.js";
import { claimsCtap22, claimsCtap23, type AuthenticatorConfig } from "../deviceConfig.js";

/** In processing order: hmac-secret-mc after hmac-secret, whose CredRandom it uses. */
export const EXTENSIONS: readonly AuthenticatorExtension[] = [
  credProtect,
  hmacSecret,
  hmacSecretMc,
  credBlob,
  largeBlobKey,
  minPinLength,
  thirdPartyPayment,
  pinComplexityPolicy,
];

/**
 * The implemented extensions' names, or those of them in `offered` (a device profile may offer fewer); with a
 * device configuration, only those its CTAP version and features allow.
 */
export function extensionNames(offered?: readonly string[], config?: AuthenticatorConfig): string[] {
  return EXTENSIONS.filter((e) => (offered === undefined || offered.includes(e.name)) && (!config || availableOn(e, config))).map((e) => e.name);
}

function availableOn(extension: AuthenticatorExtension, config: AuthenticatorConfig): boolean {
  if (extension.since === "FIDO_2_2" && !claimsCtap22(config)) return false;
  if (extension.since === "FIDO_2_3" && !claimsCtap23(config)) return false;
  return extension.offeredBy?.(config) ?? true;
}

export interface ProcessedExtensions {
  /** CBOR of the authenticator data extensions map, or undefined when no extension answered. */
  authData?: Uint8Array;
  unsigned: UnsignedOutputs;
}

async function run(
  requested: CborMap | undefined,
  config: AuthenticatorConfig,
  offered: readonly string[] | undefined,
  call: (extension: AuthenticatorExtension, input: CborValue) => Promise<ExtensionResult | undefined> | ExtensionResult | undefined,
): Promise<ProcessedExtensions> {
  const outputs = new Map<string, unknown>();
  const unsigned: UnsignedOutputs = {};
  if (requested) {
    for (const extension of EXTENSIONS) {
      const input = requested.get(extension.name);
      // One the device does not offer is ignored, as an unknown one is.
      if (input === undefined || (offered !== undefined && !offered.includes(extension.name)) || !availableOn(extension, config)) continue;
      const result = await call(extension, input);
      if (result?.output !== undefined) outputs.set(extension.name, result.output);
      Object.assign(unsigned, result?.unsigned);
    }
  }
  return { authData: outputs.size > 0 ? encodeCanonical(outputs) : undefined, unsigned };
}

export function processMakeCredentialExtensions(requested: CborMap | undefined, context: MakeCredentialExtensionInput): Promise<ProcessedExtensions> {
  return run(requested, context.ctx.config, context.ctx.config.extensions, (extension, input) => extension.makeCredential?.(input, context));
}

export function processGetAssertionExtensions(requested: CborMap | undefined, context: GetAssertionExtensionInput): Promise<ProcessedExtensions> {
  return run(requested, context.ctx.config, context.ctx.config.extensions, (extension, input) => extension.getAssertion?.(input, context));
}
