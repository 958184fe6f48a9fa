/**
 * What crosses between a page and softkey (whichever channel carries it:
 * ./shimTransport.ts), and the conversions at the page's end of it.
 *
 * The page holds WebAuthn options with ArrayBuffers in them; the binding
 * carries JSON. `createWireCodec()` turns options into their JSON forms
 * (WebAuthn L3 section 5.1.10: binary members as base64url), JSON back into
 * options (parseCreationOptionsFromJSON / parseRequestOptionsFromJSON) and the
 * extension outputs of a response into what getClientExtensionResults()
 * gives a page (ArrayBuffers again).
 *
 * The codec runs in the page: `pageShim.ts` serialises `createWireCodec` with
 * `Function.prototype.toString()` into the init script. So everything it
 * uses is declared inside it and it touches only globals a page and Node
 * share (btoa, atob, ArrayBuffer, DOMException). Node runs the very same
 * code in the unit tests.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "../client/index.js";

/** What the init script is told by Node when it is installed. */
export interface ShimConfig {
  /** Name of the Playwright binding the shim calls. */
  binding: string;
  /** The answer to PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable(). */
  userVerifyingPlatformAuthenticator: boolean;
  /** What PublicKeyCredential.getClientCapabilities() reports. */
  capabilities: Record<string, boolean>;
  /**
   * A post-and-reply channel through the browser's protocol (./shimTransport.ts): a CDP binding
   * (`binding`, taking `JSON.stringify({ call, request })`) or a WebDriver BiDi channel (handed to
   * the script), and the global Node answers through, `reply(call, response)`. With `frames` every
   * document sends its calls there; without, documents in frames ask it for a context token and
   * send their ceremonies through the framework's binding with it (Playwright in Chromium).
   */
  fast?: { binding: string; reply: string; frames?: boolean };
}

/** A ceremony's mediation, as navigator.credentials.get() takes it. */
export type Mediation = "silent" | "optional" | "conditional" | "required" | "immediate";

/** What the page knows of how it was called: mediation, uiMode, and whether it had transient user activation. */
export interface WireCallContext {
  mediation?: string;
  uiMode?: string;
  /** navigator.userActivation.isActive when the page called; absent where the engine does not say. */
  userActivation?: boolean;
}

/** The PublicKeyCredential statics the page forwards to Node. */
export type WireStatic =
  | "getClientCapabilities"
  | "isUserVerifyingPlatformAuthenticatorAvailable"
  | "signalUnknownCredential"
  | "signalAllAcceptedCredentials"
  | "signalCurrentUserDetails";

/**
 * Page → Node. `origin` is the page's own idea of its origin: only ever used to refuse, never to
 * allow. `context` is the token the CDP channel gave this document (Chromium, documents in frames).
 */
export type WireRequest =
  | ({ op: "create"; id: string; origin: string; options: PublicKeyCredentialCreationOptionsJSON; context?: string } & WireCallContext)
  | ({ op: "get"; id: string; origin: string; options: PublicKeyCredentialRequestOptionsJSON; context?: string } & WireCallContext)
  | { op: "static"; id: string; origin: string; name: WireStatic; options?: unknown; context?: string }
  | { op: "abort"; id: string }
  | { op: "context"; id: string; ceremony?: "create" | "get" | "static" };

/** Node → page. `name` is a DOMException name, or "TypeError"; `context` answers a context request. */
export type WireResponse =
  | { ok: true; credential: RegistrationResponseJSON | AuthenticationResponseJSON }
  | { ok: true; aborted: boolean }
  | { ok: true; value: unknown }
  | { ok: true; context: string }
  | { ok: false; name: string; message: string };

type Dict = Record<string, unknown>;

