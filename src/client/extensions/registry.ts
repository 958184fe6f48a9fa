/**
 * The client extensions this client runs, and the loops the ceremonies run
 * them with. The list's order is the order every hook runs in: it decides
 * which of two refused inputs is reported and the order of the members of
 * clientExtensionResults.
 */
import type { AuthenticationExtensionsClientOutputs } from "../responseJSON.js";
import type { CborMap, CborValue } from "../../ctap/cbor.js";
import type { CredentialDescriptor } from "../optionsJSON.js";
import { appidExtension } from "./appid.js";
import { appidExcludeExtension } from "./appidExclude.js";
import { credBlobExtension } from "./credBlob.js";
import { credPropsExtension } from "./credProps.js";
import { credProtectExtension } from "./credProtect.js";
import type {
  AuthenticationProcessor,
  AuthenticationRequest,
  AuthenticatorExtensionInputs,
  ClientExtension,
  CredentialFinder,
  ExtensionPlan,
  RegistrationProcessor,
  RegistrationRequest,
} from "./extension.js";
import { getCredBlobExtension } from "./getCredBlob.js";
import { hmacCreateSecretExtension } from "./hmacCreateSecret.js";
import { largeBlobExtension } from "./largeBlob.js";
import { minPinLengthExtension } from "./minPinLength.js";
import { paymentExtension } from "./payment.js";
import { prfExtension } from "./prf.js";

export const CLIENT_EXTENSIONS: readonly ClientExtension[] = [
  appidExtension,
  appidExcludeExtension,
  credPropsExtension,
  prfExtension,
  hmacCreateSecretExtension,
  largeBlobExtension,
  credProtectExtension,
  credBlobExtension,
  getCredBlobExtension,
  minPinLengthExtension,
  paymentExtension,
];

/** Every client extension input identifier implemented, sorted: getClientCapabilities() reports `extension:` each. */
export function extensionIdentifiers(): string[] {
  return CLIENT_EXTENSIONS.flatMap((extension) => extension.identifiers).sort();
}

/** Each extension parses its input; those taking part in this create() come back. */
export function registrationProcessors(request: RegistrationRequest): RegistrationProcessor[] {
  return CLIENT_EXTENSIONS.flatMap((extension) => extension.create?.(request) ?? []);
}

/** Each extension parses its input; those taking part in this get() come back. */
export function authenticationProcessors(request: AuthenticationRequest): AuthenticationProcessor[] {
  return CLIENT_EXTENSIONS.flatMap((extension) => extension.get?.(request) ?? []);
}

/** Whether an extension finds one of excludeCredentials under another identity (appidExclude). */
export async function excludedByExtension(
  processors: readonly RegistrationProcessor[],
  probe: { excludeList: CredentialDescriptor[]; find: CredentialFinder },
): Promise<boolean> {
  for (const processor of processors) if (await processor.excluded?.(probe)) return true;
  return false;
}

export function permissionsOf(plans: readonly (ExtensionPlan | undefined)[]): number {
  return plans.reduce((all, plan) => all | (plan?.permissions ?? 0), 0);
}

/** The authenticator extension inputs of all processors, one after another (some call the authenticator). */
export async function authenticatorInputs<S>(
  processors: readonly { inputs?(session: S): Promise<AuthenticatorExtensionInputs> | AuthenticatorExtensionInputs }[],
  session: S,
): Promise<CborMap> {
  const extensions: CborMap = new Map();
  for (const processor of processors) {
    for (const [id, input] of Object.entries((await processor.inputs?.(session)) ?? {})) {
      // prf and hmacCreateSecret may both ask for hmac-secret; they must ask for the same.
      if (extensions.has(id) && extensions.get(id) !== input) throw new Error(`two client extensions send different ${id} inputs`);
      extensions.set(id, input as CborValue);
    }
  }
  return extensions;
}

/** clientExtensionResults: each processor's output, in registry order. */
export async function clientOutputs<R>(
  processors: readonly {
    outputs?(result: R): Promise<AuthenticationExtensionsClientOutputs> | AuthenticationExtensionsClientOutputs;
  }[],
  result: R,
): Promise<AuthenticationExtensionsClientOutputs> {
  const outputs: AuthenticationExtensionsClientOutputs = {};
  for (const processor of processors) Object.assign(outputs, await processor.outputs?.(result));
  return outputs;
}
