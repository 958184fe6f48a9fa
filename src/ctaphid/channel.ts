/**
 * The device's table of allocated channels (CTAP 2.1 section 11.2.3): each
 * CTAPHID_INIT on the broadcast channel allocates a fresh random CID, and each
 * channel may be reassembling one request of its own. Bounded, least recently
 * used first out, so a client that keeps allocating cannot grow it forever.
 */
import { CID_BROADCAST, CID_RESERVED } from "./packets.js";
import type { MessageReassembly } from "./reassembly.js";
import type { TimerHandle } from "./scheduler.js";

export interface Channel {
  readonly cid: number;
  /** The request being reassembled on this channel, if any. */
  reassembly?: MessageReassembly;
  /** Fires ERR_MSG_TIMEOUT when the reassembly stalls. */
  reassemblyTimer?: TimerHandle;
}

export class ChannelTable {
  /** Map iteration order is insertion order: re-inserting on use keeps it least-recently-used first. */
  private readonly channels = new Map<number, Channel>();

  constructor(
    private readonly maxChannels: number,
    private readonly randomCid: () => number,
  ) {}

  get size(): number {
    return this.channels.size;
  }

  has(cid: number): boolean {
    return this.channels.has(cid);
  }

  /** Looks a channel up and marks it recently used. */
  use(cid: number): Channel | undefined {
    const channel = this.channels.get(cid);
    if (channel) {
      this.channels.delete(cid);
      this.channels.set(cid, channel);
    }
    return channel;
  }

  /**
   * Allocates a fresh CID. When the table is full the least recently used
   * channel that `isPinned` does not protect (the busy or locking one) goes,
   * handed to `onEvict` so its timers can be cleared.
   */
  allocate(isPinned: (cid: number) => boolean, onEvict: (channel: Channel) => void): Channel {
    if (this.channels.size >= this.maxChannels) {
      for (const channel of this.channels.values()) {
        if (isPinned(channel.cid)) continue;
        this.channels.delete(channel.cid);
        onEvict(channel);
        break;
      }
    }
    const channel: Channel = { cid: this.freshCid() };
    this.channels.set(channel.cid, channel);
    return channel;
  }

  delete(cid: number): Channel | undefined {
    const channel = this.channels.get(cid);
    this.channels.delete(cid);
    return channel;
  }

  values(): IterableIterator<Channel> {
    return this.channels.values();
  }

  private freshCid(): number {
    let cid = this.randomCid() >>> 0;
    // A random 32-bit value collides almost never; a poor injected generator must still terminate.
    for (let attempt = 0; !this.isFree(cid); attempt++) {
      cid = attempt < 16 ? this.randomCid() >>> 0 : (cid + 1) >>> 0;
    }
    return cid;
  }

  private isFree(cid: number): boolean {
    return cid !== CID_RESERVED && cid !== CID_BROADCAST && !this.channels.has(cid);
  }
}
