/**
 * softkey in a Playwright browser context: `attach(contextOrPage, { softkey })`
 * installs the page shim (./pageShim.ts) in every page and frame and
 * exposes the binding it calls. Node runs each ceremony through softkey's
 * WebAuthn client and the CTAP core; the page only ever sees the JSON
 * credential that comes back. The origin is the calling frame's, taken from
 * Playwright (./frameOrigin.ts). In Chromium, top-level documents call over
 * a CDP session of their page instead (./cdpChannel.ts), which is faster and
 * takes the origin from Chromium's own account of the calling context.
 */
import type { BrowserContext, Disposable, Frame, Page } from "playwright-core";
import type { Softkey } from "../softkey.js";
import {
  WebAuthnError,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type SelectCredential,
  type WebAuthnClient,
} from "../client/index.js";
import { CdpChannel, type FastCallSource } from "./cdpChannel.js";
import { TypedEvents, type CeremonySource, type SoftkeyEventMap } from "./events.js";
import { frameOrigin, permissionsPolicyAllows, topOrigin } from "./frameOrigin.js";
import { initScript } from "./pageShim.js";
import type { ShimConfig, WireRequest, WireResponse } from "./serialization.js";

export interface AttachOptions {
  softkey: Softkey;
  /**
   * The WebAuthn client to run ceremonies with; default `softkey.client`. Pass one built with
   * other options (a PIN, "platform" attachment, IP-address origins) over `softkey.authenticator`.
   */
  client?: WebAuthnClient;
  /**
   * Conditional mediation (autofill): with `true` a pending `get({ mediation: "conditional" })`
   * is answered at once with the first passkey that fits, as if the user picked it. Default
   * false: the request waits for `selectAccount()`.
   */
  autoSelect?: boolean;
  /** The account chooser of a modal get() that finds several discoverable credentials; default the first. */
  selectCredential?: SelectCredential;
  /** What PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable() answers. Default false (a security key). */
  userVerifyingPlatformAuthenticator?: boolean;
  /** Entries to add to or override in what PublicKeyCredential.getClientCapabilities() reports. */
  capabilities?: Record<string, boolean>;
  /** The name of the Playwright binding (a global in every frame); change it only if it clashes with the page's own. */
  bindingName?: string;
  /**
   * Chromium only: carry the ceremonies of top-level documents over a CDP session of each page
   * (`Runtime.addBinding`), which costs a fraction of Playwright's `exposeBinding` round trip.
   * Frames and other engines use `exposeBinding` either way. Default true.
   */
  cdpChannel?: boolean;
}

/** Which passkey `selectAccount()` picks; all given fields must match. */
export interface AccountSelector {
  credentialId?: string;
  userName?: string;
  /** base64url user handle. */
  userHandle?: string;
  /** Answer only a request from this page. */
  page?: Page;
}

/** A conditional get() waiting for the user to pick an account. */
export interface PendingConditionalRequest extends CeremonySource {
  rpId: string;
}

/** What Playwright passes a binding about its caller. */
interface BindingSource {
  context: BrowserContext;
  page: Page;
  frame: Frame;
}

/** The caller of a ceremony, with its origin and top-level origin as decided on the Node side. */
interface Caller {
  page: Page;
  frame: Frame;
  origin: string;
  topOrigin: string | undefined;
}

const DEFAULT_BINDING = "__softkeyPlaywright";

const DOM_ERROR_NAMES = new Set([
  "NotAllowedError",
  "InvalidStateError",
  "SecurityError",
  "NotSupportedError",
  "AbortError",
  "TypeError",
  "EncodingError",
  "SyntaxError",
  "ConstraintError",
  "UnknownError",
]);

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting (autoSelect, an aborted request): do not report that as unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

interface ConditionalEntry {
  info: PendingConditionalRequest;
  options: PublicKeyCredentialRequestOptionsJSON;
  selection: Deferred<string>;
  outcome: Deferred<AuthenticationResponseJSON>;
}

/** Install softkey into every page and frame of `target` (a BrowserContext, or one Page). */
export function attach(target: BrowserContext | Page, options: AttachOptions): Promise<SoftkeyAttachment> {
  return SoftkeyAttachment.install(target, options);
}

export class SoftkeyAttachment extends TypedEvents<SoftkeyEventMap> {
  readonly softkey: Softkey;
  readonly client: WebAuthnClient;
  private readonly disposables: Disposable[] = [];
  private cdp: CdpChannel | undefined;
  private readonly inFlight = new Map<Frame, Map<string, AbortController>>();
  private readonly conditional: ConditionalEntry[] = [];
  private stopObservingDeletions: () => void = () => undefined;
  private detached = false;

  private constructor(private readonly options: AttachOptions) {
    super();
    this.softkey = options.softkey;
    this.client = options.client ?? options.softkey.client;
  }

