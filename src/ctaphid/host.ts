/**
 * The CTAPHID device as a state machine (CTAP 2.1 section 11.2): reports in
 * through `receive`, reports out through `send`, time through an injected
 * scheduler, CTAP2 requests to the core through `CtapTransport`. No I/O, and
 * no input makes it throw: a malformed report is answered with CTAPHID_ERROR
 * or ignored, as the spec says.
 */
import { randomBytes } from "node:crypto";

import type { CtapTransport, KeepaliveStatus } from "../ctap/transport.js";
import { ChannelTable, type Channel } from "./channel.js";
import {
  CID_BROADCAST,
  CID_RESERVED,
  CTAPHID_PROTOCOL_VERSION,
  Capability,
  CtaphidCommand,
  CtaphidErrorCode,
  KeepaliveStatusCode,
  MAX_MESSAGE_SIZE,
  encodeMessage,
  parsePacket,
  type ContinuationPacket,
  type InitPacket,
} from "./packets.js";
import { MessageReassembly } from "./reassembly.js";
import { realScheduler, type Scheduler, type TimerHandle } from "./scheduler.js";

const { CTAPHID_PING, CTAPHID_MSG, CTAPHID_LOCK, CTAPHID_INIT, CTAPHID_WINK, CTAPHID_CBOR, CTAPHID_CANCEL } =
  CtaphidCommand;
const { CTAPHID_KEEPALIVE, CTAPHID_ERROR } = CtaphidCommand;
const E = CtaphidErrorCode;

/** Nonce length of CTAPHID_INIT. */
const INIT_NONCE_SIZE = 8;
/** CTAPHID_LOCK accepts 0..10 seconds. */
const MAX_LOCK_SECONDS = 10;
const EMPTY = new Uint8Array(0);

export interface DeviceVersion {
  major: number;
  minor: number;
  build: number;
}

export interface CtaphidHostOptions {
  /** The authenticator core: CTAPHID_CBOR payloads go to it unchanged. */
  transport: CtapTransport;
  /**
   * Emits one 64-byte report towards the platform. All reports of one message
   * are emitted in one synchronous run, so messages never interleave. A throwing
   * `send` loses that report, like a dropped USB frame.
   */
  send: (report: Uint8Array) => void;
  /** Handles CTAPHID_MSG (CTAP1/U2F APDUs). Without it MSG answers ERR_INVALID_CMD and INIT advertises CAPABILITY_NMSG. */
  msg?: CtapTransport;
  /**
   * Whether the device speaks CTAP2 over CTAPHID_CBOR. False is a CTAP1/U2F-only key: INIT leaves
   * CAPABILITY_CBOR out and CBOR answers ERR_INVALID_CMD. Default true.
   */
  cbor?: boolean;
  scheduler?: Scheduler;
  /** Source of new channel ids; random by default. */
  randomChannelId?: () => number;
  /**
   * How long a channel may wait between two packets of one request before the
   * device backs the request out with ERR_MSG_TIMEOUT. Default 500 ms.
   */
  transactionTimeoutMs?: number;
  /** Interval of CTAPHID_KEEPALIVE while a request is processed. Default 100 ms, as the spec recommends. */
  keepaliveIntervalMs?: number;
  /** Reported by CTAPHID_INIT. Default 0.1.0. */
  deviceVersion?: DeviceVersion;
  /** Most channels kept at once; the least recently used goes first. Default 128. */
  maxChannels?: number;
  /** Called on CTAPHID_WINK (a real key blinks). */
  onWink?: () => void;
}

/** A CTAPHID_CBOR or CTAPHID_MSG request handed to the core. */
interface PendingRequest {
  readonly cid: number;
  readonly cmd: number;
  readonly controller: AbortController;
  keepaliveStatus: number;
  keepaliveTimer?: TimerHandle;
  /** Set when the channel was resynchronised or released: the core's answer is dropped. */
  discarded: boolean;
}

interface ChannelLock {
  readonly cid: number;
  readonly timer: TimerHandle;
}

export class CtaphidHost {
  /** Capability flags reported by CTAPHID_INIT. */
  readonly capabilities: number;
  private readonly transport: CtapTransport;
  private readonly msg: CtapTransport | undefined;
  private readonly cbor: boolean;
  private readonly send: (report: Uint8Array) => void;
  private readonly scheduler: Scheduler;
  private readonly transactionTimeoutMs: number;
  private readonly keepaliveIntervalMs: number;
  private readonly deviceVersion: DeviceVersion;
  private readonly onWink: (() => void) | undefined;
  private readonly channels: ChannelTable;
  /** The one request being processed: the device handles one at a time, like a real key. */
  private pending: PendingRequest | undefined;
  private lock: ChannelLock | undefined;
  private closed = false;

