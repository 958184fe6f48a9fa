/**
 * WebDriver BiDi's channel between the page shim and Node, for one tab (a top-level browsing
 * context) and the frames in it: the shim is a preload script (`script.addPreloadScript`) given a
 * channel argument, which it calls to post a request; the browser delivers each post as a
 * `script.message` event naming the realm and browsing context that sent it. Those, not anything
 * the page says, are the caller's facts: the realm's origin as the browser reports it
 * (`script.realmCreated`, `script.getRealms`), and the origins of the documents in the frames
 * above it (`browsingContext.getTree`). Answers go back with `script.callFunction` in the calling
 * realm, to a resolver the shim defines as a non-writable global.
 *
 * BiDi has no Permissions Policy query: `allowsFeature` answers undefined, so a same-origin
 * document keeps the default 'self' policy and a cross-origin frame is refused (callerOrigin.ts).
 * User activation is read in a sandbox of softkey's own, where the page cannot redefine it.
 *
 * One channel serves one tab. A browser softkey is attached to as a whole shares one channel among
 * its tabs (`sharedChannel`): its owner adds one preload script for every tab, now and later
 * (`channelArgument`), so that a tab opened later has the shim from its first document, and each
 * tab's channel answers the posts from its own browsing contexts only.
 *
 * The connection must already deliver the `script` module's events (Puppeteer subscribes to them).
 */
import { randomBytes } from "node:crypto";
import { parsePagePost } from "./wireRequest.js";
import { WebAuthnError } from "../client/index.js";
import type { CallerFacts } from "./callerOrigin.js";
import type { WireResponse } from "./serialization.js";

/** What softkey needs of a BiDi connection (Puppeteer's BidiConnection offers it); `send` resolves with the whole success message. */
export interface BidiConnectionLike {
  send(method: string, params: object): Promise<{ result?: unknown }>;
  on(event: string, listener: (params: never) => void): unknown;
  off(event: string, listener: (params: never) => void): unknown;
}

/** A post through the channel: the calling browsing context and realm, and the browser's facts about them. */
export interface BidiCall {
  context: string;
  realm: string;
  facts: CallerFacts;
}

export type BidiCallHandler = (call: BidiCall, request: unknown) => Promise<WireResponse>;

interface RealmInfo {
  realm: string;
  origin: string;
  type: string;
  context?: string;
  sandbox?: string;
}

interface ContextTree {
  context: string;
  children?: ContextTree[] | null;
}

interface MessageEvent {
  channel: string;
  data: { type: string; value?: unknown };
  source: { realm: string; context?: string };
}

/** The realm name softkey reads user activation in: a world the page's scripts do not share. */
const SANDBOX = "softkey";

/** A BiDi serialized origin; "null" when opaque. */
function bidiOrigin(origin: string | undefined): string {
  return origin === undefined || origin === "" || origin === "null" ? "null" : origin;
}

/** A fresh channel id: nothing a page can guess. */
export function newChannelId(): string {
  return `softkey-${randomBytes(12).toString("hex")}`;
}

/** The argument a preload script or a call gets to post through channel `channel` (WebDriver BiDi's script.ChannelValue). */
export function channelArgument(channel: string): object {
  return { type: "channel", value: { channel, ownership: "none" } };
}

export class BidiChannel {
  private readonly channel: string;
  /** Default-world window realms the browser has described, by realm id. */
  private readonly realms = new Map<string, { context: string; origin: string }>();
  /** Realms with calls under way, answered with the closing response when the channel closes. */
  private readonly waiting = new Map<string, Set<number>>();
  private preloadScript: string | undefined;
  private closed = false;

  constructor(
    private readonly connection: BidiConnectionLike,
    /** The tab: the top-level browsing context whose documents and frames this channel serves. */
    private readonly top: string,
    /** The global the shim answers through (ShimConfig.fast.reply). */
    private readonly replyName: string,
    private readonly handler: BidiCallHandler,
    /** A channel every tab of the browser posts through, whose preload script the caller adds; default one of this tab's own. */
    private readonly sharedChannel?: string,
  ) {
    this.channel = sharedChannel ?? newChannelId();
  }

