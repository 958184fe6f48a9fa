/**
 * Chromium's channel between the page shim and Node: a CDP session per page and per out-of-process
 * frame (cdpTarget.ts), through which the browser itself says who is calling. It carries two kinds
 * of call:
 *
 * - a top-level document's ceremonies, whole: faster than Playwright's `exposeBinding` (whose
 *   handles, stack capture and extra protocol layers cost more than the ceremony itself);
 * - for a document in a frame, a `context` request first: Node notes the calling context's facts
 *   under a fresh random token, which only that document receives. The ceremony then goes through
 *   Playwright's binding (which names the Playwright Frame, for events and aborts) carrying the
 *   token, and runs on the facts it stands for. A call through the binding without a valid token
 *   is refused: in Chromium no ceremony runs on Playwright's account of a frame (its URL), which is
 *   wrong for about:blank, srcdoc, data: and sandboxed documents.
 *
 * Other engines have no CDP: attach() does not use this channel there.
 */
import { randomBytes } from "node:crypto";
import type { BrowserContext, CDPSession, Frame, Page } from "playwright-core";
import type { CallerFacts } from "../browser/callerOrigin.js";
import { FrameRegistry } from "../browser/cdpFrames.js";
import { CdpTarget, type CdpCall, type FastChannelNames } from "../browser/cdpTarget.js";
import type { WireResponse } from "../browser/serialization.js";

export type { FastChannelNames } from "../browser/cdpTarget.js";

/** A top-level document's ceremony over CDP, with the caller's facts. */
export type FastHandler = (call: CdpCall<Page>, message: unknown) => Promise<WireResponse>;

/** How long a context token stays good: the shim spends it at once. */
const TOKEN_TTL_MS = 30_000;

/** One page's sessions (its own and its out-of-process frames'), its frame registry and the tokens it issued. */
class PageChannel {
  readonly frames = new FrameRegistry();
  private readonly targets = new Map<string, CdpTarget<Page>>();
  private readonly tokens = new Map<string, { facts: CallerFacts; expires: number }>();
  private closed = false;

  constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly names: FastChannelNames,
    private readonly handler: FastHandler,
  ) {}

  /** Starts with the page's own session; false when the engine has no CDP. */
  async start(): Promise<boolean> {
    let session: CDPSession;
    try {
      session = await this.context.newCDPSession(this.page);
    } catch {
      return false; // Firefox, WebKit
    }
    await this.adopt(session);
    // Frames in other processes (another site) have sessions of their own; a frame may move to one when it navigates.
    const onFrame = (frame: Frame): void => void this.watchFrame(frame);
    this.page.on("frameattached", onFrame);
    this.page.on("framenavigated", onFrame);
    for (const frame of this.page.frames()) void this.watchFrame(frame);
    return true;
  }

  /** Facts noted under `token` for a call from this page, spent by the lookup. */
  spend(token: unknown): CallerFacts | undefined {
    if (typeof token !== "string") return undefined;
    const entry = this.tokens.get(token);
    this.tokens.delete(token);
    return entry && entry.expires > Date.now() ? entry.facts : undefined;
  }

  private issue(facts: CallerFacts): string {
    const now = Date.now();
    for (const [token, entry] of this.tokens) if (entry.expires <= now) this.tokens.delete(token);
    const token = randomBytes(16).toString("base64url");
    this.tokens.set(token, { facts, expires: now + TOKEN_TTL_MS });
    return token;
  }

  private async watchFrame(frame: Frame): Promise<void> {
    if (this.closed || frame === this.page.mainFrame() || frame.isDetached()) return;
    let session: CDPSession;
    try {
      session = await this.context.newCDPSession(frame);
    } catch {
      return; // in the page's process: the page's session sees it
    }
    await this.adopt(session);
  }

  /** Start a session, unless one for the same target is already running (a frame that navigated within its process). */
  private async adopt(session: CDPSession): Promise<void> {
    const target = new CdpTarget<Page>(this.page, session, this.names, this.frames, (call, request) => this.call(call, request));
    try {
      const id = await target.targetId();
      if (this.closed || this.targets.has(id)) {
        await session.detach().catch(() => undefined);
        return;
      }
      this.targets.set(id, target);
      target.onClose(() => {
        if (this.targets.get(id) === target) this.targets.delete(id);
      });
      await target.start();
    } catch {
      // The page or frame closed while we set up: nothing left to serve.
      await session.detach().catch(() => undefined);
    }
  }

  private call(call: CdpCall<Page>, request: unknown): Promise<WireResponse> {
    const { op, ceremony } = typeof request === "object" && request !== null ? (request as { op?: unknown; ceremony?: unknown }) : {};
    if (op === "context") {
      // For a create(), user activation is read now, as close to the page's call as Node gets (Chrome reads it at the call).
      const facts = ceremony === "create" ? activationReadNow(call.facts) : call.facts;
      return Promise.resolve({ ok: true, context: this.issue(facts) });
    }
    if (!call.topLevel) {
      // A frame's ceremonies go through Playwright's binding with a token, so that they name their Playwright Frame.
      return Promise.resolve({ ok: false, name: "NotAllowedError", message: "softkey: a frame's ceremonies go through the page binding, with a context token" });
    }
    return this.handler(call, request);
  }

  async close(response: WireResponse): Promise<void> {
    this.closed = true;
    this.tokens.clear();
    await Promise.all([...this.targets.values()].map((target) => target.close(response)));
    this.targets.clear();
  }
}

