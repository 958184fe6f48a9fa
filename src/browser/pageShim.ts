/**
 * The page's half of softkey in a browser, shared by every adapter: a script
 * that replaces navigator.credentials.create()/get() for `publicKey` (and the
 * PublicKeyCredential statics around them) with calls to Node over the
 * adapter's channel (./shimTransport.ts). In an engine without WebAuthn it
 * first provides the interfaces a site feature-detects (./shimInterfaces.ts). Nothing secret lives here: the page serialises the options,
 * Node runs the WebAuthn client and the authenticator, and the page turns
 * the JSON that comes back into objects that pass the page's own
 * `instanceof PublicKeyCredential` checks.
 *
 * `installSoftkeyShim` is written as ordinary TypeScript so it is type
 * checked, but it runs in the page: `initScript()` serialises it with
 * `Function.prototype.toString()`. It may use only its parameters and the
 * page's globals, never anything from this module's scope. The lib is
 * ES2022 without DOM, so the few DOM shapes it touches are declared below.
 */
import { installWebAuthnInterfaces } from "./shimInterfaces.js";
import { createPageTransport } from "./shimTransport.js";
import {
  createWireCodec,
  type ShimConfig,
  type WireCallContext,
  type WireCodec,
  type WireRequest,
  type WireStatic,
} from "./serialization.js";

/** The page globals the shim reads; everything may be missing in some engine or context. */
interface PageGlobals {
  [name: string]: unknown;
  isSecureContext?: boolean;
  origin?: string;
  top?: unknown;
  navigator?: { credentials?: CredentialsContainerLike; userActivation?: { isActive?: boolean } };
  document?: { permissionsPolicy?: PolicyLike; featurePolicy?: PolicyLike };
  CredentialsContainer?: { prototype: CredentialsContainerLike };
  PublicKeyCredential?: ClassLike & Record<string, unknown>;
  AuthenticatorResponse?: ClassLike;
  AuthenticatorAttestationResponse?: ClassLike;
  AuthenticatorAssertionResponse?: ClassLike;
  DOMException: new (message?: string, name?: string) => Error;
  crypto?: { getRandomValues<T extends ArrayBufferView>(array: T): T };
}

interface ClassLike {
  prototype: object;
}

interface PolicyLike {
  allowsFeature(feature: string): boolean;
}

type CredentialMethod = (this: unknown, options?: CredentialOptions) => Promise<unknown>;

interface CredentialsContainerLike {
  create: CredentialMethod;
  get: CredentialMethod;
}

interface CredentialOptions {
  publicKey?: unknown;
  signal?: AbortSignal;
  mediation?: string;
  uiMode?: string;
}

type CeremonyKind = "create" | "get";

