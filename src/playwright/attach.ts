/**
 * softkey in a Playwright browser context: `attach(contextOrPage, { softkey })`
 * installs the page shim (./pageShim.ts) in every page and frame and
 * exposes the binding it calls. Node runs each ceremony through softkey's
 * WebAuthn client and the CTAP core; the page only ever sees the JSON
 * credential that comes back. The origin and top-level origin are decided by
 * src/browser/callerOrigin.ts from what the browser says about the calling
 * document: in Chromium, through CDP sessions of the page and its frames
 * (./cdpChannel.ts: the calling execution context's origin, its ancestors',
 * the frame's Permissions Policy and user activation); elsewhere, from what
 * Playwright's frame URLs and elements can prove (./frameOrigin.ts).
 * Ceremonies run through the Softkey, so its own listeners see them too.
 * Alongside: the shim's settings (./shimConfig.ts), the page's requests
 * (./wireRequest.ts), ceremonies under way (./inFlight.ts), autofill
 * (./conditionalRequests.ts) and the events it emits (./pageCeremonyEvents.ts).
 */
import type { BrowserContext, Disposable, Frame, Page } from "playwright-core";
import type { Softkey } from "../softkey.js";
import type { CredentialDeletedEvent, ProviderEvents } from "../softkeyEvents.js";
import {
  WebAuthnError,
  type AccountSelector as ClientAccountSelector,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type SelectCredential,
  type WebAuthnClient,
} from "../client/index.js";
import { callerOrigins, type CallerFacts } from "../browser/callerOrigin.js";
import { CdpChannel } from "./cdpChannel.js";
import type { CdpCall } from "./cdpTarget.js";
import { ConditionalRequests, type AccountSelector, type PendingConditionalRequest } from "./conditionalRequests.js";
import { TypedEvents, type CeremonySource, type SoftkeyEventMap } from "./events.js";
import { urlCallerFacts } from "./frameOrigin.js";
import { InFlightCeremonies } from "./inFlight.js";
import { credentialAssertedEvent, credentialCreatedEvent } from "./pageCeremonyEvents.js";
import { initScript } from "./pageShim.js";
import type { WireRequest, WireResponse } from "./serialization.js";
import { shimConfig } from "./shimConfig.js";
import { answerStatic, type StaticRequest } from "./staticRequests.js";
import { failureReason, parseRequest, wireError } from "./wireRequest.js";

export interface AttachOptions {
  softkey: Softkey;
  /**
   * The WebAuthn client to run ceremonies with; default `softkey.client`. Pass one built with
   * other options (a PIN, "platform" attachment, IP-address origins) over `softkey.authenticator`.
   * Its ceremonies still run through the Softkey and reach its listeners.
   */
  client?: WebAuthnClient;
  /**
   * Conditional mediation (autofill): with `true` a pending `get({ mediation: "conditional" })`
   * is answered at once with the first passkey that fits, as if the user picked it. Default
   * false: the request waits for `selectAccount()`.
   */
  autoSelect?: boolean;
  /**
   * Which account answers a modal get() that finds several discoverable credentials (credential ID,
   * user name, user handle); default the most recent, as Chrome's picker lists it first. Settable
   * later through the attachment's `account`.
   */
  account?: ClientAccountSelector;
  /** The account chooser as a function, when `account` is not enough. */
  selectCredential?: SelectCredential;
  /**
   * What PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable() answers (and
   * getClientCapabilities()' userVerifyingPlatformAuthenticator and passkeyPlatformAuthenticator).
   * Default: derived from the client's authenticators (a platform profile with UV says true).
   */
  userVerifyingPlatformAuthenticator?: boolean;
  /** Entries to add to or override in what PublicKeyCredential.getClientCapabilities() reports (derived from the authenticators). */
  capabilities?: Record<string, boolean>;
  /** The name of the Playwright binding (a global in every frame); change it only if it clashes with the page's own. */
  bindingName?: string;
  /**
   * Chromium only: CDP sessions of each page and frame, through which Chromium says which document
   * calls (its origin, its ancestors', its Permissions Policy and user activation); top-level
   * documents also send their ceremonies there, at a fraction of the cost of Playwright's
   * `exposeBinding`. With false, Chromium is treated like the engines without CDP: origins from
   * what frame URLs and elements prove, and calls from documents they cannot place (about:blank,
   * srcdoc, data:) refused. Default true.
   */
  cdpChannel?: boolean;
}