  static async install(target: BrowserContext | Page, options: AttachOptions): Promise<SoftkeyAttachment> {
    const attachment = new SoftkeyAttachment(options);
    const uvpaa = options.userVerifyingPlatformAuthenticator ?? false;
    const config: ShimConfig = {
      binding: options.bindingName ?? DEFAULT_BINDING,
      userVerifyingPlatformAuthenticator: uvpaa,
      capabilities: {
        conditionalCreate: false,
        conditionalGet: true,
        hybridTransport: false,
        passkeyPlatformAuthenticator: uvpaa,
        userVerifyingPlatformAuthenticator: uvpaa,
        relatedOrigins: false,
        signalAllAcceptedCredentials: false,
        signalCurrentUserDetails: false,
        signalUnknownCredential: false,
        "extension:credProps": true,
        "extension:credProtect": true,
        "extension:hmacCreateSecret": true,
        "extension:largeBlob": true,
        "extension:prf": true,
        ...options.capabilities,
      },
    };
    const binding = config.binding;
    if (options.cdpChannel !== false) config.fast = { binding: `${binding}Cdp`, reply: `${binding}CdpReply` };
    // The binding first: the shim looks it up when the page makes its first call.
    try {
      attachment.disposables.push(
        await target.exposeBinding(config.binding, (source: BindingSource, request: unknown) => attachment.handle(source, request)),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `softkey: cannot expose the binding "${config.binding}" (${message}); is a softkey already attached here? ` +
          `Detach it first, or give the second one another bindingName`,
        { cause: error },
      );
    }
    if (config.fast) {
      attachment.cdp = await CdpChannel.open(target, config.fast, (source, request) => attachment.handleFast(source, request));
      if (!attachment.cdp) delete config.fast; // not Chromium
    }
    const script = initScript(config);
    attachment.disposables.push(await target.addInitScript({ content: script }));
    // Documents already loaded get the shim now; addInitScript covers every later one.
    const pages = isPage(target) ? [target] : target.pages();
    await Promise.all(pages.flatMap((page) => page.frames().map((frame) => frame.evaluate(script).catch(() => undefined))));
    attachment.stopObservingDeletions = observeDeletions(options.softkey, (event) => attachment.emit("credentialDeleted", event));
    return attachment;
  }

  /**
   * Answer a pending conditional get() (autofill) as the user would by picking a passkey:
   * waits up to `timeout` ms (default 30000) for the page to make one, then runs the
   * ceremony with the chosen credential and resolves with what the page receives.
   */
  async selectAccount(account: AccountSelector = {}, options: { timeout?: number } = {}): Promise<AuthenticationResponseJSON> {
    let entry = this.findConditional(account.page);
    if (!entry) {
      const event = await this.waitForEvent("conditionalRequest", {
        predicate: (e) => !account.page || e.page === account.page,
        timeout: options.timeout ?? 30_000,
      });
      entry = this.conditional.find((c) => c.info.frame === event.frame);
      if (!entry) throw new Error("softkey: the conditional request ended before an account was selected");
    }
    const credentialId = await this.pickAccount(entry, account);
    entry.selection.resolve(credentialId);
    return entry.outcome.promise;
  }

  /** Conditional get() requests waiting for `selectAccount()`, oldest first. */
  pendingConditionalRequests(): PendingConditionalRequest[] {
    this.pruneConditional();
    return this.conditional.map((c) => c.info);
  }

  /** Remove the binding and the init script, and end every pending ceremony. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.stopObservingDeletions();
    for (const controllers of this.inFlight.values()) {
      for (const controller of controllers.values()) controller.abort(new WebAuthnError("NotAllowedError", "softkey was detached"));
    }
    for (const entry of this.conditional.splice(0)) entry.selection.reject(new WebAuthnError("NotAllowedError", "softkey was detached"));
    await this.cdp?.close({ ok: false, name: "NotAllowedError", message: "softkey was detached" });
    await Promise.all(this.disposables.splice(0).map((d) => d.dispose().catch(() => undefined)));
  }

  /** A call through Playwright's binding: any frame, origins from Playwright's view of the frame tree. */
  private handle(source: BindingSource, message: unknown): Promise<WireResponse> {
    return this.run({ page: source.page, frame: source.frame, origin: frameOrigin(source.frame), topOrigin: topOrigin(source.frame) }, message);
  }

  /** A call through the CDP channel: always a page's top-level document, origin as Chromium reports it. */
  private handleFast(source: FastCallSource, message: unknown): Promise<WireResponse> {
    return this.run({ page: source.page, frame: source.page.mainFrame(), origin: source.origin, topOrigin: undefined }, message);
  }

