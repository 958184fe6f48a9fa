/** Test doubles for the CTAPHID layer: a hand-driven clock, small real transports, a report decoder. */
import type { CtapRequestContext, CtapTransport } from "../../src/ctap/transport.js";
import {
  CONT_DATA_SIZE,
  CtaphidCommand,
  HID_REPORT_SIZE,
  INIT_DATA_SIZE,
  MAX_MESSAGE_SIZE,
  encodeMessage,
  parsePacket,
} from "../../src/ctaphid/packets.js";
import { MessageReassembly } from "../../src/ctaphid/reassembly.js";
import type { Scheduler, TimerHandle } from "../../src/ctaphid/scheduler.js";

/** A clock that only moves when the test says so. */
export class FakeScheduler implements Scheduler {
  now = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Runs every timer due within `ms`, in time order, including timers they set. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
    }
    this.now = end;
  }
}

/** Answers every request with CTAP2_OK followed by the request bytes, so tests see what reached the core. */
export class EchoTransport implements CtapTransport {
  readonly requests: Uint8Array[] = [];
  async transact(request: Uint8Array): Promise<Uint8Array> {
    this.requests.push(request.slice());
    return Uint8Array.of(0x00, ...request);
  }
}

/**
 * Behaves like the core waiting for a touch: asks for STATUS_UPNEEDED, then
 * answers CTAP2_ERR_KEEPALIVE_CANCEL (0x2d) when aborted, or OK when `touch()` is called.
 */
export class PresenceWaitTransport implements CtapTransport {
  readonly contexts: CtapRequestContext[] = [];
  private touches: (() => void)[] = [];

  transact(_request: Uint8Array, context: CtapRequestContext = {}): Promise<Uint8Array> {
    this.contexts.push(context);
    return new Promise((resolve) => {
      context.onKeepalive?.("upneeded");
      const onAbort = () => resolve(Uint8Array.of(0x2d));
      if (context.signal?.aborted) return onAbort();
      context.signal?.addEventListener("abort", onAbort, { once: true });
      this.touches.push(() => {
        context.signal?.removeEventListener("abort", onAbort);
        resolve(Uint8Array.of(0x00));
      });
    });
  }

  touch(): void {
    for (const touch of this.touches.splice(0)) touch();
  }
}

/** Lets promise callbacks (the core's answers) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Message {
  cid: number;
  cmd: number;
  payload: Uint8Array;
}

const RESPONSE_COMMANDS = new Set<number>(Object.values(CtaphidCommand));

/**
 * Decodes what a device sent back into messages, failing on anything
 * ill-formed: a wrong size, a continuation out of order or a message split by another.
 */
export function decodeReports(reports: readonly Uint8Array[]): Message[] {
  const messages: Message[] = [];
  let current: MessageReassembly | undefined;
  for (const report of reports) {
    if (report.length !== HID_REPORT_SIZE) throw new Error(`report of ${report.length} bytes`);
    const packet = parsePacket(report)!;
    if (packet.kind === "init") {
      if (current) throw new Error("a message started before the previous one was complete");
      if (!RESPONSE_COMMANDS.has(packet.cmd)) throw new Error(`unknown response command 0x${packet.cmd.toString(16)}`);
      if (packet.bcnt > MAX_MESSAGE_SIZE) throw new Error(`bcnt ${packet.bcnt}`);
      current = new MessageReassembly(packet);
    } else {
      if (!current || packet.cid !== current.cid) throw new Error("continuation without its message");
      if (current.append(packet.seq, packet.data) === "invalid-seq") throw new Error("continuation out of sequence");
    }
    if (current?.complete) {
      messages.push({ cid: current.cid, cmd: current.cmd, payload: current.message.slice() });
      current = undefined;
    }
  }
  if (current) throw new Error("last message incomplete");
  return messages;
}

/** Number of reports a message of `length` bytes takes. */
export function reportCount(length: number): number {
  return length <= INIT_DATA_SIZE ? 1 : 1 + Math.ceil((length - INIT_DATA_SIZE) / CONT_DATA_SIZE);
}

/** A seeded PRNG (mulberry32), so the random-packet test is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A CTAPHID client over any report pipe: writes requests, collects answers,
 * skips keepalives (recording them).
 */
export class CtaphidTestClient {
  readonly keepalives: Message[] = [];
  private readonly received: Message[] = [];
  private buffered: Uint8Array[] = [];
  private waiters: (() => void)[] = [];

  constructor(private readonly write: (report: Uint8Array) => void) {}

  /** Feed reports that arrived from the device. */
  onReport(report: Uint8Array): void {
    this.buffered.push(report);
    const packet = parsePacket(report);
    if (!packet) return;
    // Decode once a whole message is buffered.
    try {
      const messages = decodeReports(this.buffered);
      this.buffered = [];
      for (const message of messages) {
        if (message.cmd === CtaphidCommand.CTAPHID_KEEPALIVE) this.keepalives.push(message);
        else this.received.push(message);
      }
      for (const waiter of this.waiters.splice(0)) waiter();
    } catch (error) {
      if ((error as Error).message !== "last message incomplete") throw error;
    }
  }

  send(cid: number, cmd: number, payload: Uint8Array): void {
    for (const report of encodeMessage(cid, cmd, payload)) this.write(report);
  }

  async next(timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (Date.now() > deadline) throw new Error("no answer from the device");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received.shift()!;
  }

  async call(cid: number, cmd: number, payload: Uint8Array): Promise<Message> {
    this.send(cid, cmd, payload);
    return this.next();
  }

  /** CTAPHID_INIT on the broadcast channel; returns the allocated channel id. */
  async allocateChannel(): Promise<number> {
    const nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const answer = await this.call(0xffffffff, CtaphidCommand.CTAPHID_INIT, nonce);
    if (answer.cmd !== CtaphidCommand.CTAPHID_INIT) throw new Error(`INIT answered 0x${answer.cmd.toString(16)}`);
    return new DataView(answer.payload.buffer, answer.payload.byteOffset).getUint32(8);
  }
}
