/**
 * One virtual key shared by every client of a server, as one USB key is shared
 * by every process that opens it: one channel table, one request at a time
 * (other channels get ERR_CHANNEL_BUSY), so the core never sees two requests at
 * once. Each response goes to the client that last spoke on its channel.
 */
import type { CtapTransport } from "../ctap/transport.js";
import { CtaphidHost, type CtaphidHostOptions } from "../ctaphid/host.js";
import { CID_BROADCAST, channelIdOf } from "../ctaphid/packets.js";

/** A client connection (or a UDP sender) that reports can be written to. */
export interface ReportPeer {
  write(report: Uint8Array): void;
}

export type CtaphidDeviceOptions = Omit<CtaphidHostOptions, "transport" | "send">;

export class SharedCtaphidDevice {
  private readonly host: CtaphidHost;
  private readonly routes = new Map<number, ReportPeer>();
  /** The peer whose report is being handled: the device answers it synchronously on the same channel. */
  private current: { peer: ReportPeer; cid: number } | undefined;
  private readonly maxRoutes: number;

  constructor(
    transport: CtapTransport,
    options: CtaphidDeviceOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {
    this.host = new CtaphidHost({ ...options, transport, send: (report) => this.route(report) });
    this.maxRoutes = (options.maxChannels ?? 128) + 16;
  }

  receiveFrom(peer: ReportPeer, report: Uint8Array): void {
    const cid = channelIdOf(report);
    if (cid === undefined) return;
    this.current = { peer, cid };
    try {
      this.host.receive(report);
    } catch (error) {
      // The host is built never to throw; should it anyway, one bad report must not take the server down.
      this.log(`ctaphid: internal error on a report: ${(error as Error).message}`);
    } finally {
      this.current = undefined;
    }
    // Later (asynchronous) answers on this channel, CBOR responses and keepalives, go to this peer.
    if (cid !== CID_BROADCAST && this.host.hasChannel(cid)) {
      this.routes.set(cid, peer);
      if (this.routes.size > this.maxRoutes) this.pruneRoutes();
    }
  }

  /** A client went away: its channels are released, aborting a request it left pending. */
  forgetPeer(peer: ReportPeer): void {
    for (const [cid, owner] of this.routes) {
      if (owner !== peer) continue;
      this.routes.delete(cid);
      this.host.releaseChannel(cid);
    }
  }

  close(): void {
    this.host.close();
    this.routes.clear();
  }

  private route(report: Uint8Array): void {
    const cid = channelIdOf(report)!;
    const peer = this.current?.cid === cid ? this.current.peer : this.routes.get(cid);
    peer?.write(report);
  }

  /** Drops routes of channels the device has evicted since. */
  private pruneRoutes(): void {
    for (const cid of this.routes.keys()) if (!this.host.hasChannel(cid)) this.routes.delete(cid);
  }
}
