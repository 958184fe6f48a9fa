/**
 * softkey in a Playwright browser context: `attach(contextOrPage, { softkey })`
 * installs the page shim (./pageShim.ts) in every page and frame and
 * exposes the binding it calls. Node runs each ceremony through softkey's
 * WebAuthn client and the CTAP core; the page only ever sees the JSON
 * credential that comes back. The origin is the calling frame's, taken from
 * Playwright (./frameOrigin.ts). In Chromium, top-level documents call over
 * a CDP session of their page instead (./cdpChannel.ts), which is faster and
 * takes the origin from Chromium's own account of the calling context.
 * Ceremonies run through the Softkey, so its own listeners see them too.
 * Alongside: the shim's settings (./shimConfig.ts), the page's requests
 * (./wireRequest.ts), ceremonies under way (./inFlight.ts), autofill
 * (./conditionalRequests.ts) and the events it emits (./pageCeremonyEvents.ts).
 */
import type { BrowserContext, Disposable, Frame, Page } from "playwright-core";
import type { Softkey } from "../softkey.js";
import type { CredentialDeletedEvent } from "../softkeyEvents.js";
import {
  WebAuthnError,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type SelectCredential,
  type WebAuthnClient,
} from "../client/index.js";
import { CdpChannel, type FastCallSource } from "./cdpChannel.js";
import { ConditionalRequests, type AccountSelector, type PendingConditionalRequest } from "./conditionalRequests.js";
import { TypedEvents, type CeremonySource, type SoftkeyEventMap } from "./events.js";
import { frameOrigin, permissionsPolicyAllows, topOrigin } from "./frameOrigin.js";
import { InFlightCeremonies } from "./inFlight.js";
import { credentialAssertedEvent, credentialCreatedEvent } from "./pageCeremonyEvents.js";
import { initScript } from "./pageShim.js";
import type { WireRequest, WireResponse } from "./serialization.js";
import { shimConfig } from "./shimConfig.js";
import { parseRequest, wireError } from "./wireRequest.js";

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

type CeremonyRequest = Exclude<WireRequest, { op: "abort" }>;

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
  /** Deletions are the Softkey's own event, passed on as they are. */
  private readonly forwardDeletion = (event: CredentialDeletedEvent): void => this.emit("credentialDeleted", event);
  private detached = false;

  private constructor(private readonly options: AttachOptions) {
    super();
    this.softkey = options.softkey;
    this.client = options.client ?? options.softkey.client;
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
    return attachment;
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
    this.inFlight.abortAll(detachedError);
    this.conditional.rejectAll(detachedError);
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
      const aborted = this.inFlight.abort(source.frame, request.id, new WebAuthnError("AbortError", "the ceremony was aborted by its AbortSignal"));
      return { ok: true, aborted };
    }
    const { origin, topOrigin: top } = source;
    const ceremony: CeremonySource = { page: source.page, frame: source.frame, origin, ...(top === undefined ? {} : { topOrigin: top }) };
    const signal = this.inFlight.start(source.frame, request.id);
    try {
      return { ok: true, credential: await this.ceremony(source, ceremony, request, signal) };
    } catch (error) {
      const failure = wireError(error);
      this.emit("ceremonyFailed", { ...ceremony, ceremony: request.op, name: failure.name, message: failure.message });
      return failure;
    } finally {
      this.inFlight.end(source.frame, request.id);
    }
  }

  /**
   * One ceremony, run through the Softkey (so its own listeners see it too) with this
   * attachment's client; the attachment's event says which page and frame it served.
   */
  private async ceremony(
    source: Caller,
    ceremony: CeremonySource,
    request: CeremonyRequest,
    signal: AbortSignal,
  ): Promise<RegistrationResponseJSON | AuthenticationResponseJSON> {
    if (this.detached) throw detachedError();
    const { origin, topOrigin: top } = source;
    if (request.origin !== origin) {
      // The page reports an opaque origin (a sandboxed frame) or one Playwright does not
      // see for this frame: refuse rather than guess. The page can only ever make this stricter.
      throw new WebAuthnError("NotAllowedError", `the calling document's origin "${request.origin}" is opaque or is not its frame's origin "${origin}"`);
    }
    const feature = request.op === "create" ? "publickey-credentials-create" : "publickey-credentials-get";
    if (top !== undefined && !(await permissionsPolicyAllows(source.frame, feature))) {
      throw new WebAuthnError("NotAllowedError", `the '${feature}' feature is not delegated to this cross-origin frame (iframe allow attribute)`);
    }
    const call = { origin, signal, client: this.client, ...(top === undefined ? {} : { topOrigin: top }) };
    if (request.op === "create") {
      if (request.mediation === "conditional") {
        throw new WebAuthnError("NotSupportedError", "softkey does not support conditional create (getClientCapabilities().conditionalCreate is false)");
      }
      const credential = await this.softkey.create(request.options, call);
      this.emit("credentialCreated", credentialCreatedEvent(ceremony, request.options, credential));
      return credential;
    }
    const conditional = request.mediation === "conditional";
    const { selectCredential } = this.options;
    const credential = conditional
      ? await this.conditional.run(ceremony, request.options, signal, (options) => this.softkey.get(options, call))
      : await this.softkey.get(request.options, { ...call, ...(selectCredential ? { selectCredential } : {}) });
    this.emit("credentialAsserted", credentialAssertedEvent(ceremony, request.options, credential, conditional));
    return credential;
  }
}

function isPage(target: BrowserContext | Page): target is Page {
  return typeof (target as Page).mainFrame === "function";
}