/** Chromium channels for every page of a context (or one page); undefined when the engine has no CDP. */
export class CdpChannel {
  private readonly pages = new Map<Page, Promise<PageChannel | undefined>>();
  private stopWatching: () => void = () => undefined;
  private closed = false;

  private constructor(
    private readonly context: BrowserContext,
    private readonly names: FastChannelNames,
    private readonly handler: FastHandler,
  ) {}

  /** Opens the channel for the pages of `target`, now and (for a context) later; undefined when the engine has no CDP. */
  static async open(target: BrowserContext | Page, names: FastChannelNames, handler: FastHandler): Promise<CdpChannel | undefined> {
    const page = isPage(target) ? target : undefined;
    const context = page ? page.context() : (target as BrowserContext);
    const channel = new CdpChannel(context, names, handler);
    const pages = page ? [page] : context.pages();
    if (pages.length > 0) {
      if (!(await channel.add(pages[0]!))) return undefined; // not Chromium
      await Promise.all(pages.slice(1).map((p) => channel.add(p)));
    }
    if (!page) {
      const onPage = (p: Page): void => void channel.add(p);
      context.on("page", onPage);
      channel.stopWatching = () => context.off("page", onPage);
    }
    return channel;
  }

  /** The facts a context token from `page` stands for (spent), or undefined. */
  async spend(page: Page, token: unknown): Promise<CallerFacts | undefined> {
    return (await this.add(page))?.spend(token);
  }

  private add(page: Page): Promise<PageChannel | undefined> {
    let pending = this.pages.get(page);
    if (pending) return pending;
    pending = (async () => {
      if (this.closed || page.isClosed()) return undefined;
      const channel = new PageChannel(page, this.context, this.names, this.handler);
      if (!(await channel.start())) return undefined;
      if (this.closed) {
        await channel.close({ ok: false, name: "NotAllowedError", message: "softkey was detached" });
        return undefined;
      }
      return channel;
    })();
    this.pages.set(page, pending);
    page.once("close", () => this.pages.delete(page));
    return pending;
  }

  /** Stops serving, ending every pending call with `response`. */
  async close(response: WireResponse): Promise<void> {
    this.closed = true;
    this.stopWatching();
    const channels = await Promise.all(this.pages.values());
    this.pages.clear();
    await Promise.all(channels.map((c) => c?.close(response)));
  }
}

/** The facts with user activation read at once rather than when the ceremony asks. */
function activationReadNow(facts: CallerFacts): CallerFacts {
  const activation = facts.hasTransientActivation();
  activation.catch(() => undefined);
  return { ...facts, hasTransientActivation: () => activation };
}

function isPage(target: BrowserContext | Page): target is Page {
  return typeof (target as Page).mainFrame === "function";
}
