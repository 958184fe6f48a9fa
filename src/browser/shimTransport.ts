/**
 * How a page's calls reach Node, at the page's end: the one part of the shim that differs between
 * adapters (ShimConfig says which).
 *
 * - `binding`: a function the framework exposes in every frame (Playwright's exposeBinding), which
 *   returns the answer. The framework names the calling frame; the origin comes from elsewhere.
 * - `fast`: a post-and-reply channel through the browser's own protocol, which names the calling
 *   document itself: a CDP binding (`Runtime.addBinding`, its `bindingCalled` event names the
 *   execution context) or a WebDriver BiDi channel (`script.addPreloadScript`'s channel argument,
 *   its `script.message` event names the realm). Calls are numbered per document and answered
 *   through a global the page cannot replace. With `fast.frames` every document uses it; without,
 *   a document in a frame first asks it for a context token, then sends its ceremonies through the
 *   binding with the token (Playwright in Chromium: so that its calls name their Playwright Frame).
 *
 * Runs in the page, serialised with Function.prototype.toString(): self-contained, like pageShim.ts.
 */
import type { ShimConfig, WireRequest, WireResponse } from "./serialization.js";

type Send = (request: WireRequest) => Promise<WireResponse>;

export interface PageTransport {
  /** Whether softkey is attached to this document (any channel is there). */
  attached(): boolean;
  /** The channel for one call, once it is ready; throws a DOMException-like error when it cannot be. */
  channelFor(id: string, kind: "create" | "get" | "static"): Promise<{ ceremony: Send; abort: Send }>;
}

interface TransportGlobals {
  [name: string]: unknown;
  top?: unknown;
  setTimeout?: (handler: () => void, ms: number) => unknown;
}

/** Runs in the page. Self-contained: see the file comment. `post` is the BiDi channel function, when there is one. */
export function createPageTransport(config: ShimConfig, domError: (name: string, message: string) => Error, post?: (payload: string) => void): PageTransport {
  const g = globalThis as unknown as TransportGlobals;
  const defineProperty = Object.defineProperty;
  const jsonStringify = JSON.stringify;
  const jsonParse = JSON.parse;
  const setTimeoutFn = typeof g.setTimeout === "function" ? g.setTimeout.bind(g) : undefined;
  /** How long a document waits for the CDP binding before it gives up (cdpChannel.ts adds it as frames appear). */
  const FAST_BINDING_WAIT_MS = 2000;

  let fast = config.fast;
  const fastPending = new Map<number, (response: WireResponse) => void>();
  let fastCalls = 0;
  if (fast) {
    try {
      defineProperty(g, fast.reply, {
        value: (call: number | null, response: WireResponse | string): void => {
          const answer = (typeof response === "string" ? jsonParse(response) : response) as WireResponse;
          if (call === null) {
            // Node is letting go of the channel: end every pending call, and use the binding (if any) from now on.
            fast = undefined;
            const waiting = Array.from(fastPending.values());
            fastPending.clear();
            for (const resolve of waiting) resolve(answer);
            return;
          }
          const resolve = fastPending.get(call);
          fastPending.delete(call);
          resolve?.(answer);
        },
        writable: false,
        enumerable: false,
        configurable: false,
      });
    } catch {
      fast = undefined; // the name is taken in this document
    }
  }

  function binding(): Send | undefined {
    const fn = g[config.binding];
    return typeof fn === "function" ? (fn as Send) : undefined;
  }

  /** The fast channel in this document, once Node has added it (a BiDi channel is there from the start). */
  function fastBinding(): Send | undefined {
    const fn = post ?? (fast ? g[fast.binding] : undefined);
    if (!fast || typeof fn !== "function") return undefined;
    return (request) =>
      new Promise<WireResponse>((resolve) => {
        const call = ++fastCalls;
        fastPending.set(call, resolve);
        try {
          (fn as (payload: string) => void)(jsonStringify({ call, request }));
        } catch {
          fastPending.delete(call);
          resolve({ ok: false, name: "NotAllowedError", message: "softkey: the channel to softkey failed" });
        }
      });
  }

  /**
   * The CDP binding, waiting for it a little: Node adds it to a frame in another process (another
   * site) once the framework reports the frame, which may be after the document's first scripts ran.
   */
  function awaitFastBinding(): Promise<Send | undefined> {
    const ready = fastBinding();
    if (ready || !fast || !setTimeoutFn) return Promise.resolve(ready);
    return new Promise((resolve) => {
      let waited = 0;
      const poll = (): void => {
        const found = fastBinding();
        if (found || !fast || waited >= FAST_BINDING_WAIT_MS) return resolve(found);
        waited += 20;
        setTimeoutFn(poll, 20);
      };
      poll();
    });
  }

  return {
    attached: () => fast !== undefined || binding() !== undefined,
    async channelFor(id, kind) {
      const slow = binding();
      if (!fast) {
        if (!slow) throw domError("NotAllowedError", "softkey is not attached to this page");
        return { ceremony: slow, abort: slow };
      }
      const viaFast = await awaitFastBinding();
      if (!viaFast) throw domError("NotAllowedError", "softkey: its channel did not become ready in this document");
      if (g.top === g || fast.frames) return { ceremony: viaFast, abort: viaFast };
      if (!slow) throw domError("NotAllowedError", "softkey is not attached to this page");
      const answer = await viaFast({ op: "context", id, ceremony: kind });
      if (!answer.ok || !("context" in answer)) throw domError(answer.ok ? "NotAllowedError" : answer.name, answer.ok ? "softkey: no context token" : answer.message);
      const context = answer.context;
      return { ceremony: (request) => slow(request.op === "create" || request.op === "get" || request.op === "static" ? { ...request, context } : request), abort: slow };
    },
  };
}