/** Runs in the page. Self-contained: see the file comment. */
export function installSoftkeyShim(config: ShimConfig, codec: WireCodec, transportOf: typeof createPageTransport, post?: (payload: string) => void): void {
  const g = globalThis as unknown as PageGlobals;
  // navigator.credentials exists only in secure contexts; so does softkey.
  if (g.isSecureContext === false) return;
  // Once per document: the init script and attach()'s pass over loaded frames may both reach one.
  const marker = Symbol.for("softkey.shim");
  if (g[marker as unknown as string]) return;
  Object.defineProperty(g, marker, { value: true });

  // Captured now, before the page's own scripts run and could replace them.
  const DOMExceptionCtor = g.DOMException;
  const defineProperty = Object.defineProperty;
  const promiseResolve = (value: unknown): Promise<unknown> => Promise.resolve(value);
  // installWebAuthnInterfaces ran first: an engine without WebAuthn has these now.
  const { PublicKeyCredential: pkc, AuthenticatorAttestationResponse: attestation, AuthenticatorAssertionResponse: assertion } = g;
  const container = g.CredentialsContainer?.prototype ?? g.navigator?.credentials;
  if (!pkc || !attestation || !assertion || !container) return;
  // Narrowed once here: the hoisted functions below do not see the check above.
  const PKC: ClassLike & Record<string, unknown> = pkc;
  const AttestationResponse: ClassLike = attestation;
  const AssertionResponse: ClassLike = assertion;
  const originalCreate = container.create;
  const originalGet = container.get;
  const documentId = randomId();
  let sequence = 0;
  const transport = transportOf(config, domError, post);

  function randomId(): string {
    const bytes = new Uint8Array(8);
    if (g.crypto) g.crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return codec.toBase64Url(bytes);
  }

  function domError(name: string, message: string): Error {
    return name === "TypeError" ? new TypeError(message) : new DOMExceptionCtor(message, name);
  }

  /** A method like the platform's: non-enumerable data property, named as the method it replaces. */
  function defineMethod(target: object, name: string, fn: (...args: never[]) => unknown, enumerable = false): void {
    defineProperty(fn, "name", { value: name });
    defineProperty(target, name, { value: fn, writable: true, enumerable, configurable: true });
  }

  /** Own accessors shadow the prototype's native ones, which would throw on an object they did not create. */
  function defineGetters(target: object, values: Record<string, unknown>): void {
    for (const key of Object.keys(values)) {
      const value = values[key];
      defineProperty(target, key, { get: () => value, enumerable: false, configurable: true });
    }
  }

  function copy(buffer: ArrayBuffer): ArrayBuffer {
    return buffer.slice(0);
  }

  function permitted(feature: string): boolean {
    const policy = g.document?.permissionsPolicy ?? g.document?.featurePolicy;
    try {
      return policy ? policy.allowsFeature(feature) : true;
    } catch {
      return true;
    }
  }

  function buildCredential(kind: CeremonyKind, json: Record<string, unknown>): object {
    const r = json.response as Record<string, unknown>;
    const b = (value: unknown, label: string): ArrayBuffer => codec.fromBase64Url(value as string, label);
    const clientDataJSON = b(r.clientDataJSON, "clientDataJSON");
    let response: object;
    if (kind === "create") {
      response = Object.create(AttestationResponse.prototype) as object;
      const attestationObject = b(r.attestationObject, "attestationObject");
      const authenticatorData = b(r.authenticatorData, "authenticatorData");
      const publicKey = typeof r.publicKey === "string" ? b(r.publicKey, "publicKey") : null;
      const transports = Array.isArray(r.transports) ? (r.transports as string[]).slice() : [];
      defineGetters(response, { clientDataJSON, attestationObject });
      defineMethod(response, "getAuthenticatorData", () => copy(authenticatorData));
      defineMethod(response, "getPublicKey", () => (publicKey ? copy(publicKey) : null));
      defineMethod(response, "getPublicKeyAlgorithm", () => r.publicKeyAlgorithm as number);
      defineMethod(response, "getTransports", () => transports.slice());
    } else {
      response = Object.create(AssertionResponse.prototype) as object;
      defineGetters(response, {
        clientDataJSON,
        authenticatorData: b(r.authenticatorData, "authenticatorData"),
        signature: b(r.signature, "signature"),
        userHandle: typeof r.userHandle === "string" ? b(r.userHandle, "userHandle") : null,
      });
    }
    const credential = Object.create(PKC.prototype) as object;
    defineGetters(credential, {
      id: json.id,
      rawId: b(json.rawId, "rawId"),
      type: "public-key",
      response,
      authenticatorAttachment: json.authenticatorAttachment ?? null,
    });
    const extensionResults = json.clientExtensionResults;
    defineMethod(credential, "getClientExtensionResults", () => codec.extensionOutputsFromJSON(extensionResults));
    defineMethod(credential, "toJSON", () => JSON.parse(JSON.stringify(json)) as unknown);
    return credential;
  }

  function ceremony(kind: CeremonyKind, options: CredentialOptions): Promise<unknown> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!transport.attached()) return Promise.reject(domError("NotAllowedError", "softkey is not attached to this page"));
    const feature = kind === "create" ? "publickey-credentials-create" : "publickey-credentials-get";
    if (!permitted(feature)) {
      return Promise.reject(
        domError("NotAllowedError", `The '${feature}' feature is not enabled in this document. Permissions Policy may be used to delegate Web Authentication capabilities to cross-origin child frames.`),
      );
    }
    const id = `${documentId}.${++sequence}`;
    let request: WireRequest;
    try {
      const origin = String(g.origin);
      const context: WireCallContext = {};
      if (options.mediation !== undefined) context.mediation = String(options.mediation);
      if (options.uiMode !== undefined) context.uiMode = String(options.uiMode);
      // Immediate mediation and create() in a cross-origin frame need a user activation; the page knows whether it has one.
      const activation = g.navigator?.userActivation;
      if (activation && typeof activation.isActive === "boolean") context.userActivation = activation.isActive;
      request =
        kind === "create"
          ? { op: "create", id, origin, options: codec.creationOptionsToJSON(options.publicKey), ...context }
          : { op: "get", id, origin, options: codec.requestOptionsToJSON(options.publicKey), ...context };
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      const channel = transport.channelFor(id, kind);
      const onAbort = (): void => {
        if (settled) return;
        settled = true;
        reject(signal?.reason);
        channel.then((c) => c.abort({ op: "abort", id })).catch(() => undefined);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      channel.then((c) => c.ceremony(request)).then(
        (response) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          try {
            if (!response.ok) reject(domError(response.name, response.message));
            else if ("credential" in response) resolve(buildCredential(kind, response.credential as unknown as Record<string, unknown>));
            else reject(domError("NotAllowedError", "softkey: the ceremony ended without a credential"));
          } catch (error) {
            reject(error);
          }
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener("abort", onAbort);
          reject(error instanceof Error && (error.name === "NotAllowedError" || error instanceof DOMExceptionCtor) ? error : domError("NotAllowedError", `softkey: ${error instanceof Error ? error.message : String(error)}`));
        },
      );
    });
  }

  /** A PublicKeyCredential static answered in Node; `offline` when softkey is not attached to this document. */
  function staticCall(name: WireStatic, options: unknown, offline: () => unknown): Promise<unknown> {
    if (!transport.attached()) return promiseResolve(offline());
    const id = `${documentId}.${++sequence}`;
    const request: WireRequest = { op: "static", id, origin: String(g.origin), name };
    if (options !== undefined) request.options = options;
    return transport.channelFor(id, "static").then((channel) => channel.ceremony(request)).then(
      (response) => {
        if (!response.ok) throw domError(response.name, response.message);
        return "value" in response ? response.value : undefined;
      },
      (error: unknown) => {
        throw domError("NotAllowedError", `softkey: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }

  /** A signal method's options dictionary as WebIDL would read it: its members, strings as DOMString converts them. */
  function signalOptions(options: unknown): Record<string, unknown> {
    if (options === null || typeof options !== "object") throw new TypeError("The provided value is not of type 'object'.");
    const o = options as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of ["rpId", "credentialId", "userId", "name", "displayName"]) if (o[key] !== undefined) out[key] = String(o[key]);
    if (o.allAcceptedCredentialIds !== undefined) {
      const list = o.allAcceptedCredentialIds;
      if (list === null || typeof list !== "object" || typeof (list as Iterable<unknown>)[Symbol.iterator] !== "function") {
        throw new TypeError("allAcceptedCredentialIds cannot be converted to a sequence.");
      }
      out.allAcceptedCredentialIds = Array.from(list as Iterable<unknown>, String);
    }
    return out;
  }

  defineMethod(
    container,
    "create",
    function create(this: unknown, options?: CredentialOptions): Promise<unknown> {
      if (!options || typeof options !== "object" || options.publicKey === undefined) return originalCreate.call(this, options);
      return ceremony("create", options);
    },
    true,
  );
  defineMethod(
    container,
    "get",
    function get(this: unknown, options?: CredentialOptions): Promise<unknown> {
      if (!options || typeof options !== "object" || options.publicKey === undefined) return originalGet.call(this, options);
      return ceremony("get", options);
    },
    true,
  );

  const capabilities = config.capabilities;
  const clientCapabilities = (): Promise<Record<string, boolean>> =>
    staticCall("getClientCapabilities", undefined, () => ({ ...capabilities })) as Promise<Record<string, boolean>>;
  const signal = (name: WireStatic) => (options: never) => {
    try {
      return staticCall(name, signalOptions(options), () => undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const statics: Record<string, (...args: never[]) => unknown> = {
    isUserVerifyingPlatformAuthenticatorAvailable: () =>
      staticCall("isUserVerifyingPlatformAuthenticatorAvailable", undefined, () => config.userVerifyingPlatformAuthenticator),
    isConditionalMediationAvailable: () => clientCapabilities().then((answer) => answer.conditionalGet === true),
    getClientCapabilities: clientCapabilities,
    signalUnknownCredential: signal("signalUnknownCredential"),
    signalAllAcceptedCredentials: signal("signalAllAcceptedCredentials"),
    signalCurrentUserDetails: signal("signalCurrentUserDetails"),
    parseCreationOptionsFromJSON: (json: never) => codec.parseCreationOptionsFromJSON(json),
    parseRequestOptionsFromJSON: (json: never) => codec.parseRequestOptionsFromJSON(json),
  };
  for (const name of Object.keys(statics)) defineMethod(PKC, name, statics[name]!, true);
}

/**
 * The shim as the source of a function of one optional argument (the WebDriver BiDi channel, for
 * `script.addPreloadScript`): the interfaces, the transport, the codec and the shim, serialised.
 * Bundlers that keep function names wrap functions in a `__name` helper; a local no-op keeps the
 * serialised source runnable either way.
 */
export function shimFunction(config: ShimConfig): string {
  return (
    `(post) => { const __name = (target) => target; if (globalThis.isSecureContext === false) return; ` +
    `(${installWebAuthnInterfaces.toString()})(); ` +
    `(${installSoftkeyShim.toString()})(${JSON.stringify(config)}, (${createWireCodec.toString()})(), ${createPageTransport.toString()}, post); }`
  );
}

/** The init script (an expression statement): the shim, run at once. */
export function initScript(config: ShimConfig): string {
  return `(${shimFunction(config)})();`;
}
