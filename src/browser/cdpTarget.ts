/**
 * One CDP session of a page: the page's own, or an out-of-process frame's. It keeps the page's
 * frame registry up to date with what this session sees (cdpFrames.ts), exposes the shim's CDP
 * binding (`Runtime.addBinding`) in every document of its renderer, and turns each call into the
 * caller's facts as Chromium states them (CallerFacts, src/browser/callerOrigin.ts): the calling
 * execution context's origin (`Runtime.bindingCalled` names the context; the page cannot), its
 * ancestors', the frame's Permissions Policy (`Page.getPermissionsPolicyState`) and its user
 * activation (read in an isolated world, where the page's scripts cannot reach).
 *
 * Replies go back with `Runtime.evaluate` in the calling context, to a resolver the shim defines as
 * a non-writable global.
 */
import type { CallerFacts, WebAuthnFeature } from "./callerOrigin.js";
import { parsePagePost } from "./wireRequest.js";
import { WebAuthnError } from "../client/index.js";
import { cdpOrigin, type FrameRegistry } from "./cdpFrames.js";
import type { ShimConfig, WireResponse } from "./serialization.js";

/**
 * What softkey needs of a CDP session, which Playwright's and Puppeteer's both offer: send a
 * command, hear an event, let go.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- each library types its events its own way */
export interface CdpSessionLike {
  send(method: any, params?: any): Promise<any>;
  on(event: any, listener: (params: any) => void): unknown;
  once(event: any, listener: (params: any) => void): unknown;
  detach(): Promise<unknown>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Names the shim and the channel agree on (`ShimConfig.fast`). */
export type FastChannelNames = NonNullable<ShimConfig["fast"]>;

/** A call through the CDP binding: the page, the caller's facts as Chromium gives them, and whether it is the top-level document. */
export interface CdpCall<P = unknown> {
  page: P;
  facts: CallerFacts;
  topLevel: boolean;
  /** Chromium's id of the calling frame, and the calling execution context (session-qualified): the document. */
  frameId: string;
  context: string;
}

/** Answers a call (the payload's `request`, still untrusted) through the channel. */
export type CdpCallHandler<P> = (call: CdpCall<P>, request: unknown) => Promise<WireResponse>;

interface ContextInfo {
  frameId: string;
  origin: string;
  /** The frame's Permissions Policy, asked once per document (it does not change while the document lives). */
  policy?: Promise<Map<string, boolean>>;
}

interface FrameTree {
  frame: { id: string; parentId?: string };
  childFrames?: FrameTree[];
}

let sessions = 0;

export class CdpTarget<P = unknown> {
  /** Default-world contexts only: isolated worlds never get an answer. */
  private readonly contexts = new Map<number, ContextInfo>();
  /** Prefix that makes this session's context ids unique in the page's registry. */
  private readonly key = `s${++sessions}:`;
  private closed = false;

  constructor(
    readonly page: P,
    private readonly session: CdpSessionLike,
    private readonly names: FastChannelNames,
    private readonly frames: FrameRegistry,
    private readonly handler: CdpCallHandler<P>,
  ) {}

  /** Chromium's id of the target this session is attached to (a page or an out-of-process frame). */
  async targetId(): Promise<string> {
    const { targetInfo } = (await this.session.send("Target.getTargetInfo")) as { targetInfo: { targetId: string } };
    return targetInfo.targetId;
  }

  onClose(listener: () => void): void {
    this.session.once("close", listener);
  }

