/**
 * A channel between the page shim and Node over classic WebDriver, for a browser without WebDriver
 * BiDi (WebKitGTK's WebKitWebDriver): classic WebDriver has no preload scripts and no events, so
 *
 * - the shim is injected with Execute Script into the top-level document right after each
 *   navigation command (./commandGate.ts), when a poll finds it missing (a click that loaded a
 *   page), or at once through `inject()`;
 * - the shim posts its requests into a queue in the document, which Node drains by POLLING with
 *   short Execute Script calls. Never one long pending Execute Async Script: WebKitGTK runs a
 *   session's commands one after another, and a script left pending blocks the test's own
 *   commands (`driver.get` hung forever in an earlier attempt);
 * - answers go back with Execute Script to the shim's resolver (a non-writable global), only
 *   into the document that asked: each injection has a token of Node's, checked before delivery.
 *
 * Commands go one at a time (./commandGate.ts): WebKitWebDriver loses a pending navigation when
 * another command arrives meanwhile.
 *
 * The caller's origin is the top-level document's, from the driver's Get Current URL, never from
 * the page. It must agree with `location.href` read by the draining script in the same document
 * (an unforgeable attribute), else the requests are refused: a navigation between the two would
 * otherwise answer one document's requests with another's origin. Classic WebDriver says nothing
 * about frames: softkey injects only into top-level documents, and a document in a frame gets no
 * shim (in WebKitGTK: no WebAuthn at all).
 */
import { randomBytes } from "node:crypto";
import { parsePagePost } from "../browser/wireRequest.js";
import { OPAQUE_ORIGIN, type CallerFacts } from "../browser/callerOrigin.js";
import type { WireResponse } from "../browser/serialization.js";
import { CommandGate } from "./commandGate.js";
import type { WebDriverLike } from "./driver.js";

/** A drained request: the window it came from and the browser's facts about its document. */
export interface ClassicCall {
  window: string;
  facts: CallerFacts;
}

export type ClassicCallHandler = (call: ClassicCall, request: unknown) => Promise<WireResponse>;

/** What the draining script returns: nothing to do, not a top-level document, or the document's queue. */
type Drained = null | "frame" | "loading" | { token: string; href: string; posts: string[] };

const DRAIN = `
  if (window.top !== window) return "frame";
  const queue = Object.getOwnPropertyDescriptor(globalThis, arguments[0]);
  if (!queue) return document.readyState === "complete" ? null : "loading";
  return { token: queue.value.token, href: location.href, posts: queue.value.drain() };`;

const REPLY = `
  const [queueName, token, replyName, call, response] = arguments;
  const queue = Object.getOwnPropertyDescriptor(globalThis, queueName);
  if (!queue || queue.value.token !== token) return false;
  const reply = globalThis[replyName];
  if (typeof reply === "function") reply(call, response);
  return true;`;

/** The serialized origin of a URL; "null" for an opaque one (about:blank, data:). */
function originOf(url: string): string {
  try {
    return new URL(url).origin; // "null" already for an opaque one
  } catch {
    return OPAQUE_ORIGIN;
  }
}

export class ClassicChannel {
  /** The global holding the document's queue and its token. */
  private readonly queueName = `__softkeyQueue${randomBytes(6).toString("hex")}`;
  /** Tokens of documents with calls under way, answered with the closing response when the channel closes. */
  private readonly waiting = new Map<string, Set<number>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  private readonly gate: CommandGate;

  constructor(
    private readonly driver: WebDriverLike,
    /** The shim as a function of its post function (pageShim.ts's shimFunction). */
    private readonly shim: string,
    /** The global the shim answers through (ShimConfig.fast.reply). */
    private readonly replyName: string,
    private readonly handler: ClassicCallHandler,
    private readonly interval: number,
  ) {
    this.gate = new CommandGate(driver, () => this.inject());
  }

  /** Injects the shim into the current top-level document and starts polling. */
  async open(): Promise<void> {
    await this.inject();
    this.schedule();
  }

