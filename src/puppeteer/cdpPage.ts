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
    await Promise.all([...this.targets].map((target) => target.close(response)));
    this.targets.clear();
  }
}
