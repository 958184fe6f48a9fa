/**
 * The Node side of softkey in a browser, shared by every adapter (softkey/playwright,
 * softkey/puppeteer, softkey/webdriver, `softkey attach`): it takes a page's request (the wire
 * protocol of ./serialization.ts) with the caller's facts as the adapter learned them from the
 * browser, applies the one origin rule (./callerOrigin.ts), runs the ceremony through the Softkey
 * (so its own listeners see it too), and answers what the page receives. Adapters only carry
 * requests and facts; P and F are their page and frame objects, which events and account selection
 * name.
 *
 * Alongside: ceremonies under way (./inFlight.ts), autofill (./conditionalRequests.ts), the
 * PublicKeyCredential statics (./staticRequests.ts) and the events (./pageCeremonyEvents.ts).
 * Live settings (the account, the capability answers) can change while pages are attached.
 */
import type { Softkey } from "../softkey.js";
import type { SoftkeyControls } from "../controls/controls.js";
import type { CredentialDeletedEvent, ProviderEvents } from "../softkeyEvents.js";
import {
  WebAuthnError,
  type AccountSelector as ClientAccountSelector,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type SelectCredential,
  type WebAuthnClient,
} from "../client/index.js";
import { TypedEvents } from "../typedEvents.js";
import { callerOrigins, type CallerFacts } from "./callerOrigin.js";
import { ConditionalRequests, type AccountSelector, type PendingConditionalRequest } from "./conditionalRequests.js";
import type { CeremonySource, SoftkeyEventMap } from "./events.js";
import { InFlightCeremonies } from "./inFlight.js";
import { credentialAssertedEvent, credentialCreatedEvent } from "./pageCeremonyEvents.js";
import type { WireRequest, WireResponse } from "./serialization.js";
import { answerStatic, type StaticRequest } from "./staticRequests.js";
import { VirtualAuthenticators } from "./virtualAuthenticators.js";
import { WebDriverVirtualAuthenticator } from "./webDriverAuthenticator.js";
import { failureReason, wireError } from "./wireRequest.js";

/** What every adapter's attach() takes besides its browser object. */
export interface SessionOptions {
  softkey: Softkey;
  /**
   * The WebAuthn client to run ceremonies with; default `softkey.client`. Pass one built with
   * other options (a PIN, "platform" attachment, several authenticators) over `softkey.authenticator`.
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
   * Settable later through `setCapabilities`.
   */
  userVerifyingPlatformAuthenticator?: boolean;
  /** Entries to add to or override in what PublicKeyCredential.getClientCapabilities() reports (derived from the authenticators). */
  capabilities?: Record<string, boolean>;
}

/** The caller of a request: its page and frame (the adapter's objects), and what the browser says about its document. */
export interface Caller<P, F> {
  page: P;
  frame: F;
  facts: CallerFacts;
}

type CeremonyRequest = Extract<WireRequest, { op: "create" | "get" }>;

export const detachedError = (): WebAuthnError => new WebAuthnError("NotAllowedError", "softkey was detached");
export const MALFORMED: WireResponse = { ok: false, name: "TypeError", message: "softkey: malformed request from the page" };

const PROVIDER_EVENTS = ["signalReceived", "credentialHidden", "credentialRestored", "userDetailsUpdated"] as const satisfies readonly (keyof ProviderEvents)[];

export class BrowserSession<P extends object = object, F extends object = object> extends TypedEvents<SoftkeyEventMap<P, F>> {
  readonly softkey: Softkey;
  /** The WebAuthn client ceremonies run with; replaceable while attached (e.g. to add an authenticator). */
  client: WebAuthnClient;
  /**
   * A drop-in for Chrome's virtual-authenticator API (CDP's WebAuthn domain) on softkey devices:
   * after `enable()`, the attached pages use the authenticators added here instead of `client`.
   */
  readonly virtualAuthenticators: VirtualAuthenticators;
  /** The same, by selenium-webdriver's driver methods (addVirtualAuthenticator, addCredential, getCredentials...). */
  readonly webDriver: WebDriverVirtualAuthenticator;
  /** The account a modal get() with several discoverable credentials answers with; undefined: the most recent. */
  account: ClientAccountSelector | undefined;
  private readonly inFlight = new InFlightCeremonies();
  private readonly conditional: ConditionalRequests<P, F>;
  private uvpaa: boolean | undefined;
  private capabilities: Record<string, boolean> | undefined;
  /** Deletions and the store's answers to signals are the Softkey's own events, passed on as they are. */
  private readonly forwardDeletion = (event: CredentialDeletedEvent): void => this.emit("credentialDeleted", event);
  private readonly forwardProvider = PROVIDER_EVENTS.map((name) => {
    const listener = (event: ProviderEvents[typeof name]): void => this.emit(name, event as never);
    return { name, listener };
  });
  protected detached = false;

  constructor(
    private readonly options: SessionOptions,
    /** Whether a caller's page or frame is gone, so a waiting autofill request can never be answered. */
    gone: (source: CeremonySource<P, F>) => boolean = () => false,
  ) {
    super();
    this.softkey = options.softkey;
    this.client = options.client ?? options.softkey.client;
    const own = this.client;
    this.virtualAuthenticators = new VirtualAuthenticators((client) => {
      this.client = client ?? own;
    });
    this.webDriver = new WebDriverVirtualAuthenticator(this.virtualAuthenticators);
    this.account = options.account;
    this.uvpaa = options.userVerifyingPlatformAuthenticator;
    this.capabilities = options.capabilities;
    this.conditional = new ConditionalRequests<P, F>({
      autoSelect: options.autoSelect ?? false,
      credentials: async (rpId) => (await this.softkey.listCredentials({ rpId })).credentials,
      announce: (event) => this.emit("conditionalRequest", event),
      gone,
    });
    options.softkey.on("credentialDeleted", this.forwardDeletion);
    for (const { name, listener } of this.forwardProvider) options.softkey.on(name, listener as never);
  }

