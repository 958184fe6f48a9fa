/**
 * softkey in a WebDriver session (selenium-webdriver's `WebDriver`, WebdriverIO's `browser` over
 * BiDi, or anything of the shapes in ./driver.ts): `attach(driver, { softkey })` installs the page shim (../browser/pageShim.ts) in the
 * session's window and answers it over the best channel the browser has:
 *
 * - WebDriver BiDi (the session was created with `webSocketUrl: true`; Chromium through
 *   chromedriver, Firefox): a preload script with a channel (../browser/bidiChannel.ts), in every
 *   later document and frame of the window; the browser reports each calling realm's origin and
 *   the frames above it.
 * - classic WebDriver only (WebKitGTK's WebKitWebDriver): the shim injected by Execute Script and
 *   its requests polled (./classicChannel.ts), top-level documents only, the origin from Get
 *   Current URL.
 *
 * Either way the origin of each ceremony is computed on the driver's side, never taken from the
 * page (../browser/callerOrigin.ts). Ceremonies run through the Softkey, so its listeners see them.
 */
import { BidiChannel, type BidiCall } from "../browser/bidiChannel.js";
import { shimFunction } from "../browser/pageShim.js";
import type { WireResponse } from "../browser/serialization.js";
import { BrowserSession, MALFORMED, type Caller, type SessionOptions } from "../browser/session.js";
import { shimConfig } from "../browser/shimConfig.js";
import { parseRequest } from "../browser/wireRequest.js";
import { ClassicChannel, type ClassicCall } from "./classicChannel.js";
import { bidiOf, isWebDriver, isWebdriverIO, webdriverioBidi, type AnyWebDriver } from "./driver.js";

export interface AttachOptions extends SessionOptions {
  /** The prefix of the globals the shim defines in each document; change it only if it clashes with the page's own. */
  bindingName?: string;
  /** Classic WebDriver only: how often (ms) softkey looks for the page's requests; default 50. */
  pollInterval?: number;
}

/** A window (its handle) or, over BiDi, a browsing context (its id, a frame's included): what events name as `frame`. */
export interface WebDriverFrame {
  readonly context: string;
}

const DEFAULT_BINDING = "__softkeyWebDriver";
const DETACHED: WireResponse = { ok: false, name: "NotAllowedError", message: "softkey was detached" };
const SCRIPT_EVENTS = ["script.message", "script.realmCreated", "script.realmDestroyed"];

/** Install softkey into a WebDriver session's current window. */
export function attach(driver: AnyWebDriver, options: AttachOptions): Promise<WebDriverAttachment> {
  try {
    checkAttachArguments(driver, options);
  } catch (error) {
    return Promise.reject(error); // an async API: the mistake arrives where the await is
  }
  return WebDriverAttachment.install(driver, options);
}

function checkAttachArguments(driver: unknown, options: unknown): void {
  const usage = "attach(driver, { softkey }) takes a selenium-webdriver WebDriver (or a WebdriverIO browser) and an open Softkey";
  if (isWebdriverIO(driver)) {
    if (driver.isBidi !== true) throw new TypeError(`softkey: ${usage}: softkey drives WebdriverIO over WebDriver BiDi only; this session has none (capability webSocketUrl: true)`);
  } else if (!isWebDriver(driver)) throw new TypeError(`softkey: ${usage}: the first argument is not a WebDriver`);
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;
  if (!isObject(options)) throw new TypeError(`softkey: ${usage}: the options are missing`);
  const softkey = options.softkey;
  if (softkey === undefined) throw new TypeError(`softkey: ${usage}: options.softkey is missing (const softkey = await Softkey.open(dir, { passphrase }))`);
  if (!isObject(softkey) || typeof softkey.create !== "function" || typeof softkey.get !== "function" || typeof softkey.on !== "function") {
    throw new TypeError(`softkey: ${usage}: options.softkey is not a Softkey (from Softkey.open or Softkey.init)`);
  }
  if (options.pollInterval !== undefined && !(typeof options.pollInterval === "number" && options.pollInterval > 0)) {
    throw new TypeError(`softkey: ${usage}: options.pollInterval must be a positive number of milliseconds`);
  }
}