  async start(): Promise<void> {
    const s = this.session;
    s.on("Page.frameAttached", ({ frameId, parentFrameId }) => this.frames.setParent(frameId, parentFrameId));
    s.on("Page.frameNavigated", ({ frame }) => this.frames.setParent(frame.id, frame.parentId));
    s.on("Page.frameDetached", ({ frameId, reason }) => {
      if (reason !== "swap") this.frames.remove(frameId); // a swap moves the frame to another process: it lives on
    });
    s.on("Runtime.executionContextCreated", ({ context }) => {
      const aux = context.auxData as { isDefault?: boolean; frameId?: string } | undefined;
      if (aux?.isDefault !== true || typeof aux.frameId !== "string") return;
      const origin = cdpOrigin(context.origin);
      this.contexts.set(context.id, { frameId: aux.frameId, origin });
      this.frames.documentCreated(aux.frameId, this.key + context.id, origin);
    });
    s.on("Runtime.executionContextDestroyed", ({ executionContextId }) => this.forget(executionContextId));
    s.on("Runtime.executionContextsCleared", () => {
      for (const id of [...this.contexts.keys()]) this.forget(id);
    });
    s.on("Runtime.bindingCalled", ({ name, payload, executionContextId }) => {
      if (name === this.names.binding) this.called(payload, executionContextId);
    });
    await s.send("Page.enable");
    const { frameTree } = (await s.send("Page.getFrameTree")) as { frameTree: FrameTree };
    const seed = (tree: FrameTree): void => {
      this.frames.setParent(tree.frame.id, tree.frame.parentId);
      for (const child of tree.childFrames ?? []) seed(child);
    };
    seed(frameTree);
    await s.send("Runtime.enable");
    await s.send("Runtime.addBinding", { name: this.names.binding });
  }

  private forget(contextId: number): void {
    this.contexts.delete(contextId);
    this.frames.documentGone(this.key + contextId);
  }

  /** The facts of a calling context, as Chromium reports them now; undefined for a context this session does not know. */
  private factsOf(contextId: number): { facts: CallerFacts; topLevel: boolean; frameId: string; context: string } | undefined {
    const context = this.contexts.get(contextId);
    if (!context) return undefined;
    const alive = () => {
      if (this.contexts.get(contextId) !== context) throw new WebAuthnError("NotAllowedError", "the calling document is gone");
    };
    const facts: CallerFacts = {
      origin: context.origin,
      ancestorOrigins: this.frames.ancestorOrigins(context.frameId),
      allowsFeature: async (feature: WebAuthnFeature) => {
        alive();
        context.policy ??= this.permissionsPolicy(context.frameId);
        return (await context.policy).get(feature);
      },
      hasTransientActivation: async () => {
        alive();
        return this.userActivation(context.frameId);
      },
    };
    return { facts, topLevel: this.frames.isTopLevel(context.frameId), frameId: context.frameId, context: this.key + contextId };
  }

  private async permissionsPolicy(frameId: string): Promise<Map<string, boolean>> {
    const { states } = (await this.session.send("Page.getPermissionsPolicyState", { frameId })) as { states: { feature: string; allowed: boolean }[] };
    return new Map(states.map((state) => [state.feature, state.allowed]));
  }

  /** navigator.userActivation.isActive, read in a world of our own: the page cannot redefine it there. */
  private async userActivation(frameId: string): Promise<boolean | undefined> {
    try {
      const { executionContextId } = (await this.session.send("Page.createIsolatedWorld", { frameId, worldName: "__softkey_activation" })) as { executionContextId: number };
      const { result } = (await this.session.send("Runtime.evaluate", { contextId: executionContextId, expression: "navigator.userActivation.isActive", returnByValue: true })) as {
        result: { value?: unknown };
      };
      return typeof result.value === "boolean" ? result.value : undefined;
    } catch {
      return undefined;
    }
  }

  private called(payload: string, executionContextId: number): void {
    const parsed = parsePagePost(payload);
    if (!parsed) return;
    const { call, request } = parsed;
    const caller = this.factsOf(executionContextId);
    if (!caller || this.closed) {
      const message = this.closed ? "softkey was detached" : "softkey: Chromium has not described the calling document";
      void this.reply(executionContextId, call, { ok: false, name: "NotAllowedError", message });
      return;
    }
    this.handler({ page: this.page, ...caller }, request).then(
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

  /** Ends every pending call in this session's documents with `response` and lets go of the session. */
  async close(response: WireResponse): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.send("Runtime.removeBinding", { name: this.names.binding }).catch(() => undefined);
    await Promise.all([...this.contexts.keys()].map((id) => this.reply(id, null, response)));
    await this.session.detach().catch(() => undefined);
  }
}
