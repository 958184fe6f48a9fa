/**
 * The pseudo-random function extension, prf (WebAuthn L3 section 10.1.4),
 * mapped onto CTAP's hmac-secret exactly as browsers map it: each input
 * becomes the salt SHA-256("WebAuthn PRF" || 0x00 || input), so a site can
 * never ask for the raw hmac-secret of a salt another user of the key
 * chose. Results go back base64url-encoded in the JSON outputs.
 */
import { createHash } from "node:crypto";
import { fromBase64Url, isBase64Url, toBase64Url } from "../../bytes/base64url.js";
import { WebAuthnError } from "../errors.js";
import type { CredentialDescriptor } from "../optionsJSON.js";
import type { PinUvAuthProtocolVersion } from "../pin/keyAgreement.js";
import type { AuthenticationProcessor, ClientExtension, RegistrationProcessor } from "./extension.js";
import {
  hmacSecretInput,
  hmacSecretOutputs,
  hmacSecretProtocol,
  type HmacSecretOutputs,
  type HmacSecretRequest,
} from "./hmacSecret.js";
import { bufferSource, extensionObject, optionalBufferSource } from "./inputs.js";

export interface PrfValues {
  first: Uint8Array;
  second?: Uint8Array;
}

export interface PrfCreateInput {
  eval?: PrfValues;
}

export interface PrfGetInput {
  eval?: PrfValues;
  /** By base64url credential ID, as the RP wrote it. */
  evalByCredential: { credentialId: Uint8Array; values: PrfValues }[];
}

export interface PrfResultsJSON {
  first: string;
  second?: string;
}

export interface PrfOutputJSON {
  enabled?: boolean;
  results?: PrfResultsJSON;
}

const PRF_CONTEXT = new TextEncoder().encode("WebAuthn PRF\0");

export const prfExtension: ClientExtension = {
  name: "prf",
  identifiers: ["prf"],
  create({ options }) {
    const input = parsePrfCreateInput(options.extensions);
    return input && prfRegistration(input);
  },
  get({ options }) {
    const input = parsePrfGetInput(options.extensions, options.allowCredentials);
    return input && prfAuthentication(input);
  },
};

function prfRegistration(input: PrfCreateInput): RegistrationProcessor {
  let version: PinUvAuthProtocolVersion | undefined;
  let atCreation: HmacSecretRequest | undefined;
  return {
    plan({ info }) {
      version = hmacSecretProtocol(info);
      return { preferUv: version !== undefined };
    },
    async inputs({ transport, info, token, ctap }) {
      if (version === undefined) return {};
      // hmac-secret-mc (CTAP 2.2) evaluates the PRF at creation; without it the results are left out, as Chrome does.
      if (!input.eval || !info.extensions.includes("hmac-secret-mc")) return { "hmac-secret": true };
      atCreation = await hmacSecretInput(transport, token?.version ?? version, prfSalts(input.eval), ctap);
      return { "hmac-secret": true, "hmac-secret-mc": atCreation.input };
    },
    outputs({ authData }) {
      const mcOutput = authData.extensions?.get("hmac-secret-mc");
      return {
        prf: {
          enabled: authData.extensions?.get("hmac-secret") === true,
          ...(atCreation && mcOutput !== undefined
            ? { results: prfResultsJSON(hmacSecretOutputs(atCreation, mcOutput, "authenticatorMakeCredential")) }
            : {}),
        },
      };
    },
  };
}

function prfAuthentication(input: PrfGetInput): AuthenticationProcessor {
  let request: HmacSecretRequest | undefined;
  return {
    // PRF inputs per credential need the one credential known before the request is sent.
    plan: () => ({ oneCredential: input.evalByCredential.length > 0 }),
    async inputs({ transport, info, token, ctap, allowList }) {
      const version = hmacSecretProtocol(info);
      const values = prfValuesFor(input, allowList.length === 1 ? allowList[0]!.id : undefined);
      if (!values || version === undefined) return {};
      request = await hmacSecretInput(transport, token?.version ?? version, prfSalts(values), ctap);
      return { "hmac-secret": request.input };
    },
    outputs({ authData }) {
      const output = authData.extensions?.get("hmac-secret");
      return {
        prf: request && output !== undefined ? { results: prfResultsJSON(hmacSecretOutputs(request, output, "authenticatorGetAssertion")) } : {},
      };
    },
  };
}

/** The hmac-secret salt for one PRF input: SHA-256("WebAuthn PRF" || 0x00 || input). */
export function prfSalt(input: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(PRF_CONTEXT).update(input).digest());
}

export function prfSalts(values: PrfValues): { first: Uint8Array; second?: Uint8Array } {
  return { first: prfSalt(values.first), ...(values.second ? { second: prfSalt(values.second) } : {}) };
}

export function parsePrfCreateInput(extensions: Record<string, unknown>): PrfCreateInput | undefined {
  if (extensions.prf === undefined) return undefined;
  const prf = extensionObject(extensions.prf, "extensions.prf");
  if (prf.evalByCredential !== undefined) {
    // Section 10.1.4, registration step 1: there is no credential to key it by yet.
    throw new WebAuthnError("NotSupportedError", "extensions.prf.evalByCredential is only for navigator.credentials.get()");
  }
  return prf.eval === undefined ? {} : { eval: prfValues(prf.eval, "extensions.prf.eval") };
}

/** Parses and validates against allowCredentials (section 10.1.4, authentication steps 1-2). */
export function parsePrfGetInput(
  extensions: Record<string, unknown>,
  allowCredentials: CredentialDescriptor[],
): PrfGetInput | undefined {
  if (extensions.prf === undefined) return undefined;
  const prf = extensionObject(extensions.prf, "extensions.prf");
  const input: PrfGetInput = { evalByCredential: [] };
  if (prf.eval !== undefined) input.eval = prfValues(prf.eval, "extensions.prf.eval");
  if (prf.evalByCredential === undefined) return input;
  const byCredential = extensionObject(prf.evalByCredential, "extensions.prf.evalByCredential");
  const keys = Object.keys(byCredential);
  if (keys.length > 0 && allowCredentials.length === 0) {
    throw new WebAuthnError("NotSupportedError", "extensions.prf.evalByCredential needs allowCredentials");
  }
  for (const key of keys) {
    const id = key !== "" && isBase64Url(key) ? fromBase64Url(key) : undefined;
    if (!id || !allowCredentials.some((d) => Buffer.compare(d.id, id) === 0)) {
      throw new WebAuthnError(
        "SyntaxError",
        `extensions.prf.evalByCredential key "${key}" is not the base64url ID of a credential in allowCredentials`,
      );
    }
    input.evalByCredential.push({ credentialId: id, values: prfValues(byCredential[key], `extensions.prf.evalByCredential["${key}"]`) });
  }
  return input;
}

/** The PRF inputs that apply to one credential: its own, else `eval`, else none. */
export function prfValuesFor(input: PrfGetInput, credentialId: Uint8Array | undefined): PrfValues | undefined {
  const own = credentialId && input.evalByCredential.find((e) => Buffer.compare(e.credentialId, credentialId) === 0);
  return own ? own.values : input.eval;
}

export function prfResultsJSON(outputs: HmacSecretOutputs): PrfResultsJSON {
  return { first: toBase64Url(outputs.first), ...(outputs.second ? { second: toBase64Url(outputs.second) } : {}) };
}

function prfValues(value: unknown, label: string): PrfValues {
  const object = extensionObject(value, label);
  const first = bufferSource(object.first, `${label}.first`);
  const second = optionalBufferSource(object.second, `${label}.second`);
  return { first, ...(second ? { second } : {}) };
}