export class WebDriverAttachment extends BrowserSession<AnyWebDriver, WebDriverFrame> {
  private bidi: BidiChannel | undefined;
  private classic: ClassicChannel | undefined;
  private unsubscribe: (() => Promise<unknown>) | undefined;
  private readonly frames = new Map<string, WebDriverFrame>();

  private constructor(
    readonly driver: AnyWebDriver,
    options: AttachOptions,
  ) {
    super(options);
  }

  /** Which protocol softkey speaks to this session's browser. */
  get protocol(): "webDriverBiDi" | "classic" {
    return this.bidi ? "webDriverBiDi" : "classic";
  }

  static async install(driver: AnyWebDriver, options: AttachOptions): Promise<WebDriverAttachment> {
    const attachment = new WebDriverAttachment(driver, options);
    const config = shimConfig({ ...options, bindingName: options.bindingName ?? DEFAULT_BINDING, fastFrames: true });
    const names = config.fast!;
    const top = await driver.getWindowHandle();
    const connection = isWebdriverIO(driver) ? webdriverioBidi(driver) : await bidiOf(driver);
    if (connection) {
      // WebDriver BiDi's window handle is the top-level browsing context's id.
      const subscription = (await connection.send("session.subscribe", { events: SCRIPT_EVENTS, contexts: [top] })).result as { subscription?: string } | undefined;
      const id = subscription?.subscription;
      attachment.unsubscribe = () =>
        connection.send("session.unsubscribe", id !== undefined ? { subscriptions: [id] } : { events: SCRIPT_EVENTS, contexts: [top] }).catch(() => undefined);
      attachment.bidi = new BidiChannel(connection, top, names.reply, (call, request) => attachment.handleBidi(call, request));
      await opened(attachment, attachment.bidi.open(shimFunction(config)));
      return attachment;
    }
    if (isWebdriverIO(driver)) throw new Error("softkey: this WebdriverIO session has no WebDriver BiDi");
    attachment.classic = new ClassicChannel(driver, shimFunction(config), names.reply, (call, request) => attachment.handleClassic(call, request), options.pollInterval ?? 50);
    await opened(attachment, attachment.classic.open());
    return attachment;
  }

  /**
   * Classic WebDriver: install the shim in the current document now, rather than at the next poll
   * (call it after `driver.get()` when the page uses WebAuthn as it loads). Over BiDi the preload
   * script has done it already. True when the shim is there (not in a frame).
   */
  async inject(): Promise<boolean> {
    return this.classic ? this.classic.inject() : true;
  }

  /** Stop answering and remove the shim from later documents; every pending ceremony ends. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.endSession();
    await this.classic?.close(DETACHED);
    await this.bidi?.close(DETACHED);
    await this.unsubscribe?.();
  }

  private frameOf(context: string): WebDriverFrame {
    let frame = this.frames.get(context);
    if (!frame) this.frames.set(context, (frame = Object.freeze({ context })));
    return frame;
  }

  private handleBidi(call: BidiCall, message: unknown): Promise<WireResponse> {
    return this.handle({ page: this.driver, frame: this.frameOf(call.context), facts: call.facts }, message);
  }

  private handleClassic(call: ClassicCall, message: unknown): Promise<WireResponse> {
    return this.handle({ page: this.driver, frame: this.frameOf(call.window), facts: call.facts }, message);
  }

  private handle(caller: Caller<AnyWebDriver, WebDriverFrame>, message: unknown): Promise<WireResponse> {
    const request = parseRequest(message);
    if (!request) return Promise.resolve(MALFORMED);
    if (request.op === "context") return Promise.resolve({ ok: false, name: "NotAllowedError", message: "softkey: unexpected context request" });
    return this.answer(caller, request);
  }
}

/**
 * A failed install leaves the driver as it was: the classic bridge's command gate wraps the
 * driver's `execute` and a BiDi subscription listens, so both are undone before the error goes on.
 */
async function opened(attachment: WebDriverAttachment, opening: Promise<unknown>): Promise<void> {
  try {
    await opening;
  } catch (error) {
    await attachment.detach().catch(() => undefined);
    throw error;
  }
}
