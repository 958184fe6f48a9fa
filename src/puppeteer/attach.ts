/**
 * softkey in a Puppeteer page: `attach(page, { softkey })` installs the page shim
 * (../browser/pageShim.ts) in the page's documents, now and after every navigation, and answers
 * them over the browser's own protocol, which also names the calling document:
 *
 * - Chromium (CDP): a binding in every document (`Runtime.addBinding`) on softkey's own CDP
 *   sessions of the page and its out-of-process frames (./cdpPage.ts); Chromium reports the calling
 *   execution context's origin, its ancestors', the frame's Permissions Policy and user activation.
 * - Firefox (WebDriver BiDi): a preload script with a channel argument (../browser/bidiChannel.ts);
 *   the browser reports the calling realm's origin and the frames above it.
 *
 * The origin of each ceremony follows from those facts (../browser/callerOrigin.ts), never from the
 * page. Ceremonies run through the Softkey, so its own listeners see them too.
 */
import type { Frame, Page } from "puppeteer-core";
import { BidiChannel, type BidiCall, type BidiConnectionLike } from "../browser/bidiChannel.js";
import type { CdpCall } from "../browser/cdpTarget.js";
import { initScript, shimFunction } from "../browser/pageShim.js";
import type { WireResponse } from "../browser/serialization.js";
import { BrowserSession, MALFORMED, type Caller, type SessionOptions } from "../browser/session.js";
import { shimConfig } from "../browser/shimConfig.js";
import { parseRequest } from "../browser/wireRequest.js";
import { CdpPageChannel } from "./cdpPage.js";

export interface AttachOptions extends SessionOptions {
  /** The prefix of the globals the shim defines in each document; change it only if it clashes with the page's own. */
  bindingName?: string;
}

const DEFAULT_BINDING = "__softkeyPuppeteer";
const DETACHED: WireResponse = { ok: false, name: "NotAllowedError", message: "softkey was detached" };

/** Install softkey into a Puppeteer page (Chromium over CDP, Firefox over WebDriver BiDi). */
export function attach(page: Page, options: AttachOptions): Promise<PuppeteerAttachment> {
  try {
    checkAttachArguments(page, options);
  } catch (error) {
    return Promise.reject(error); // an async API: the mistake arrives where the await is
  }
  return PuppeteerAttachment.install(page, options);
}

function checkAttachArguments(page: unknown, options: unknown): void {
  const usage = "attach(page, { softkey }) takes a Puppeteer Page and an open Softkey";
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
  if (!isObject(page) || typeof page.mainFrame !== "function" || typeof page.browser !== "function" || typeof page.evaluateOnNewDocument !== "function") {
    throw new TypeError(`softkey: ${usage}: the first argument is not a Puppeteer Page`);
  }
  if (!isObject(options)) throw new TypeError(`softkey: ${usage}: the options are missing`);
  const softkey = options.softkey;
  if (softkey === undefined) throw new TypeError(`softkey: ${usage}: options.softkey is missing (const softkey = await Softkey.open(dir, { passphrase }))`);
  if (!isObject(softkey) || typeof softkey.create !== "function" || typeof softkey.get !== "function" || typeof softkey.on !== "function") {
    throw new TypeError(`softkey: ${usage}: options.softkey is not a Softkey (from Softkey.open or Softkey.init)`);
  }
}

/** The shim's settings in a Puppeteer page: every document, frames too, posts through the fast channel. */
function pageShimConfig(options: AttachOptions) {
  return shimConfig({ ...options, bindingName: options.bindingName ?? DEFAULT_BINDING, fastFrames: true });
}

/** The shim as the function a WebDriver BiDi preload script runs with its channel (for one preload script shared by every tab: ./connectOverBidi.ts). */
export function bidiShim(options: AttachOptions): string {
  return shimFunction(pageShimConfig(options));
}

/** Puppeteer's id of a frame: the CDP frame id, or the BiDi browsing context id. Not in its public types. */
function frameId(frame: Frame): string | undefined {
  const id = (frame as unknown as { _id?: unknown })._id;
  return typeof id === "string" ? id : undefined;
}

export class PuppeteerAttachment extends BrowserSession<Page, Frame> {
  private cdp: CdpPageChannel | undefined;
  private bidi: BidiChannel | undefined;
  private scriptId: string | undefined;

  private constructor(
    readonly page: Page,
    options: AttachOptions,
  ) {
    super(options, (source) => source.page.isClosed() || source.frame.detached);
  }

  /** Which protocol softkey speaks to this page's browser. */
  get protocol(): "cdp" | "webDriverBiDi" {
    return this.bidi ? "webDriverBiDi" : "cdp";
  }

  /** `sharedBidiChannel`: over WebDriver BiDi, the channel of a preload script the caller added for every tab with `bidiShim` (BidiChannel). */
  static async install(page: Page, options: AttachOptions, sharedBidiChannel?: string): Promise<PuppeteerAttachment> {
    const attachment = new PuppeteerAttachment(page, options);
    const config = pageShimConfig(options);
    const names = config.fast!;
    const browser = page.browser();
    // `protocol` is "cdp" or "webDriverBiDi" at runtime, but internal in Puppeteer's types.
    if ((browser as unknown as { protocol?: string }).protocol === "webDriverBiDi") {
      const connection = (browser as unknown as { connection?: BidiConnectionLike }).connection;
      const top = frameId(page.mainFrame());
      if (!connection || typeof connection.send !== "function" || top === undefined) {
        throw new Error("softkey: this Puppeteer version does not expose its WebDriver BiDi connection; softkey/puppeteer needs puppeteer-core 24");
      }
      attachment.bidi = new BidiChannel(connection, top, names.reply, (call, request) => attachment.handleBidi(call, request), sharedBidiChannel);
      await attachment.bidi.open(shimFunction(config));
      return attachment;
    }
    attachment.cdp = await CdpPageChannel.open(page, names, (call, request) => attachment.handleCdp(call, request));
    const script = initScript(config);
    attachment.scriptId = (await page.evaluateOnNewDocument(script)).identifier;
    // Documents already loaded get the shim now; the script above covers every later one.
    await Promise.all(page.frames().map((frame) => frame.evaluate(script).catch(() => undefined)));
    return attachment;
  }

  /** Remove the shim from later documents, and end every pending ceremony. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.endSession();
    await this.cdp?.close(DETACHED);
    await this.bidi?.close(DETACHED);
    if (this.scriptId !== undefined) await this.page.removeScriptToEvaluateOnNewDocument(this.scriptId).catch(() => undefined);
  }

  private frameOf(id: string): Frame {
    return this.page.frames().find((frame) => frameId(frame) === id) ?? this.page.mainFrame();
  }

  private handleCdp(call: CdpCall<Page>, message: unknown): Promise<WireResponse> {
    return this.handle({ page: this.page, frame: this.frameOf(call.frameId), facts: call.facts }, message);
  }

  private handleBidi(call: BidiCall, message: unknown): Promise<WireResponse> {
    return this.handle({ page: this.page, frame: this.frameOf(call.context), facts: call.facts }, message);
  }

  private handle(caller: Caller<Page, Frame>, message: unknown): Promise<WireResponse> {
    const request = parseRequest(message);
    if (!request) return Promise.resolve(MALFORMED);
    if (request.op === "context") return Promise.resolve({ ok: false, name: "NotAllowedError", message: "softkey: unexpected context request" });
    return this.answer(caller, request);
  }
}
