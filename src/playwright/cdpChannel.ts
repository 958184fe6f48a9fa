/**
 * Chromium's fast lane between the page shim and Node: a raw CDP session per
 * page (`context.newCDPSession(page)`) with `Runtime.addBinding`, instead of
 * Playwright's `exposeBinding` (whose handles, stack capture and extra
 * protocol layers cost more than the ceremony itself).
 *
 * Only top-level documents use it. The origin of a call is the browser's own
 * data, never the payload: the calling execution context (its id comes with
 * `Runtime.bindingCalled`) must be the default world of the page's main frame,
 * and its origin (from `Runtime.executionContextCreated`) must agree with the
 * main frame's URL as `Page.frameNavigated` last reported it. Anything else
 * (child frames, isolated worlds, about:blank and opaque documents, a context
 * this session has not seen) is answered "fallback", and the shim repeats the
 * call over `exposeBinding`, whose rules (frame origin, Permissions Policy)
 * then apply unchanged. Other engines have no CDP and use `exposeBinding` only.
 *
 * Replies go back with `Runtime.evaluate` in the calling context, to a
 * resolver the shim defines as a non-writable global.
 */
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import type { ShimConfig, WireResponse } from "./serialization.js";

/** Names the shim and this module agree on (`ShimConfig.fast`). */
export type FastChannelNames = NonNullable<ShimConfig["fast"]>;

/** What a fast call is known to come from: the page's main frame, with the origin Chromium reports for it. */
export interface FastCallSource {
  page: Page;
  origin: string;
}

/** The answer that sends the shim to the exposeBinding path. */
export const FALLBACK: WireResponse = { ok: false, fallback: true, name: "NotAllowedError", message: "softkey: use the Playwright binding" };

export type FastHandler = (source: FastCallSource, message: unknown) => Promise<WireResponse>;

interface ContextInfo {
  frameId: string;
  origin: string;
}

interface FrameTree {
  frame: { id: string; url: string; urlFragment?: string };
  childFrames?: FrameTree[];
}

/** One page's CDP session and what it has seen of the page's frames and contexts. */
class PageChannel {
  private mainFrameId: string | undefined;
  private readonly frameUrls = new Map<string, string>();
  /** Default-world contexts only: isolated worlds never get a fast answer. */
  private readonly contexts = new Map<number, ContextInfo>();
  private closed = false;

  constructor(
    readonly page: Page,
    private readonly session: CDPSession,
    private readonly names: FastChannelNames,
    private readonly handler: FastHandler,
  ) {}

  async start(): Promise<void> {
    const s = this.session;
    s.on("Page.frameNavigated", ({ frame }) => {
      this.frameUrls.set(frame.id, frame.url);
      if (frame.parentId === undefined) this.mainFrameId = frame.id;
    });
    s.on("Page.navigatedWithinDocument", ({ frameId, url }) => {
      if (this.frameUrls.has(frameId)) this.frameUrls.set(frameId, url);
    });
    s.on("Page.frameDetached", ({ frameId }) => {
      this.frameUrls.delete(frameId);
    });
    s.on("Runtime.executionContextCreated", ({ context }) => {
      const aux = context.auxData as { isDefault?: boolean; frameId?: string } | undefined;
      if (aux?.isDefault === true && typeof aux.frameId === "string") this.contexts.set(context.id, { frameId: aux.frameId, origin: context.origin });
    });
    s.on("Runtime.executionContextDestroyed", ({ executionContextId }) => {
      this.contexts.delete(executionContextId);
    });
    s.on("Runtime.executionContextsCleared", () => {
      this.contexts.clear();
    });
    s.on("Runtime.bindingCalled", ({ name, payload, executionContextId }) => {
      if (name === this.names.binding) this.called(payload, executionContextId);
    });
    await s.send("Page.enable");
    const { frameTree } = (await s.send("Page.getFrameTree")) as { frameTree: FrameTree };
    this.mainFrameId ??= frameTree.frame.id;
    const seed = (tree: FrameTree): void => {
      if (!this.frameUrls.has(tree.frame.id)) this.frameUrls.set(tree.frame.id, tree.frame.url + (tree.frame.urlFragment ?? ""));
      for (const child of tree.childFrames ?? []) seed(child);
    };
    seed(frameTree);
    await s.send("Runtime.enable");
    await s.send("Runtime.addBinding", { name: this.names.binding });
  }

  /** The calling document's origin if it is the main frame's default world and Chromium's two accounts of it agree. */
  private originOf(executionContextId: number): string | undefined {
    const context = this.contexts.get(executionContextId);
    if (!context || context.frameId !== this.mainFrameId) return undefined;
    const url = this.frameUrls.get(context.frameId);
    if (url === undefined) return undefined;
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      return undefined;
    }
    return origin !== "null" && origin === context.origin ? origin : undefined;
  }

  private called(payload: string, executionContextId: number): void {
    let call: unknown;
    let request: unknown;
    try {
      ({ call, request } = JSON.parse(payload) as { call: unknown; request: unknown });
    } catch {
      return; // nothing to answer: the shim always sends a call number
    }
    if (typeof call !== "number" || !Number.isSafeInteger(call)) return;
    const origin = this.originOf(executionContextId);
    if (origin === undefined || this.closed) {
      this.reply(executionContextId, call, FALLBACK);
      return;
    }
    this.handler({ page: this.page, origin }, request).then(
      (response) => this.reply(executionContextId, call, response),
      (error: unknown) =>
        this.reply(executionContextId, call, { ok: false, name: "NotAllowedError", message: `softkey: ${error instanceof Error ? error.message : String(error)}` }),
    );
  }

  private reply(contextId: number, call: number | null, response: WireResponse): Promise<void> {
    // JSON is a JavaScript expression: nothing in the response can escape its string literals.
    const expression = `globalThis[${JSON.stringify(this.names.reply)}]?.(${JSON.stringify(call)}, ${JSON.stringify(response)})`;
    return this.session.send("Runtime.evaluate", { contextId, expression, silent: true }).then(
      () => undefined,
      () => undefined, // the document is gone (navigation, close): nobody is waiting
    );
  }

  /** Ends every pending fast call in the page with `response` and lets go of the session. */
  async close(response: WireResponse): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.send("Runtime.removeBinding", { name: this.names.binding }).catch(() => undefined);
    await Promise.all([...this.contexts.keys()].map((id) => this.reply(id, null, response)));
    await this.session.detach().catch(() => undefined);
  }
}

/** Fast channels for every page of a context (or one page); a no-op outside Chromium. */
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

  private add(page: Page): Promise<PageChannel | undefined> {
    let pending = this.pages.get(page);
    if (pending) return pending;
    pending = (async () => {
      if (this.closed || page.isClosed()) return undefined;
      let session: CDPSession;
      try {
        session = await this.context.newCDPSession(page);
      } catch {
        return undefined; // Firefox, WebKit: exposeBinding only
      }
      const channel = new PageChannel(page, session, this.names, this.handler);
      try {
        await channel.start();
      } catch {
        // A page closing while we set up: exposeBinding covers whatever is left.
        await session.detach().catch(() => undefined);
        return undefined;
      }
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

  /** Stops serving, ending every pending fast call with `response`. */
  async close(response: WireResponse): Promise<void> {
    this.closed = true;
    this.stopWatching();
    const channels = await Promise.all(this.pages.values());
    this.pages.clear();
    await Promise.all(channels.map((c) => c?.close(response)));
  }
}

function isPage(target: BrowserContext | Page): target is Page {
  return typeof (target as Page).mainFrame === "function";
}
