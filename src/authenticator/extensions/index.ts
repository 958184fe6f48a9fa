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

export const EXTENSIONS: readonly AuthenticatorExtension[] = [credProtect, hmacSecret, credBlob, largeBlobKey, minPinLength];

/** The implemented extensions' names, or those of them in `offered` (a device profile may offer fewer). */
export function extensionNames(offered?: readonly string[]): string[] {
  return EXTENSIONS.filter((e) => offered === undefined || offered.includes(e.name)).map((e) => e.name);
}

export interface ProcessedExtensions {
  /** CBOR of the authenticator data extensions map, or undefined when no extension answered. */
  authData?: Uint8Array;
  unsigned: UnsignedOutputs;
}

async function run(
  requested: CborMap | undefined,
  offered: readonly string[] | undefined,
  call: (extension: AuthenticatorExtension, input: CborValue) => Promise<ExtensionResult | undefined> | ExtensionResult | undefined,
): Promise<ProcessedExtensions> {
  const outputs = new Map<string, unknown>();
  const unsigned: UnsignedOutputs = {};
  if (requested) {
    for (const extension of EXTENSIONS) {
      const input = requested.get(extension.name);
      // One the device does not offer is ignored, as an unknown one is.
      if (input === undefined || (offered !== undefined && !offered.includes(extension.name))) continue;
      const result = await call(extension, input);
      if (result?.output !== undefined) outputs.set(extension.name, result.output);
      Object.assign(unsigned, result?.unsigned);
    }
  }
  return { authData: outputs.size > 0 ? encodeCanonical(outputs) : undefined, unsigned };
}

export function processMakeCredentialExtensions(requested: CborMap | undefined, context: MakeCredentialExtensionInput): Promise<ProcessedExtensions> {
  return run(requested, context.ctx.config.extensions, (extension, input) => extension.makeCredential?.(input, context));
}

export function processGetAssertionExtensions(requested: CborMap | undefined, context: GetAssertionExtensionInput): Promise<ProcessedExtensions> {
  return run(requested, context.ctx.config.extensions, (extension, input) => extension.getAssertion?.(input, context));
}