  private readonly onRealmCreated = (realm: RealmInfo): void => this.note(realm);
  private readonly onRealmDestroyed = ({ realm }: { realm: string }): void => {
    this.realms.delete(realm);
    this.waiting.delete(realm);
  };
  private readonly onMessage = (event: MessageEvent): void => {
    if (event.channel !== this.channel) return;
    if (this.sharedChannel === undefined) return this.received(event);
    void this.inTab(event.source.context).then((mine) => mine && this.received(event), () => undefined);
  };

  /**
   * Installs `shim` (the source of a function of the channel, pageShim.ts's shimFunction) in every
   * later document of the tab (unless the channel is shared: then its owner's preload script does)
   * and in the ones loaded now, and starts answering.
   */
  async open(shim: string): Promise<void> {
    const c = this.connection;
    c.on("script.realmCreated", this.onRealmCreated);
    c.on("script.realmDestroyed", this.onRealmDestroyed);
    c.on("script.message", this.onMessage);
    const channel = channelArgument(this.channel);
    if (this.sharedChannel === undefined) {
      const { script } = (await this.command("script.addPreloadScript", { functionDeclaration: shim, arguments: [channel], contexts: [this.top] })) as { script: string };
      this.preloadScript = script;
    }
    for (const context of await this.contexts()) {
      for (const realm of await this.realmsOf(context)) this.note(realm);
      await this.command("script.callFunction", { functionDeclaration: shim, arguments: [channel], target: { context }, awaitPromise: false, resultOwnership: "none" })
        .catch(() => undefined); // a document that went away meanwhile
    }
  }