export interface WireCodec {
  toBase64Url(data: ArrayBuffer | ArrayBufferView): string;
  /** Strict base64url → ArrayBuffer; throws DOMException "EncodingError" (what the parse...FromJSON functions throw). */
  fromBase64Url(text: string, label: string): ArrayBuffer;
  isBufferSource(value: unknown): value is ArrayBuffer | ArrayBufferView;
  /** PublicKeyCredentialCreationOptions (BufferSources) → its JSON form; TypeError where WebIDL conversion would throw. */
  creationOptionsToJSON(options: unknown): PublicKeyCredentialCreationOptionsJSON;
  requestOptionsToJSON(options: unknown): PublicKeyCredentialRequestOptionsJSON;
  /** PublicKeyCredential.parseCreationOptionsFromJSON(). */
  parseCreationOptionsFromJSON(json: unknown): Dict;
  /** PublicKeyCredential.parseRequestOptionsFromJSON(). */
  parseRequestOptionsFromJSON(json: unknown): Dict;
  /** clientExtensionResults JSON → getClientExtensionResults() (prf results, largeBlob blob and getCredBlob as ArrayBuffers). */
  extensionOutputsFromJSON(json: unknown): Dict;
}

/** Self-contained: see the file comment before adding any reference to the module scope. */
export function createWireCodec(): WireCodec {
  const BASE64URL = /^[A-Za-z0-9_-]*$/;

  function isBufferSource(value: unknown): value is ArrayBuffer | ArrayBufferView {
    // Tag checks rather than instanceof: a buffer from another frame has another realm's ArrayBuffer.
    return ArrayBuffer.isView(value) || Object.prototype.toString.call(value) === "[object ArrayBuffer]";
  }

  function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
    return ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data as ArrayBuffer);
  }

  function toBase64Url(data: ArrayBuffer | ArrayBufferView): string {
    const bytes = bytesOf(data);
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x2000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64Url(text: string, label: string): ArrayBuffer {
    let body = text;
    const pad = text.indexOf("=");
    if (pad !== -1) {
      body = text.slice(0, pad);
      if (!/^={1,2}$/.test(text.slice(pad)) || text.length % 4 !== 0) body = "!";
    }
    if (!BASE64URL.test(body) || body.length % 4 === 1) {
      throw new DOMException(`${label} is not valid base64url`, "EncodingError");
    }
    const binary = atob(body.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function isDict(value: unknown): value is Dict {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !isBufferSource(value);
  }

  /** A WebIDL dictionary member: undefined and null-or-missing dictionaries read as {}. */
  function dict(value: unknown, label: string): Dict {
    if (value === undefined || value === null) return {};
    if (typeof value !== "object" && typeof value !== "function") throw new TypeError(`${label} is not an object`);
    return value as Dict;
  }

  function required(value: unknown, label: string): unknown {
    if (value === undefined) throw new TypeError(`Failed to read the '${label}' property: Required member is undefined.`);
    return value;
  }

  function bufferToJSON(value: unknown, label: string): string {
    if (!isBufferSource(value)) {
      throw new TypeError(`${label} is not of type '(ArrayBuffer or ArrayBufferView)'`);
    }
    return toBase64Url(value);
  }

  function sequence(value: unknown, label: string): unknown[] {
    if (value === undefined) return [];
    if (value === null || typeof value !== "object" || typeof (value as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new TypeError(`${label} cannot be converted to a sequence`);
    }
    return Array.from(value as Iterable<unknown>);
  }

  /** Copies the listed members that are present (WebIDL: undefined means absent). */
  function pick(source: Dict, names: string[]): Dict {
    const out: Dict = {};
    for (const name of names) if (source[name] !== undefined) out[name] = source[name];
    return out;
  }

  function descriptorsToJSON(value: unknown, label: string): Dict[] {
    return sequence(value, label).map((entry, i) => {
      const d = dict(entry, `${label}[${i}]`);
      return {
        ...pick(d, ["transports"]),
        type: String(required(d.type, `${label}[${i}].type`)),
        id: bufferToJSON(required(d.id, `${label}[${i}].id`), `${label}[${i}].id`),
      };
    });
  }

  /** Extension inputs: any BufferSource, however deep, becomes base64url; functions and symbols are dropped. */
  function jsonify(value: unknown): unknown {
    if (isBufferSource(value)) return toBase64Url(value);
    if (Array.isArray(value)) return value.map(jsonify);
    if (typeof value === "object" && value !== null) {
      const out: Dict = {};
      for (const key of Object.keys(value)) {
        const item = jsonify((value as Dict)[key]);
        if (item !== undefined) out[key] = item;
      }
      return out;
    }
    return typeof value === "function" || typeof value === "symbol" ? undefined : value;
  }

  function extensionsToJSON(value: unknown): Dict | undefined {
    if (value === undefined) return undefined;
    return jsonify(dict(value, "extensions")) as Dict;
  }

  function creationOptionsToJSON(options: unknown): PublicKeyCredentialCreationOptionsJSON {
    const o = dict(options, "publicKey");
    const rp = dict(required(o.rp, "rp"), "rp");
    const user = dict(required(o.user, "user"), "user");
    const json: Dict = {
      ...pick(o, ["timeout", "hints", "attestation", "attestationFormats"]),
      rp: pick(rp, ["id", "name"]),
      user: {
        ...pick(user, ["name", "displayName"]),
        id: bufferToJSON(required(user.id, "user.id"), "user.id"),
      },
      challenge: bufferToJSON(required(o.challenge, "challenge"), "challenge"),
      pubKeyCredParams: sequence(required(o.pubKeyCredParams, "pubKeyCredParams"), "pubKeyCredParams").map((p, i) =>
        pick(dict(p, `pubKeyCredParams[${i}]`), ["type", "alg"]),
      ),
    };
    if (o.excludeCredentials !== undefined) json.excludeCredentials = descriptorsToJSON(o.excludeCredentials, "excludeCredentials");
    if (o.authenticatorSelection !== undefined) {
      json.authenticatorSelection = pick(dict(o.authenticatorSelection, "authenticatorSelection"), [
        "authenticatorAttachment",
        "residentKey",
        "requireResidentKey",
        "userVerification",
      ]);
    }
    const extensions = extensionsToJSON(o.extensions);
    if (extensions) json.extensions = extensions;
    return json as unknown as PublicKeyCredentialCreationOptionsJSON;
  }

  function requestOptionsToJSON(options: unknown): PublicKeyCredentialRequestOptionsJSON {
    const o = dict(options, "publicKey");
    const json: Dict = {
      ...pick(o, ["timeout", "rpId", "userVerification", "hints"]),
      challenge: bufferToJSON(required(o.challenge, "challenge"), "challenge"),
    };
    if (o.allowCredentials !== undefined) json.allowCredentials = descriptorsToJSON(o.allowCredentials, "allowCredentials");
    const extensions = extensionsToJSON(o.extensions);
    if (extensions) json.extensions = extensions;
    return json as unknown as PublicKeyCredentialRequestOptionsJSON;
  }

  function jsonString(value: unknown, label: string): string {
    if (typeof value !== "string") throw new TypeError(`${label} is required and must be a base64url string`);
    return value;
  }

  function descriptorsFromJSON(value: unknown, label: string): Dict[] {
    return sequence(value, label).map((entry, i) => {
      const d = dict(entry, `${label}[${i}]`);
      return {
        ...pick(d, ["transports"]),
        type: String(required(d.type, `${label}[${i}].type`)),
        id: fromBase64Url(jsonString(d.id, `${label}[${i}].id`), `${label}[${i}].id`),
      };
    });
  }

  function prfValuesFromJSON(value: unknown, label: string): Dict {
    const v = dict(value, label);
    const out: Dict = { first: fromBase64Url(jsonString(v.first, `${label}.first`), `${label}.first`) };
    if (v.second !== undefined) out.second = fromBase64Url(jsonString(v.second, `${label}.second`), `${label}.second`);
    return out;
  }

  /** The binary extension inputs with a JSON form (WebAuthn L3 sections 10.1.4, 10.1.5; CTAP 2.1 credBlob). */
  function extensionsFromJSON(value: unknown): Dict | undefined {
    if (value === undefined) return undefined;
    const ext: Dict = { ...dict(value, "extensions") };
    if (isDict(ext.prf)) {
      const prf: Dict = { ...ext.prf };
      if (prf.eval !== undefined) prf.eval = prfValuesFromJSON(prf.eval, "extensions.prf.eval");
      if (prf.evalByCredential !== undefined) {
        const byCredential: Dict = {};
        for (const [key, values] of Object.entries(dict(prf.evalByCredential, "extensions.prf.evalByCredential"))) {
          byCredential[key] = prfValuesFromJSON(values, `extensions.prf.evalByCredential["${key}"]`);
        }
        prf.evalByCredential = byCredential;
      }
      ext.prf = prf;
    }
    if (isDict(ext.largeBlob) && ext.largeBlob.write !== undefined) {
      ext.largeBlob = {
        ...ext.largeBlob,
        write: fromBase64Url(jsonString(ext.largeBlob.write, "extensions.largeBlob.write"), "extensions.largeBlob.write"),
      };
    }
    if (typeof ext.credBlob === "string") ext.credBlob = fromBase64Url(ext.credBlob, "extensions.credBlob");
    return ext;
  }

  function parseCreationOptionsFromJSON(json: unknown): Dict {
    const o = dict(json, "options");
    const rp = dict(required(o.rp, "rp"), "rp");
    const user = dict(required(o.user, "user"), "user");
    const options: Dict = {
      ...pick(o, ["timeout", "hints", "attestation", "attestationFormats", "authenticatorSelection"]),
      rp: { ...rp },
      user: { ...user, id: fromBase64Url(jsonString(user.id, "user.id"), "user.id") },
      challenge: fromBase64Url(jsonString(o.challenge, "challenge"), "challenge"),
      pubKeyCredParams: sequence(required(o.pubKeyCredParams, "pubKeyCredParams"), "pubKeyCredParams").map((p) => ({
        ...dict(p, "pubKeyCredParams[]"),
      })),
    };
    if (o.excludeCredentials !== undefined) options.excludeCredentials = descriptorsFromJSON(o.excludeCredentials, "excludeCredentials");
    const extensions = extensionsFromJSON(o.extensions);
    if (extensions) options.extensions = extensions;
    return options;
  }

  function parseRequestOptionsFromJSON(json: unknown): Dict {
    const o = dict(json, "options");
    const options: Dict = {
      ...pick(o, ["timeout", "rpId", "userVerification", "hints"]),
      challenge: fromBase64Url(jsonString(o.challenge, "challenge"), "challenge"),
    };
    if (o.allowCredentials !== undefined) options.allowCredentials = descriptorsFromJSON(o.allowCredentials, "allowCredentials");
    const extensions = extensionsFromJSON(o.extensions);
    if (extensions) options.extensions = extensions;
    return options;
  }

  function extensionOutputsFromJSON(json: unknown): Dict {
    const out = JSON.parse(JSON.stringify(json ?? {})) as Dict;
    if (isDict(out.prf) && isDict(out.prf.results)) {
      const results = out.prf.results;
      for (const key of ["first", "second"]) {
        if (typeof results[key] === "string") results[key] = fromBase64Url(results[key] as string, `prf.results.${key}`);
      }
    }
    if (isDict(out.largeBlob) && typeof out.largeBlob.blob === "string") {
      out.largeBlob.blob = fromBase64Url(out.largeBlob.blob, "largeBlob.blob");
    }
    if (typeof out.getCredBlob === "string") out.getCredBlob = fromBase64Url(out.getCredBlob, "getCredBlob");
    return out;
  }

  return {
    toBase64Url,
    fromBase64Url,
    isBufferSource,
    creationOptionsToJSON,
    requestOptionsToJSON,
    parseCreationOptionsFromJSON,
    parseRequestOptionsFromJSON,
    extensionOutputsFromJSON,
  };
}