  /** Installs the shim in the current document now, if it is top-level and lacks it; true when it is there. */
  async inject(): Promise<boolean> {
    const script = `
      if (window.top !== window) return false;
      if (Object.getOwnPropertyDescriptor(globalThis, arguments[0])) return true;
      const queue = [];
      Object.defineProperty(globalThis, arguments[0], {
        value: Object.freeze({ token: arguments[1], drain: () => queue.splice(0) }),
        writable: false, enumerable: false, configurable: false,
      });
      (${this.shim})((payload) => { queue.push(String(payload)); });
      return true;`;
    return this.driver.executeScript<boolean>(script, this.queueName, randomBytes(16).toString("hex"));
  }

  /**
   * Stops polling; the current document's calls, waiting or still queued, end with `closing`, and
   * its shim learns that softkey is gone (later calls reject at once instead of waiting for a poll).
   */
  async close(closing: WireResponse): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.polling;
    const current = await this.driver.executeScript<Drained>(DRAIN, this.queueName).catch(() => null);
    const tokens = new Set(this.waiting.keys());
    if (current !== null && typeof current === "object" && typeof current.token === "string") tokens.add(current.token);
    for (const token of tokens) await this.reply(token, null, closing);
    this.waiting.clear();
    this.gate.release();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.schedule();
      });
    }, this.interval);
    this.timer.unref(); // polling alone does not keep the test's process alive
  }

  private async poll(): Promise<void> {
    let drained: Drained;
    try {
      drained = await this.driver.executeScript<Drained>(DRAIN, this.queueName);
    } catch (error) {
      // A navigation under way or a user prompt open: try again next time. A session that is gone: stop.
      if (error instanceof Error && error.name === "NoSuchSessionError") this.closed = true;
      return;
    }
    // The test switched into a frame (classic WebDriver cannot tell its origin), or a document is
    // still loading: injecting into it made WebKitWebDriver's pending Navigate To never return.
    if (drained === "frame" || drained === "loading") return;
    if (drained === null) {
      await this.inject().catch(() => undefined);
      return;
    }
    if (typeof drained !== "object" || typeof drained.token !== "string" || typeof drained.href !== "string" || !Array.isArray(drained.posts)) return;
    const posts = drained.posts.filter((post): post is string => typeof post === "string");
    if (posts.length === 0) return;
    const [url, window] = await Promise.all([this.driver.getCurrentUrl(), this.driver.getWindowHandle()]);
    const origin = originOf(url);
    const agreed = originOf(drained.href) === origin;
    for (const post of posts) this.received(drained.token, window, agreed ? origin : undefined, post);
  }

  private received(token: string, window: string, origin: string | undefined, post: string): void {
    const parsed = parsePagePost(post);
    if (!parsed) return;
    const { call, request } = parsed;
    const pending = this.waiting.get(token) ?? new Set<number>();
    this.waiting.set(token, pending);
    pending.add(call);
    const answer: Promise<WireResponse> =
      origin === undefined
        ? Promise.resolve({ ok: false, name: "NotAllowedError", message: "softkey: the document navigated while its request was read" })
        : this.handler(
            {
              window,
              facts: {
                origin,
                ancestorOrigins: [],
                allowsFeature: () => Promise.resolve(undefined),
                hasTransientActivation: () => Promise.resolve(undefined),
              },
            },
            request,
          );
    answer.then(
      (response) => this.reply(token, call, response),
      (error: unknown) => this.reply(token, call, { ok: false, name: "NotAllowedError", message: `softkey: ${error instanceof Error ? error.message : String(error)}` }),
    );
  }

  private async reply(token: string, call: number | null, response: WireResponse): Promise<void> {
    const pending = this.waiting.get(token);
    if (call !== null && pending) {
      pending.delete(call);
      if (pending.size === 0) this.waiting.delete(token);
    }
    await this.driver.executeScript(REPLY, this.queueName, token, this.replyName, call, JSON.stringify(response)).catch(() => undefined); // the document is gone: nobody is waiting
  }
}