/** What Playwright passes a binding about its caller. */
interface BindingSource {
  context: BrowserContext;
  page: Page;
  frame: Frame;
}

/** The caller of a ceremony: its page and frame, and what the browser says about its document. */
interface Caller {
  page: Page;
  frame: Frame;
  facts: CallerFacts;
}

type CeremonyRequest = Extract<WireRequest, { op: "create" | "get" }>;

const detachedError = (): WebAuthnError => new WebAuthnError("NotAllowedError", "softkey was detached");

/** Install softkey into every page and frame of `target` (a BrowserContext, or one Page). */
export function attach(target: BrowserContext | Page, options: AttachOptions): Promise<SoftkeyAttachment> {
  try {
    checkAttachArguments(target, options);
  } catch (error) {
    return Promise.reject(error); // an async API: the mistake arrives where the await is
  }
  return SoftkeyAttachment.install(target, options);
}

/** A TypeError that says what is missing, instead of one from deep inside (JavaScript callers have no type checker). */
function checkAttachArguments(target: unknown, options: unknown): void {
  const usage = "attach(context, { softkey }) takes a Playwright BrowserContext or Page and an open Softkey";
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
  if (!isObject(target) || typeof target.exposeBinding !== "function" || typeof target.addInitScript !== "function") {
    throw new TypeError(`softkey: ${usage}: the first argument is not a BrowserContext or Page`);
  }
  if (!isObject(options)) throw new TypeError(`softkey: ${usage}: the options are missing`);
  const softkey = options.softkey;
  if (softkey === undefined) {
    throw new TypeError(`softkey: ${usage}: options.softkey is missing (const softkey = await Softkey.open(dir, { passphrase }))`);
  }
  if (!isObject(softkey) || typeof softkey.create !== "function" || typeof softkey.get !== "function" || typeof softkey.on !== "function") {
    throw new TypeError(`softkey: ${usage}: options.softkey is not a Softkey (from Softkey.open or Softkey.init)`);
  }
}

export class SoftkeyAttachment extends TypedEvents<SoftkeyEventMap> {
  readonly softkey: Softkey;
  readonly client: WebAuthnClient;
  private readonly disposables: Disposable[] = [];
  private cdp: CdpChannel | undefined;
  private readonly inFlight = new InFlightCeremonies();
  private readonly conditional: ConditionalRequests;
  /** Deletions and the store's answers to signals are the Softkey's own events, passed on as they are. */
  private readonly forwardDeletion = (event: CredentialDeletedEvent): void => this.emit("credentialDeleted", event);
  private readonly forwardProvider = PROVIDER_EVENTS.map((name) => {
    const listener = (event: ProviderEvents[typeof name]): void => this.emit(name, event as never);
    return { name, listener };
  });
  private detached = false;
  /** The account a modal get() with several discoverable credentials answers with; undefined: the most recent. */
  account: ClientAccountSelector | undefined;

  private constructor(private readonly options: AttachOptions) {
    super();
    this.softkey = options.softkey;
    this.client = options.client ?? options.softkey.client;
    this.account = options.account;
    this.conditional = new ConditionalRequests({
      autoSelect: options.autoSelect ?? false,
      credentials: async (rpId) => (await this.softkey.listCredentials({ rpId })).credentials,
      announce: (event) => this.emit("conditionalRequest", event),
    });
  }

  static async install(target: BrowserContext | Page, options: AttachOptions): Promise<SoftkeyAttachment> {
    const attachment = new SoftkeyAttachment(options);
    const config = shimConfig(options);
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
    options.softkey.on("credentialDeleted", attachment.forwardDeletion);
    for (const { name, listener } of attachment.forwardProvider) options.softkey.on(name, listener as never);
    return attachment;
  }