  private async run(source: Caller, message: unknown): Promise<WireResponse> {
    const request = parseRequest(message);
    if (!request) return { ok: false, name: "TypeError", message: "softkey: malformed request from the page" };
    if (request.op === "abort") {
      const controller = this.inFlight.get(source.frame)?.get(request.id);
      controller?.abort(new WebAuthnError("AbortError", "the ceremony was aborted by its AbortSignal"));
      return { ok: true, aborted: controller !== undefined };
    }
    const { origin, topOrigin: top } = source;
    const ceremony: CeremonySource = { page: source.page, frame: source.frame, origin, ...(top === undefined ? {} : { topOrigin: top }) };
    const controller = new AbortController();
    let controllers = this.inFlight.get(source.frame);
    if (!controllers) this.inFlight.set(source.frame, (controllers = new Map()));
    controllers.set(request.id, controller);
    try {
      if (this.detached) throw new WebAuthnError("NotAllowedError", "softkey was detached");
      if (request.origin !== origin) {
        // The page reports an opaque origin (a sandboxed frame) or one Playwright does not
        // see for this frame: refuse rather than guess. The page can only ever make this stricter.
        throw new WebAuthnError("NotAllowedError", `the calling document's origin "${request.origin}" is opaque or is not its frame's origin "${origin}"`);
      }
      const feature = request.op === "create" ? "publickey-credentials-create" : "publickey-credentials-get";
      if (top !== undefined && !(await permissionsPolicyAllows(source.frame, feature))) {
        throw new WebAuthnError("NotAllowedError", `the '${feature}' feature is not delegated to this cross-origin frame (iframe allow attribute)`);
      }
      const call = { origin, signal: controller.signal, ...(top === undefined ? {} : { topOrigin: top }) };
      if (request.op === "create") {
        if (request.mediation === "conditional") {
          throw new WebAuthnError("NotSupportedError", "softkey does not support conditional create (getClientCapabilities().conditionalCreate is false)");
        }
        const credential = await this.client.create(request.options, call);
        this.emitCreated(ceremony, request.options, credential);
        return { ok: true, credential };
      }
      const conditional = request.mediation === "conditional";
      const credential = conditional
        ? await this.conditionalGet(ceremony, request.options, call)
        : await this.client.get(request.options, { ...call, ...(this.options.selectCredential ? { selectCredential: this.options.selectCredential } : {}) });
      this.emit("credentialAsserted", {
        ...ceremony,
        credentialId: credential.id,
        rpId: request.options.rpId ?? hostOf(origin),
        ...(credential.response.userHandle === undefined ? {} : { userHandle: credential.response.userHandle }),
        conditional,
        response: credential,
      });
      return { ok: true, credential };
    } catch (error) {
      const failure = wireError(error);
      this.emit("ceremonyFailed", { ...ceremony, ceremony: request.op, name: failure.name, message: failure.message });
      return failure;
    } finally {
      controllers.delete(request.id);
      if (controllers.size === 0) this.inFlight.delete(source.frame);
    }
  }

  private emitCreated(ceremony: CeremonySource, options: PublicKeyCredentialCreationOptionsJSON, credential: RegistrationResponseJSON): void {
    const rk = credential.clientExtensionResults.credProps?.rk;
    this.emit("credentialCreated", {
      ...ceremony,
      credentialId: credential.id,
      rpId: options.rp.id ?? hostOf(ceremony.origin),
      userName: options.user.name,
      userDisplayName: options.user.displayName,
      userHandle: options.user.id,
      ...(rk === undefined ? {} : { discoverable: rk }),
      response: credential,
    });
  }

  /**
   * Conditional mediation: the request waits, as an autofill prompt would, until the test
   * picks an account (or autoSelect does); then it runs with that one credential.
   */
  private async conditionalGet(
    ceremony: CeremonySource,
    options: PublicKeyCredentialRequestOptionsJSON,
    call: { origin: string; topOrigin?: string; signal: AbortSignal },
  ): Promise<AuthenticationResponseJSON> {
    const rpId = options.rpId ?? hostOf(ceremony.origin);
    // A newer conditional request from the same frame supersedes the older one (a reload, a re-render).
    for (const old of this.conditional.filter((c) => c.info.frame === ceremony.frame)) {
      old.selection.reject(new WebAuthnError("NotAllowedError", "superseded by a newer conditional request from the same frame"));
    }
    const entry: ConditionalEntry = { info: { ...ceremony, rpId }, options, selection: deferred(), outcome: deferred() };
    const onAbort = (): void => entry.selection.reject(call.signal.reason);
    call.signal.addEventListener("abort", onAbort, { once: true });
    this.conditional.push(entry);
    try {
      this.emit("conditionalRequest", { ...ceremony, rpId });
      if (this.options.autoSelect) {
        this.pickAccount(entry, {}, { firstOfMany: true }).then(
          (id) => entry.selection.resolve(id),
          () => undefined, // nothing fits yet: keep waiting, as the autofill list would stay empty
        );
      }
      let credentialId: string;
      try {
        credentialId = await entry.selection.promise;
      } finally {
        call.signal.removeEventListener("abort", onAbort);
        const index = this.conditional.indexOf(entry);
        if (index !== -1) this.conditional.splice(index, 1);
      }
      const credential = await this.client.get(
        { ...options, allowCredentials: [{ type: "public-key", id: credentialId }] },
        call,
      );
      entry.outcome.resolve(credential);
      return credential;
    } catch (error) {
      entry.outcome.reject(error);
      throw error;
    }
  }

