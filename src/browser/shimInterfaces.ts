/**
 * The WebAuthn interfaces for an engine that has none (WebKitGTK: no PublicKeyCredential, no
 * navigator.credentials), so that a site's feature detection finds what it finds in a browser with
 * WebAuthn: `Credential`, `PublicKeyCredential` with its statics (pageShim.ts defines those),
 * `AuthenticatorResponse`, `AuthenticatorAttestationResponse`, `AuthenticatorAssertionResponse`
 * with their attributes and methods on the prototypes (WebAuthn L3 sections 5.1, 5.2, 5.2.1,
 * 5.2.2), `CredentialsContainer` and `navigator.credentials` (Credential Management Level 1,
 * section 2.2). Nothing is replaced where the engine has it.
 *
 * The constructors throw as the platform's do ("Illegal constructor"); prototype attributes and
 * methods called on an object the shim did not make throw "Illegal invocation", as a failed brand
 * check does. The objects the shim makes carry their values as own properties (pageShim.ts).
 *
 * Runs in the page, serialised with Function.prototype.toString(): self-contained, like pageShim.ts.
 */

interface Globals {
  [name: string]: unknown;
  navigator?: object;
  Navigator?: { prototype: object };
}

/** Runs in the page. Self-contained: see the file comment. */
export function installWebAuthnInterfaces(): void {
  const g = globalThis as unknown as Globals;
  const defineProperty = Object.defineProperty;
  const illegal = (): never => {
    throw new TypeError("Illegal invocation");
  };

  function defineInterface(name: string, parent: { prototype: object } | undefined, attributes: string[], methods: string[]): { prototype: object } {
    const ctor = function () {
      throw new TypeError("Illegal constructor");
    } as unknown as { prototype: object };
    defineProperty(ctor, "name", { value: name });
    if (parent) Object.setPrototypeOf(ctor, parent);
    ctor.prototype = Object.create(parent ? parent.prototype : Object.prototype) as object;
    defineProperty(ctor.prototype, "constructor", { value: ctor, writable: true, configurable: true });
    defineProperty(ctor.prototype, Symbol.toStringTag, { value: name, configurable: true });
    for (const attribute of attributes) defineProperty(ctor.prototype, attribute, { get: illegal, enumerable: true, configurable: true });
    for (const method of methods) {
      const fn = function () {
        return illegal();
      };
      defineProperty(fn, "name", { value: method });
      defineProperty(ctor.prototype, method, { value: fn, writable: true, enumerable: true, configurable: true });
    }
    defineProperty(g, name, { value: ctor, writable: true, configurable: true });
    return ctor;
  }

  /** The engine's interface where it has one; the shim's otherwise. */
  function ensureInterface(name: string, parent: { prototype: object } | undefined, attributes: string[], methods: string[]): { prototype: object } {
    const existing = g[name];
    return typeof existing === "function" ? (existing as { prototype: object }) : defineInterface(name, parent, attributes, methods);
  }

  const credential = ensureInterface("Credential", undefined, ["id", "type"], []);
  ensureInterface("PublicKeyCredential", credential, ["rawId", "response", "authenticatorAttachment"], ["getClientExtensionResults", "toJSON"]);
  const response = ensureInterface("AuthenticatorResponse", undefined, ["clientDataJSON"], []);
  ensureInterface("AuthenticatorAttestationResponse", response, ["attestationObject"], ["getTransports", "getAuthenticatorData", "getPublicKey", "getPublicKeyAlgorithm"]);
  ensureInterface("AuthenticatorAssertionResponse", response, ["authenticatorData", "signature", "userHandle"], []);

  const navigator = g.navigator as Record<string, unknown> | undefined;
  if (!navigator || navigator.credentials !== undefined) return;
  // Credential Management: the container, whose create()/get() pageShim.ts defines; store() and
  // preventSilentAccess() answer as a browser without password credentials would.
  const Container = ensureInterface("CredentialsContainer", undefined, [], []);
  const notSupported = (what: string) =>
    function () {
      return Promise.reject(new DOMException(`${what} is not supported`, "NotSupportedError"));
    };
  for (const name of ["create", "get", "store"]) {
    defineProperty(Container.prototype, name, { value: notSupported(`navigator.credentials.${name}() without publicKey`), writable: true, enumerable: true, configurable: true });
  }
  defineProperty(Container.prototype, "preventSilentAccess", { value: () => Promise.resolve(undefined), writable: true, enumerable: true, configurable: true });
  const container = Object.create(Container.prototype) as object;
  const target = g.Navigator?.prototype ?? navigator;
  defineProperty(target, "credentials", { get: () => container, enumerable: true, configurable: true });
}
