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
import type { CallerFacts } from "../browser/callerOrigin.js";
import type { CdpCall } from "../browser/cdpTarget.js";
import { initScript } from "../browser/pageShim.js";
import { BrowserSession, MALFORMED, type SessionOptions } from "../browser/session.js";
import { shimConfig } from "../browser/shimConfig.js";
import { parseRequest, wireError } from "../browser/wireRequest.js";
import { WebAuthnError } from "../client/index.js";
import type { WireResponse } from "../browser/serialization.js";
import { CdpChannel } from "./cdpChannel.js";
import { urlCallerFacts } from "./frameOrigin.js";

export interface AttachOptions extends SessionOptions {
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

export class SoftkeyAttachment extends BrowserSession<Page, Frame> {
  private readonly disposables: Disposable[] = [];
  private cdp: CdpChannel | undefined;

  private constructor(options: AttachOptions) {
    super(options, (source) => source.page.isClosed() || source.frame.isDetached());
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
    return attachment;
  }

  /**
   * The browser mediated a sign-in on this page's origin (or `origin`), say the user autofilled a
   * saved password for `userName`: a conditional create there may follow (WebAuthn L3 section 5.1.3).
   */
  override recordMediatedSignIn(signIn: { page?: Page; origin?: string; userName?: string }): void {
    const origin = signIn.origin ?? (signIn.page ? new URL(signIn.page.url()).origin : undefined);
    if (!origin) throw new Error("softkey: recordMediatedSignIn needs a page or an origin");
    super.recordMediatedSignIn({ origin, ...(signIn.userName !== undefined ? { userName: signIn.userName } : {}) });
  }

  /** Remove the binding and the init script, and end every pending ceremony. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.endSession();
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
    if (request.op === "abort") return this.answer({ page: source.page, frame: source.frame, facts: NO_FACTS }, request);
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
    return this.answer({ page: source.page, frame: source.frame, facts }, request);
  }

  /** A call through the CDP channel from a page's top-level document, with Chromium's facts about it. */
  private handleFast(call: CdpCall<Page>, message: unknown): Promise<WireResponse> {
    const request = parseRequest(message);
    if (!request) return Promise.resolve(MALFORMED);
    if (request.op === "context") return Promise.resolve({ ok: false, name: "NotAllowedError", message: "softkey: unexpected context request" });
    return this.answer({ page: call.page, frame: call.page.mainFrame(), facts: call.facts }, request);
  }
}

/** An abort names no facts: it only ends the caller's own ceremony. */
const NO_FACTS: CallerFacts = { origin: "null", ancestorOrigins: [], allowsFeature: () => Promise.resolve(undefined), hasTransientActivation: () => Promise.resolve(undefined) };

function isPage(target: BrowserContext | Page): target is Page {
  return typeof (target as Page).mainFrame === "function";
}