  /**
   * The browser mediated a sign-in on this page's origin (or `origin`), say the user autofilled a
   * saved password for `userName`: a conditional create there may follow (WebAuthn L3 section 5.1.3).
   */
  recordMediatedSignIn(signIn: { page?: Page; origin?: string; userName?: string }): void {
    const origin = signIn.origin ?? (signIn.page ? new URL(signIn.page.url()).origin : undefined);
    if (!origin) throw new Error("softkey: recordMediatedSignIn needs a page or an origin");
    this.client.recordMediatedSignIn({ origin, ...(signIn.userName !== undefined ? { userName: signIn.userName } : {}) });
  }

  /**
   * Answer a pending conditional get() (autofill) as the user would by picking a passkey:
   * waits up to `timeout` ms (default 30000) for the page to make one, then runs the
   * ceremony with the chosen credential and resolves with what the page receives.
   */
  selectAccount(account: AccountSelector = {}, options: { timeout?: number } = {}): Promise<AuthenticationResponseJSON> {
    return this.conditional.select(account, () =>
      this.waitForEvent("conditionalRequest", {
        predicate: (e) => !account.page || e.page === account.page,
        timeout: options.timeout ?? 30_000,
      }),
    );
  }

  /** Conditional get() requests waiting for `selectAccount()`, oldest first. */
  pendingConditionalRequests(): PendingConditionalRequest[] {
    return this.conditional.pending();
  }

  /** Remove the binding and the init script, and end every pending ceremony. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.softkey.off("credentialDeleted", this.forwardDeletion);
    for (const { name, listener } of this.forwardProvider) this.softkey.off(name, listener as never);
    this.inFlight.abortAll(detachedError);
    this.conditional.rejectAll(detachedError);
    await this.cdp?.close({ ok: false, name: "NotAllowedError", message: "softkey was detached" });
    await Promise.all(this.disposables.splice(0).map((d) => d.dispose().catch(() => undefined)));
  }

  /**
   * A call through Playwright's binding, which names the calling frame. In Chromium its facts are
   * the ones the CDP channel noted under the request's context token (no token, no ceremony); in
   * other engines, what Playwright's URLs and frame elements prove.
   */
  private async handle(source: BindingSource, message: unknown): Promise<WireResponse> {
    const request = parseRequest(message);
    if (!request) return MALFORMED;
    if (request.op === "abort") return this.abort(source.frame, request.id);
    if (request.op === "context") return { ok: false, name: "NotAllowedError", message: "softkey: context tokens come from the CDP channel" };
    let facts: CallerFacts | undefined;
    try {
      facts = this.cdp ? await this.cdp.spend(source.page, request.context) : await urlCallerFacts(source.frame);
    } catch (error) {
      return wireError(error);
    }
    if (!facts) {
      // The page reads Chrome's generic message, as for every refusal; the reason is softkey's to know.
      return wireError(new WebAuthnError("NotAllowedError", "softkey: in Chromium a ceremony needs the context token the CDP channel gave the calling document"));
    }
    const caller = { page: source.page, frame: source.frame, facts };
    return request.op === "static" ? this.static(caller, request) : this.run(caller, request);
  }

  /** A call through the CDP channel from a page's top-level document, with Chromium's facts about it. */
  private handleFast(call: CdpCall, message: unknown): Promise<WireResponse> {
    const request = parseRequest(message);
    const frame = call.page.mainFrame();
    if (!request) return Promise.resolve(MALFORMED);
    if (request.op === "abort") return Promise.resolve(this.abort(frame, request.id));
    if (request.op === "context") return Promise.resolve({ ok: false, name: "NotAllowedError", message: "softkey: unexpected context request" });
    const caller = { page: call.page, frame, facts: call.facts };
    return request.op === "static" ? this.static(caller, request) : this.run(caller, request);
  }

  private abort(frame: Frame, id: string): WireResponse {
    const aborted = this.inFlight.abort(frame, id, new WebAuthnError("AbortError", "the ceremony was aborted by its AbortSignal"));
    return { ok: true, aborted };
  }