  /**
   * The Softkey's live controls (softkey.controls): presence, uv, faults, the account the user
   * picks and the capability overrides, changed while pages are attached. The session's own
   * `account` and setCapabilities() answers, when set, win over the controls' for its pages.
   */
  get controls(): SoftkeyControls {
    return this.softkey.controls;
  }

  /**
   * Change what PublicKeyCredential's feature questions answer in attached pages, from the next
   * call on: `userVerifyingPlatformAuthenticator` (undefined: derived again from the authenticators)
   * and entries of getClientCapabilities() (replacing the earlier overrides).
   */
  setCapabilities(answers: { userVerifyingPlatformAuthenticator?: boolean | undefined; capabilities?: Record<string, boolean> | undefined }): void {
    if ("userVerifyingPlatformAuthenticator" in answers) this.uvpaa = answers.userVerifyingPlatformAuthenticator;
    if ("capabilities" in answers) this.capabilities = answers.capabilities;
  }

  /**
   * The browser mediated a sign-in on `origin`, say the user autofilled a saved password for
   * `userName`: a conditional create there may follow (WebAuthn L3 section 5.1.3).
   */
  recordMediatedSignIn(signIn: { origin: string; userName?: string }): void {
    this.client.recordMediatedSignIn({ origin: signIn.origin, ...(signIn.userName !== undefined ? { userName: signIn.userName } : {}) });
  }

  /**
   * Answer a pending conditional get() (autofill) as the user would by picking a passkey:
   * waits up to `timeout` ms (default 30000) for the page to make one, then runs the
   * ceremony with the chosen credential and resolves with what the page receives.
   */
  selectAccount(account: AccountSelector<P> = {}, options: { timeout?: number } = {}): Promise<AuthenticationResponseJSON> {
    return this.conditional.select(account, () =>
      this.waitForEvent("conditionalRequest", {
        predicate: (e) => !account.page || e.page === account.page,
        timeout: options.timeout ?? 30_000,
      }),
    );
  }

  /** Conditional get() requests waiting for `selectAccount()`, oldest first. */
  pendingConditionalRequests(): PendingConditionalRequest<P, F>[] {
    return this.conditional.pending();
  }

  /** Ends every pending ceremony and stops forwarding the Softkey's events; adapters remove their hooks after. */
  protected endSession(): void {
    this.detached = true;
    this.softkey.off("credentialDeleted", this.forwardDeletion);
    for (const { name, listener } of this.forwardProvider) this.softkey.off(name, listener as never);
    this.inFlight.abortAll(detachedError);
    this.conditional.rejectAll(detachedError);
  }

  /** A request from a page, with the caller's facts as the browser gave them. Context requests are the adapter's business. */
  answer(caller: Caller<P, F>, request: Exclude<WireRequest, { op: "context" }>): Promise<WireResponse> {
    if (request.op === "abort") return Promise.resolve(this.abort(caller.frame, request.id));
    return request.op === "static" ? this.static(caller, request) : this.run(caller, request);
  }

  private abort(frame: F, id: string): WireResponse {
    const aborted = this.inFlight.abort(frame, id, new WebAuthnError("AbortError", "the ceremony was aborted by its AbortSignal"));
    return { ok: true, aborted };
  }

  private async run(source: Caller<P, F>, request: CeremonyRequest): Promise<WireResponse> {
    const signal = this.inFlight.start(source.frame, request.id);
    let ceremony: CeremonySource<P, F> = { page: source.page, frame: source.frame, origin: source.facts.origin };
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
  private async static(source: Caller<P, F>, request: StaticRequest): Promise<WireResponse> {
    try {
      if (this.detached) throw detachedError();
      const { uvpaa, capabilities } = this;
      const value = await answerStatic(request, {
        softkey: this.softkey,
        client: this.client,
        origin: source.facts.origin,
        // Signals speak for the RP's own documents: a cross-origin frame may not send them.
        sameOriginWithAncestors: source.facts.ancestorOrigins.every((ancestor) => ancestor === source.facts.origin),
        ...(uvpaa === undefined ? {} : { userVerifyingPlatformAuthenticator: uvpaa }),
        ...(capabilities ? { capabilities } : {}),
      });
      return { ok: true, value };
    } catch (error) {
      return wireError(error);
    }
  }

  /**
   * One ceremony, run through the Softkey (so its own listeners see it too) with this
   * session's client; the session's event says which page and frame it served.
   */
  private async ceremony(ceremony: CeremonySource<P, F>, request: CeremonyRequest, signal: AbortSignal): Promise<RegistrationResponseJSON | AuthenticationResponseJSON> {
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
      if (this.listenerCount("credentialCreated") > 0) this.emit("credentialCreated", credentialCreatedEvent(ceremony, request.options, credential));
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
    if (this.listenerCount("credentialAsserted") > 0) this.emit("credentialAsserted", credentialAssertedEvent(ceremony, request.options, credential, conditional));
    return credential;
  }
}