  constructor(options: CtaphidHostOptions) {
    this.transport = options.transport;
    this.msg = options.msg;
    this.cbor = options.cbor ?? true;
    this.send = options.send;
    this.scheduler = options.scheduler ?? realScheduler;
    this.transactionTimeoutMs = options.transactionTimeoutMs ?? 500;
    this.keepaliveIntervalMs = options.keepaliveIntervalMs ?? 100;
    this.deviceVersion = options.deviceVersion ?? { major: 0, minor: 1, build: 0 };
    this.onWink = options.onWink;
    this.channels = new ChannelTable(
      options.maxChannels ?? 128,
      options.randomChannelId ?? (() => randomBytes(4).readUInt32BE(0)),
    );
    this.capabilities =
      Capability.CAPABILITY_WINK | (this.cbor ? Capability.CAPABILITY_CBOR : 0) | (this.msg ? 0 : Capability.CAPABILITY_NMSG);
  }

  /** Feeds one report from the platform. Anything but exactly 64 bytes is ignored. */
  receive(report: Uint8Array): void {
    if (this.closed) return;
    const packet = parsePacket(report);
    if (!packet) return;
    if (packet.kind === "init") this.onInitPacket(packet);
    else this.onContinuationPacket(packet);
  }

  /** Whether `cid` is an allocated channel. */
  hasChannel(cid: number): boolean {
    return this.channels.has(cid);
  }

  /**
   * Forgets a channel whose client went away: its reassembly and lock end, and a
   * request it has pending is aborted without an answer.
   */
  releaseChannel(cid: number): void {
    const channel = this.channels.delete(cid);
    if (channel) this.endReassembly(channel);
    if (this.pending?.cid === cid) this.discardPending();
    if (this.lock?.cid === cid) this.releaseLock();
  }

  /** Stops everything: aborts a pending request, clears timers, sends nothing more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const channel of this.channels.values()) this.endReassembly(channel);
    if (this.pending) this.discardPending();
    this.releaseLock();
  }

  private onInitPacket(packet: InitPacket): void {
    const { cid, cmd } = packet;
    if (cid === CID_RESERVED) return this.sendError(cid, E.ERR_INVALID_CHANNEL);
    if (cmd === CTAPHID_INIT) return this.onInit(packet);
    // The broadcast channel carries CTAPHID_INIT only.
    if (cid === CID_BROADCAST) return this.sendError(cid, E.ERR_INVALID_CHANNEL);
    const channel = this.channels.use(cid);
    if (!channel) return this.sendError(cid, E.ERR_INVALID_CHANNEL);
    if (channel.reassembly) {
      // A new request before the last one was complete: both are dropped.
      this.endReassembly(channel);
      return this.sendError(cid, E.ERR_INVALID_SEQ);
    }
    if (cmd === CTAPHID_CANCEL) return this.cancel(cid);
    const error = this.checkRequest(cid, cmd, packet.bcnt);
    if (error !== undefined) return this.sendError(cid, error);
    const reassembly = new MessageReassembly(packet);
    if (reassembly.complete) return this.dispatch(cid, cmd, reassembly.message);
    channel.reassembly = reassembly;
    this.armReassemblyTimer(channel);
  }

  private onContinuationPacket(packet: ContinuationPacket): void {
    const channel = this.channels.use(packet.cid);
    // A continuation with no request under way is ignored (section 11.2.4).
    if (!channel?.reassembly) return;
    const reassembly = channel.reassembly;
    const progress = reassembly.append(packet.seq, packet.data);
    if (progress === "more") return this.armReassemblyTimer(channel);
    this.endReassembly(channel);
    if (progress === "invalid-seq") return this.sendError(channel.cid, E.ERR_INVALID_SEQ);
    this.dispatch(channel.cid, reassembly.cmd, reassembly.message);
  }

  /** Checks an initialization packet before reassembling anything, so a refused request costs no buffer. */
  private checkRequest(cid: number, cmd: number, bcnt: number): number | undefined {
    switch (cmd) {
      case CTAPHID_PING:
      case CTAPHID_WINK:
        break;
      case CTAPHID_CBOR:
        if (!this.cbor) return E.ERR_INVALID_CMD;
        if (bcnt === 0) return E.ERR_INVALID_LEN;
        break;
      case CTAPHID_MSG:
        if (!this.msg) return E.ERR_INVALID_CMD;
        if (bcnt === 0) return E.ERR_INVALID_LEN;
        break;
      case CTAPHID_LOCK:
        if (bcnt !== 1) return E.ERR_INVALID_LEN;
        break;
      default:
        return E.ERR_INVALID_CMD;
    }
    if (bcnt > MAX_MESSAGE_SIZE) return E.ERR_INVALID_LEN;
    if (this.isBusyFor(cid)) return E.ERR_CHANNEL_BUSY;
    return undefined;
  }

