/**
 * Chromium's channel for one Puppeteer page: a CDP session of softkey's own on the page
 * (../browser/cdpTarget.ts: the binding every document calls, and Chromium's facts about the
 * calling execution context), and one more per out-of-process frame (another site's iframe), which
 * Chromium attaches to that session as the frame appears (`Target.setAutoAttach`, flattened).
 * The sessions share one frame registry, so a frame's ancestors are known across processes.
 */
import type { CDPSession, Page } from "puppeteer-core";
import { FrameRegistry } from "../browser/cdpFrames.js";
import { CdpTarget, type CdpCallHandler, type FastChannelNames } from "../browser/cdpTarget.js";
import type { WireResponse } from "../browser/serialization.js";

const AUTO_ATTACH = { autoAttach: true, waitForDebuggerOnStart: false, flatten: true, filter: [{ type: "iframe" }] };

export class CdpPageChannel {
  private readonly frames = new FrameRegistry();
  private readonly targets = new Set<CdpTarget<Page>>();
  /** The page's own session: closed last, as the frames' sessions hang off it. */
  private root: CdpTarget<Page> | undefined;
  private closed = false;

  private constructor(
    private readonly page: Page,
    private readonly names: FastChannelNames,
    private readonly handler: CdpCallHandler<Page>,
  ) {}

  static async open(page: Page, names: FastChannelNames, handler: CdpCallHandler<Page>): Promise<CdpPageChannel> {
    const channel = new CdpPageChannel(page, names, handler);
    await channel.adopt(await page.createCDPSession());
    return channel;
  }

  private async adopt(session: CDPSession): Promise<void> {
    if (this.closed) {
      await session.detach().catch(() => undefined);
      return;
    }
    const target = new CdpTarget<Page>(this.page, session, this.names, this.frames, this.handler);
    this.root ??= target;
    this.targets.add(target);
    target.onClose(() => this.targets.delete(target));
    session.on("sessionattached", (child: CDPSession) => void this.adopt(child));
    try {
      await target.start();
      await session.send("Target.setAutoAttach", AUTO_ATTACH as never);
    } catch {
      // The page or frame closed while we set up: nothing left to serve.
    }
  }

  /** Ends every pending call with `response` and lets go of the sessions. */
  async close(response: WireResponse): Promise<void> {
    this.closed = true;
    const frames = [...this.targets].filter((target) => target !== this.root);
    // A frame's session is reached through the page's: let go of the frames' first. A session whose
    // target is going away may never answer: each gets a bounded wait, so detach() always returns.
    await Promise.all(frames.map((target) => bounded(target.close(response))));
    if (this.root) await bounded(this.root.close(response));
    this.targets.clear();
  }
}

const CLOSE_WAIT_MS = 2000;

function bounded(closing: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_WAIT_MS);
  });
  return Promise.race([closing.catch(() => undefined), waited]).finally(() => clearTimeout(timer));
}