  private async pickAccount(entry: ConditionalEntry, account: AccountSelector, options: { firstOfMany?: boolean } = {}): Promise<string> {
    const { rpId } = entry.info;
    const allowed = new Set((entry.options.allowCredentials ?? []).map((d) => d.id));
    const { credentials } = await this.softkey.listCredentials({ rpId });
    const candidates = credentials.filter((c) => c.discoverable && (allowed.size === 0 || allowed.has(c.credentialId)));
    const matches = candidates.filter(
      (c) =>
        (account.credentialId === undefined || c.credentialId === account.credentialId) &&
        (account.userName === undefined || c.userName === account.userName) &&
        (account.userHandle === undefined || c.userHandle === account.userHandle),
    );
    const describe = (): string => candidates.map((c) => `${c.userName ?? "(no name)"} [${c.credentialId}]`).join(", ") || "none";
    if (matches.length === 0) {
      throw new Error(`softkey: no passkey for ${rpId} matches ${JSON.stringify(selectorFields(account))}; the account list holds: ${describe()}`);
    }
    if (matches.length > 1 && !options.firstOfMany) {
      throw new Error(`softkey: several passkeys for ${rpId} match; pass { userName } or { credentialId } to choose one of: ${describe()}`);
    }
    return matches[0]!.credentialId;
  }

  private findConditional(page: Page | undefined): ConditionalEntry | undefined {
    this.pruneConditional();
    const candidates = this.conditional.filter((c) => !page || c.info.page === page);
    return candidates[candidates.length - 1];
  }

  /** Requests whose page or frame is gone can never be answered. */
  private pruneConditional(): void {
    for (const entry of [...this.conditional]) {
      if (entry.info.page.isClosed() || entry.info.frame.isDetached()) {
        entry.selection.reject(new WebAuthnError("NotAllowedError", "the page or frame is gone"));
        this.conditional.splice(this.conditional.indexOf(entry), 1);
      }
    }
  }
}

function isPage(target: BrowserContext | Page): target is Page {
  return typeof (target as Page).mainFrame === "function";
}

function hostOf(origin: string): string {
  return new URL(origin).hostname;
}

function selectorFields(account: AccountSelector): Omit<AccountSelector, "page"> {
  const { page: _page, ...fields } = account;
  return fields;
}

/** The page is untrusted: check the shape of what it sends before using any of it. */
function parseRequest(message: unknown): WireRequest | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (typeof m.id !== "string" || m.id.length > 200) return undefined;
  if (m.op === "abort") return { op: "abort", id: m.id };
  if ((m.op !== "create" && m.op !== "get") || typeof m.origin !== "string") return undefined;
  if (typeof m.options !== "object" || m.options === null || Array.isArray(m.options)) return undefined;
  if (m.mediation !== undefined && typeof m.mediation !== "string") return undefined;
  return m as WireRequest;
}

function wireError(error: unknown): { ok: false; name: string; message: string } {
  if (error instanceof WebAuthnError) return { ok: false, name: error.name, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && DOM_ERROR_NAMES.has(error.name)) return { ok: false, name: error.name, message };
  return { ok: false, name: "NotAllowedError", message: `softkey: ${message}` };
}

type DeletionListener = (event: SoftkeyEventMap["credentialDeleted"]) => void;

const deletionListeners = new WeakMap<Softkey, Set<DeletionListener>>();

/**
 * Report deletions made through `softkey.deleteCredential()`: the instance's method is wrapped
 * once (the class is untouched) and tells every attachment of that softkey.
 */
function observeDeletions(softkey: Softkey, listener: DeletionListener): () => void {
  let listeners = deletionListeners.get(softkey);
  if (!listeners) {
    const set = (listeners = new Set());
    deletionListeners.set(softkey, set);
    const original = softkey.deleteCredential.bind(softkey);
    softkey.deleteCredential = async (credentialId: string): Promise<boolean> => {
      const record =
        set.size > 0 ? await softkey.keystore.findCredential(Buffer.from(credentialId, "base64url")).catch(() => undefined) : undefined;
      const deleted = await original(credentialId);
      if (deleted) {
        const event = { credentialId, ...(record ? { rpId: record.rpId } : {}) };
        for (const l of [...set]) l(event);
      }
      return deleted;
    };
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}