  /** Busy while any request is processed, or while another channel holds the lock. */
  private isBusyFor(cid: number): boolean {
    return this.pending !== undefined || (this.lock !== undefined && this.lock.cid !== cid);
  }

  private dispatch(cid: number, cmd: number, payload: Uint8Array): void {
    // Another channel may have started a request while this one was reassembling.
    if (this.isBusyFor(cid)) return this.sendError(cid, E.ERR_CHANNEL_BUSY);
    switch (cmd) {
      case CTAPHID_PING:
        return this.sendMessage(cid, CTAPHID_PING, payload);
      case CTAPHID_WINK:
        try {
          this.onWink?.();
        } catch {
          // A failing observer must not fail the wink.
        }
        return this.sendMessage(cid, CTAPHID_WINK, EMPTY);
      case CTAPHID_LOCK:
        return this.setLock(cid, payload[0]!);
      case CTAPHID_CBOR:
        if (this.cbor) return this.startRequest(cid, CTAPHID_CBOR, this.transport, payload);
        return this.sendError(cid, E.ERR_INVALID_CMD);
      case CTAPHID_MSG:
        if (this.msg) return this.startRequest(cid, CTAPHID_MSG, this.msg, payload);
        return this.sendError(cid, E.ERR_INVALID_CMD);
      default:
        return this.sendError(cid, E.ERR_INVALID_CMD);
    }
  }

  /**
   * CTAPHID_INIT: on the broadcast channel it allocates a channel; on an
   * allocated channel it resynchronises it, abandoning whatever it had under way.
   */
  private onInit(packet: InitPacket): void {
    const { cid } = packet;
    const channel = cid === CID_BROADCAST ? undefined : this.channels.use(cid);
    if (cid !== CID_BROADCAST && !channel) return this.sendError(cid, E.ERR_INVALID_CHANNEL);
    if (channel) this.endReassembly(channel);
    if (packet.bcnt !== INIT_NONCE_SIZE) return this.sendError(cid, E.ERR_INVALID_LEN);
    let assigned: number;
    if (channel) {
      if (this.pending?.cid === cid) this.discardPending();
      if (this.lock?.cid === cid) this.releaseLock();
      assigned = cid;
    } else {
      const pinned = (c: number) => c === this.pending?.cid || c === this.lock?.cid;
      assigned = this.channels.allocate(pinned, (evicted) => this.endReassembly(evicted)).cid;
    }
    const response = new Uint8Array(17);
    response.set(packet.data.subarray(0, INIT_NONCE_SIZE), 0);
    new DataView(response.buffer).setUint32(8, assigned);
    response[12] = CTAPHID_PROTOCOL_VERSION;
    response[13] = this.deviceVersion.major & 0xff;
    response[14] = this.deviceVersion.minor & 0xff;
    response[15] = this.deviceVersion.build & 0xff;
    response[16] = this.capabilities;
    // The answer goes out on the channel the request came in on: broadcast for an allocation.
    this.sendMessage(cid, CTAPHID_INIT, response);
  }

  /** CTAPHID_CANCEL: aborts the request of this channel; no answer of its own (the request answers). */
  private cancel(cid: number): void {
    const pending = this.pending;
    if (pending?.cid === cid && !pending.discarded) pending.controller.abort();
  }

  private setLock(cid: number, seconds: number): void {
    if (seconds > MAX_LOCK_SECONDS) return this.sendError(cid, E.ERR_INVALID_PAR);
    this.releaseLock();
    if (seconds > 0) {
      const timer = this.scheduler.setTimeout(() => {
        if (this.lock?.timer === timer) this.lock = undefined;
      }, seconds * 1000);
      this.lock = { cid, timer };
    }
    this.sendMessage(cid, CTAPHID_LOCK, EMPTY);
  }