  private async run(source: Caller, request: CeremonyRequest): Promise<WireResponse> {
    const signal = this.inFlight.start(source.frame, request.id);
    let ceremony: CeremonySource = { page: source.page, frame: source.frame, origin: source.facts.origin };
    try {
      const origins = await callerOrigins(source.facts, request.op);
      ceremony = { ...ceremony, ...origins };
      return { ok: true, credential: await this.ceremony(ceremony, request, signal) };
    } catch (error) {
      const failure = wireError(error);
      this.emit("ceremonyFailed", { ...ceremony, ceremony: request.op, name: failure.name, message: failure.message, reason: failureReason(error) });
      return failure;
    } finally {
      this.inFlight.end(source.frame, request.id);
    }
  }

  /** A PublicKeyCredential static: capabilities, UVPAA, or a signal (./staticRequests.ts). */
  private async static(source: Caller, request: StaticRequest): Promise<WireResponse> {
    try {
      if (this.detached) throw detachedError();
      const { userVerifyingPlatformAuthenticator, capabilities } = this.options;
      const value = await answerStatic(request, {
        softkey: this.softkey,
        client: this.client,
        origin: source.facts.origin,
        // Signals speak for the RP's own documents: a cross-origin frame may not send them.
        sameOriginWithAncestors: source.facts.ancestorOrigins.every((ancestor) => ancestor === source.facts.origin),
        ...(userVerifyingPlatformAuthenticator === undefined ? {} : { userVerifyingPlatformAuthenticator }),
        ...(capabilities ? { capabilities } : {}),
      });
      return { ok: true, value };
    } catch (error) {
      return wireError(error);
    }
  }

  /**
   * One ceremony, run through the Softkey (so its own listeners see it too) with this
   * attachment's client; the attachment's event says which page and frame it served.
   */
  private async ceremony(ceremony: CeremonySource, request: CeremonyRequest, signal: AbortSignal): Promise<RegistrationResponseJSON | AuthenticationResponseJSON> {
    if (this.detached) throw detachedError();
    const { origin, topOrigin: top } = ceremony;
    if (request.origin !== origin) {
      // The page names another origin than the browser does for the calling document: refuse rather
      // than guess. The page's word can only ever make this stricter.
      throw new WebAuthnError("NotAllowedError", `the calling document's origin "${request.origin}" is not the one the browser reports for it, "${origin}"`);
    }
    const call = {
      origin,
      signal,
      client: this.client,
      ...(top === undefined ? {} : { topOrigin: top }),
      ...(request.userActivation === undefined ? {} : { userActivation: request.userActivation }),
    };
    if (request.op === "create") {
      const mediation = request.mediation === undefined ? {} : { mediation: request.mediation };
      const credential = await this.softkey.create(request.options, { ...call, ...mediation });
      this.emit("credentialCreated", credentialCreatedEvent(ceremony, request.options, credential));
      return credential;
    }
    const conditional = request.mediation === "conditional" && request.uiMode !== "immediate";
    const { selectCredential } = this.options;
    const choice = { ...(this.account ? { account: this.account } : {}), ...(selectCredential ? { selectCredential } : {}) };
    const modal = {
      ...(request.mediation === undefined ? {} : { mediation: request.mediation }),
      ...(request.uiMode === undefined ? {} : { uiMode: request.uiMode }),
    };
    const credential = conditional
      ? await this.conditional.run(ceremony, request.options, signal, (options) => this.softkey.get(options, call))
      : await this.softkey.get(request.options, { ...call, ...modal, ...choice });
    this.emit("credentialAsserted", credentialAssertedEvent(ceremony, request.options, credential, conditional));
    return credential;
  }
}

const PROVIDER_EVENTS = ["signalReceived", "credentialHidden", "credentialRestored", "userDetailsUpdated"] as const satisfies readonly (keyof ProviderEvents)[];
const MALFORMED: WireResponse = { ok: false, name: "TypeError", message: "softkey: malformed request from the page" };

function isPage(target: BrowserContext | Page): target is Page {
  return typeof (target as Page).mainFrame === "function";
}
