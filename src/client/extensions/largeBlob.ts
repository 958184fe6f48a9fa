/**
 * The large blob storage extension, largeBlob (WebAuthn L3 section 10.1.5),
 * on a CTAP 2.1 authenticator: the credential gets a largeBlobKey (CTAP 2.1
 * section 12.3) at registration, and at authentication the client reads or
 * writes the credential's entry of the authenticator's large-blob array with
 * it (./largeBlobArray.ts). Only discoverable credentials get a key.
 */
import type { CborValue } from "../../ctap/cbor.js";
import { Permission } from "../../ctap/permissions.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { toBase64Url } from "../../bytes/base64url.js";
import { option, type AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { malformed, type CallOptions } from "../ctap/command.js";
import { WebAuthnError } from "../errors.js";
import type { CredentialDescriptor } from "../optionsJSON.js";
import type { PinUvAuthToken } from "../pin/pinUvAuthToken.js";
import type { LargeBlobOutputJSON } from "../responseJSON.js";
import type { AuthenticationProcessor, ClientExtension, RegistrationProcessor } from "./extension.js";
import { bufferSource, extensionObject, optionalBoolean, optionalString } from "./inputs.js";
import { findBlob, readLargeBlobArray, withBlob, writeLargeBlobArray } from "./largeBlobArray.js";

export type LargeBlobSupport = "required" | "preferred";

export type LargeBlobGetInput = { read: true } | { write: Uint8Array };

export const largeBlobExtension: ClientExtension = {
  name: "largeBlob",
  identifiers: ["largeBlob"],
  create({ options }) {
    const support = parseLargeBlobCreateInput(options.extensions);
    return support && largeBlobRegistration(support);
  },
  get({ options }) {
    const input = parseLargeBlobGetInput(options.extensions, options.allowCredentials);
    return input && largeBlobAuthentication(input);
  },
};

function largeBlobRegistration(support: LargeBlobSupport): RegistrationProcessor {
  let wantKey = false;
  return {
    plan({ info, rk }) {
      const largeBlobs = supportsLargeBlobs(info);
      if (support === "required" && !(rk && largeBlobs)) {
        throw new WebAuthnError(
          "NotAllowedError",
          rk
            ? "largeBlob support is required but the authenticator has no large-blob storage"
            : "largeBlob support is required, which needs a discoverable credential (residentKey required)",
        );
      }
      wantKey = rk && largeBlobs;
      return undefined;
    },
    inputs: () => (wantKey ? { largeBlobKey: true } : {}),
    outputs({ response }) {
      const supported = wantKey && response.largeBlobKey?.length === 32;
      if (support === "required" && !supported) {
        throw malformed("authenticatorMakeCredential", "largeBlob support was required but no largeBlobKey came back");
      }
      return { largeBlob: { supported } };
    },
  };
}

function largeBlobAuthentication(input: LargeBlobGetInput): AuthenticationProcessor {
  return {
    plan({ info }) {
      const writing = "write" in input && supportsLargeBlobs(info);
      // Writing a large blob to a key protected by UV needs a token with the lbw permission.
      const protectedByUv = option(info, "clientPin") === true || option(info, "uv") === true;
      return writing ? { permissions: Permission.lbw, requireUv: protectedByUv } : undefined;
    },
    inputs: ({ info }) => (supportsLargeBlobs(info) ? { largeBlobKey: true } : {}),
    outputs: async ({ transport, info, response, token, ctap }) => ({
      largeBlob: await largeBlobGetOutput(transport, info, input, response.largeBlobKey, token, ctap),
    }),
  };
}

/** The authenticator keeps a large-blob array and hands out largeBlobKeys. */
export function supportsLargeBlobs(info: AuthenticatorInfo): boolean {
  return option(info, "largeBlobs") === true && info.extensions.includes("largeBlobKey");
}

/** Registration: `support` ("preferred" when absent); read and write belong to get(). */
export function parseLargeBlobCreateInput(extensions: Record<string, unknown>): LargeBlobSupport | undefined {
  if (extensions.largeBlob === undefined) return undefined;
  const input = extensionObject(extensions.largeBlob, "extensions.largeBlob");
  if (input.read !== undefined || input.write !== undefined) {
    throw new WebAuthnError("NotSupportedError", "extensions.largeBlob read and write are only for navigator.credentials.get()");
  }
  const support = optionalString(input.support, "extensions.largeBlob.support");
  return support === "required" ? "required" : "preferred";
}

/** Authentication: read or write, never both, and a write names exactly one credential. */
export function parseLargeBlobGetInput(
  extensions: Record<string, unknown>,
  allowCredentials: CredentialDescriptor[],
): LargeBlobGetInput | undefined {
  if (extensions.largeBlob === undefined) return undefined;
  const input = extensionObject(extensions.largeBlob, "extensions.largeBlob");
  if (input.support !== undefined) {
    throw new WebAuthnError("NotSupportedError", "extensions.largeBlob.support is only for navigator.credentials.create()");
  }
  const read = optionalBoolean(input.read, "extensions.largeBlob.read");
  if (read !== undefined && input.write !== undefined) {
    throw new WebAuthnError("NotSupportedError", "extensions.largeBlob cannot both read and write");
  }
  if (input.write !== undefined) {
    if (allowCredentials.length !== 1) {
      throw new WebAuthnError("NotSupportedError", "extensions.largeBlob.write needs exactly one credential in allowCredentials");
    }
    return { write: bufferSource(input.write, "extensions.largeBlob.write") };
  }
  return read ? { read: true } : undefined;
}

/**
 * Section 10.1.5 authentication outputs: `blob` when an entry decrypts with
 * the credential's key, `written` after a write. Storage failures do not fail
 * the ceremony; they show as a missing blob or written: false.
 */
export async function largeBlobGetOutput(
  transport: CtapTransport,
  info: AuthenticatorInfo,
  input: LargeBlobGetInput,
  largeBlobKey: Uint8Array | undefined,
  token: PinUvAuthToken | undefined,
  call: CallOptions,
): Promise<LargeBlobOutputJSON> {
  if ("read" in input) {
    if (!largeBlobKey || !supportsLargeBlobs(info)) return {};
    const entries = await orAbort(call, () => readLargeBlobArray(transport, info, call), [] as CborValue[]);
    const blob = findBlob(entries, largeBlobKey);
    return blob ? { blob: toBase64Url(blob) } : {};
  }
  if (!largeBlobKey || !supportsLargeBlobs(info)) return { written: false };
  const written = await orAbort(
    call,
    async () => {
      const entries = await readLargeBlobArray(transport, info, call);
      await writeLargeBlobArray(transport, info, withBlob(entries, largeBlobKey, input.write), token, call);
      return true;
    },
    false,
  );
  return { written };
}

/** A failure becomes `fallback`, except an abort, which must still end the ceremony. */
async function orAbort<T>(call: CallOptions, body: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (call.signal?.aborted) throw error;
    return fallback;
  }
}