  /**
   * Ends every pending call with `response` and stops answering; every document of the tab is told
   * (a call it makes later rejects at once, rather than posting to a channel nobody reads).
   */
  async close(response: WireResponse): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const c = this.connection;
    c.off("script.message", this.onMessage);
    if (this.preloadScript) await this.command("script.removePreloadScript", { script: this.preloadScript }).catch(() => undefined);
    const tab = new Set(await this.contexts().catch(() => [] as string[]));
    const realms = new Set(this.waiting.keys());
    for (const [realm, info] of this.realms) if (tab.has(info.context)) realms.add(realm);
    await Promise.all([...realms].map((realm) => this.reply(realm, null, response)));
    this.waiting.clear();
    c.off("script.realmCreated", this.onRealmCreated);
    c.off("script.realmDestroyed", this.onRealmDestroyed);
  }

  /** A command's result. */
  private async command(method: string, params: object): Promise<unknown> {
    return (await this.connection.send(method, params)).result;
  }

  private note(realm: RealmInfo): void {
    if (realm.type !== "window" || realm.sandbox !== undefined || realm.context === undefined) return;
    this.realms.set(realm.realm, { context: realm.context, origin: bidiOrigin(realm.origin) });
  }

  /** Whether `context` is this tab or a frame in it. */
  private async inTab(context: string | undefined): Promise<boolean> {
    return context === this.top || (context !== undefined && (await this.contexts()).includes(context));
  }

  /** The tab's browsing contexts, top first. */
  private async contexts(): Promise<string[]> {
    const { contexts } = (await this.command("browsingContext.getTree", { root: this.top })) as { contexts: ContextTree[] };
    const out: string[] = [];
    const walk = (tree: ContextTree): void => {
      out.push(tree.context);
      for (const child of tree.children ?? []) walk(child);
    };
    for (const tree of contexts) walk(tree);
    return out;
  }

  private async realmsOf(context: string): Promise<RealmInfo[]> {
    try {
      const { realms } = (await this.command("script.getRealms", { context, type: "window" })) as { realms: RealmInfo[] };
      return realms.map((realm) => ({ ...realm, context: realm.context ?? context }));
    } catch {
      return [];
    }
  }

  /** The calling realm's origin and context, from the browser (asked again if its event has not arrived yet). */
  private async realmInfo(realm: string, context: string | undefined): Promise<{ context: string; origin: string } | undefined> {
    const known = this.realms.get(realm);
    if (known || context === undefined) return known;
    for (const info of await this.realmsOf(context)) this.note(info);
    return this.realms.get(realm);
  }

  /**
   * The origins of the documents in the frames above `context`, parent first, top-level last;
   * [undefined] when the browser does not place it in this tab.
   */
  private async ancestorOrigins(context: string): Promise<(string | undefined)[]> {
    if (context === this.top) return [];
    const { contexts } = (await this.command("browsingContext.getTree", { root: this.top })) as { contexts: ContextTree[] };
    const path = (tree: ContextTree, trail: string[]): string[] | undefined => {
      if (tree.context === context) return trail;
      for (const child of tree.children ?? []) {
        const found = path(child, [tree.context, ...trail]);
        if (found) return found;
      }
      return undefined;
    };
    const ancestors = contexts.map((tree) => path(tree, [])).find((found) => found !== undefined);
    if (!ancestors) return [undefined];
    return Promise.all(
      ancestors.map(async (ancestor) => {
        const realms = (await this.realmsOf(ancestor)).filter((realm) => realm.sandbox === undefined);
        return realms.length === 1 ? bidiOrigin(realms[0]!.origin) : undefined;
      }),
    );
  }

  /** navigator.userActivation.isActive in the calling frame, read in softkey's sandbox; undefined when the browser does not say. */
  private async userActivation(context: string): Promise<boolean | undefined> {
    try {
      const answer = (await this.command("script.evaluate", {
        expression: "navigator.userActivation ? navigator.userActivation.isActive : undefined",
        target: { context, sandbox: SANDBOX },
        awaitPromise: false,
        resultOwnership: "none",
      })) as { type: string; result?: { type: string; value?: unknown } };
      return answer.type === "success" && answer.result?.type === "boolean" ? (answer.result.value as boolean) : undefined;
    } catch {
      return undefined;
    }
  }

  private received(event: MessageEvent): void {
    if (event.data.type !== "string" || typeof event.data.value !== "string") return;
    const parsed = parsePagePost(event.data.value);
    if (!parsed) return;
    const { call, request } = parsed;
    const realm = event.source.realm;
    const pending = this.waiting.get(realm) ?? new Set<number>();
    this.waiting.set(realm, pending);
    pending.add(call);
    this.serve(realm, event.source.context, request).then(
      (response) => this.reply(realm, call, response),
      (error: unknown) => this.reply(realm, call, { ok: false, name: "NotAllowedError", message: `softkey: ${error instanceof Error ? error.message : String(error)}` }),
    );
  }

  private async serve(realm: string, sourceContext: string | undefined, request: unknown): Promise<WireResponse> {
    if (this.closed) return { ok: false, name: "NotAllowedError", message: "softkey was detached" };
    const info = await this.realmInfo(realm, sourceContext);
    if (!info) return { ok: false, name: "NotAllowedError", message: "softkey: the browser has not described the calling document" };
    const alive = (): void => {
      if (this.realms.get(realm) !== info) throw new WebAuthnError("NotAllowedError", "the calling document is gone");
    };
    const facts: CallerFacts = {
      origin: info.origin,
      ancestorOrigins: await this.ancestorOrigins(info.context),
      allowsFeature: () => Promise.resolve(undefined),
      hasTransientActivation: () => {
        alive();
        return this.userActivation(info.context);
      },
    };
    return this.handler({ context: info.context, realm, facts }, request);
  }

  private async reply(realm: string, call: number | null, response: WireResponse): Promise<void> {
    if (call !== null) this.waiting.get(realm)?.delete(call);
    const answer = `(call, response) => { const reply = globalThis[${JSON.stringify(this.replyName)}]; if (typeof reply === "function") reply(call, response); }`;
    await this
      .command("script.callFunction", {
        functionDeclaration: answer,
        arguments: [call === null ? { type: "null" } : { type: "number", value: call }, { type: "string", value: JSON.stringify(response) }],
        target: { realm },
        awaitPromise: false,
        resultOwnership: "none",
      })
      .catch(() => undefined); // the document is gone (navigation, close): nobody is waiting
  }
}