  private releaseLock(): void {
    if (this.lock) this.scheduler.clearTimeout(this.lock.timer);
    this.lock = undefined;
  }

  private startRequest(cid: number, cmd: number, handler: CtapTransport, payload: Uint8Array): void {
    const request: PendingRequest = {
      cid,
      cmd,
      controller: new AbortController(),
      keepaliveStatus: KeepaliveStatusCode.STATUS_PROCESSING,
      discarded: false,
    };
    this.pending = request;
    this.scheduleKeepalive(request);
    const onKeepalive = (status: KeepaliveStatus) => this.onKeepalive(request, status);
    let answer: Promise<Uint8Array>;
    try {
      answer = Promise.resolve(handler.transact(payload, { signal: request.controller.signal, onKeepalive }));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (response) => this.finishRequest(request, response),
      () => this.finishRequest(request, undefined),
    );
  }

  private finishRequest(request: PendingRequest, response: unknown): void {
    this.stopKeepalive(request);
    // The device stays busy until the core has let go, even for a discarded request.
    if (this.pending === request) this.pending = undefined;
    if (request.discarded || this.closed) return;
    // The core promises never to reject; if it does anyway, or answers more than fits, say so.
    if (!(response instanceof Uint8Array) || response.length > MAX_MESSAGE_SIZE) {
      return this.sendError(request.cid, E.ERR_OTHER);
    }
    this.sendMessage(request.cid, request.cmd, response);
  }

  /** Aborts the pending request and drops its eventual answer. */
  private discardPending(): void {
    const pending = this.pending;
    if (!pending) return;
    pending.discarded = true;
    this.stopKeepalive(pending);
    pending.controller.abort();
  }

  private onKeepalive(request: PendingRequest, status: KeepaliveStatus): void {
    if (this.pending !== request || request.discarded) return;
    const code = status === "upneeded" ? KeepaliveStatusCode.STATUS_UPNEEDED : KeepaliveStatusCode.STATUS_PROCESSING;
    if (code === request.keepaliveStatus) return;
    request.keepaliveStatus = code;
    // Tell the platform at once that a touch is wanted, so it can prompt the user without waiting a tick.
    if (code === KeepaliveStatusCode.STATUS_UPNEEDED) {
      this.sendKeepalive(request);
      this.scheduleKeepalive(request);
    }
  }

  private scheduleKeepalive(request: PendingRequest): void {
    this.stopKeepalive(request);
    request.keepaliveTimer = this.scheduler.setTimeout(() => {
      request.keepaliveTimer = undefined;
      if (this.pending !== request || request.discarded || this.closed) return;
      this.sendKeepalive(request);
      this.scheduleKeepalive(request);
    }, this.keepaliveIntervalMs);
  }

  private stopKeepalive(request: PendingRequest): void {
    if (request.keepaliveTimer !== undefined) this.scheduler.clearTimeout(request.keepaliveTimer);
    request.keepaliveTimer = undefined;
  }

  private sendKeepalive(request: PendingRequest): void {
    this.sendMessage(request.cid, CTAPHID_KEEPALIVE, Uint8Array.of(request.keepaliveStatus));
  }

  private armReassemblyTimer(channel: Channel): void {
    if (channel.reassemblyTimer !== undefined) this.scheduler.clearTimeout(channel.reassemblyTimer);
    channel.reassemblyTimer = this.scheduler.setTimeout(() => {
      channel.reassemblyTimer = undefined;
      if (!channel.reassembly || this.closed) return;
      this.endReassembly(channel);
      this.sendError(channel.cid, E.ERR_MSG_TIMEOUT);
    }, this.transactionTimeoutMs);
  }

  private endReassembly(channel: Channel): void {
    if (channel.reassemblyTimer !== undefined) this.scheduler.clearTimeout(channel.reassemblyTimer);
    channel.reassemblyTimer = undefined;
    channel.reassembly = undefined;
  }

  private sendError(cid: number, code: number): void {
    this.sendMessage(cid, CTAPHID_ERROR, Uint8Array.of(code));
  }

  private sendMessage(cid: number, cmd: number, payload: Uint8Array): void {
    if (this.closed) return;
    for (const report of encodeMessage(cid, cmd, payload)) {
      try {
        this.send(report);
      } catch {
        // Lost like a dropped frame; the state machine must go on for the other channels.
      }
    }
  }
}
