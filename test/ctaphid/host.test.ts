import { beforeEach, describe, expect, it } from "vitest";

import type { CtapTransport } from "../../src/ctap/transport.js";
import { CtaphidHost, type CtaphidHostOptions } from "../../src/ctaphid/host.js";
import {
  CID_BROADCAST,
  Capability,
  CtaphidCommand as C,
  CtaphidErrorCode as E,
  KeepaliveStatusCode as K,
  MAX_MESSAGE_SIZE,
  encodeContinuationPacket,
  encodeInitPacket,
  encodeMessage,
} from "../../src/ctaphid/packets.js";
import {
  EchoTransport,
  FakeScheduler,
  PresenceWaitTransport,
  decodeReports,
  reportCount,
  seededRandom,
  settle,
  type Message,
} from "./helpers.js";

const NONCE = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04);

/** A device on a fake clock with every report it sends recorded. */
class Harness {
  readonly scheduler = new FakeScheduler();
  readonly sent: Uint8Array[] = [];
  readonly host: CtaphidHost;
  private read = 0;

  constructor(readonly transport: CtapTransport = new EchoTransport(), options: Partial<CtaphidHostOptions> = {}) {
    this.host = new CtaphidHost({
      transport,
      send: (report) => this.sent.push(report),
      scheduler: this.scheduler,
      ...options,
    });
  }

  request(cid: number, cmd: number, payload: Uint8Array = new Uint8Array(0)): void {
    for (const report of encodeMessage(cid, cmd, payload)) this.host.receive(report);
  }

  /** Messages sent since the last call. */
  take(): Message[] {
    const fresh = this.sent.slice(this.read);
    this.read = this.sent.length;
    return decodeReports(fresh);
  }

  takeOne(): Message {
    const messages = this.take();
    expect(messages).toHaveLength(1);
    return messages[0]!;
  }

  allocate(): number {
    this.request(CID_BROADCAST, C.CTAPHID_INIT, NONCE);
    const answer = this.takeOne();
    expect(answer.cmd).toBe(C.CTAPHID_INIT);
    return new DataView(answer.payload.buffer).getUint32(8);
  }

  expectError(code: number, cid?: number): void {
    const message = this.takeOne();
    expect({ cmd: message.cmd, error: message.payload[0] }).toEqual({ cmd: C.CTAPHID_ERROR, error: code });
    if (cid !== undefined) expect(message.cid).toBe(cid);
  }
}

describe("CtaphidHost", () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });

  describe("CTAPHID_INIT", () => {
    it("allocates a channel on the broadcast channel and echoes the nonce", () => {
      h = new Harness(new EchoTransport(), { deviceVersion: { major: 1, minor: 2, build: 3 } });
      h.request(CID_BROADCAST, C.CTAPHID_INIT, NONCE);
      const answer = h.takeOne();
      expect(answer.cid).toBe(CID_BROADCAST);
      expect(answer.cmd).toBe(C.CTAPHID_INIT);
      expect(answer.payload.length).toBe(17);
      expect(answer.payload.subarray(0, 8)).toEqual(NONCE);
      const cid = new DataView(answer.payload.buffer).getUint32(8);
      expect(cid).not.toBe(0);
      expect(cid).not.toBe(CID_BROADCAST);
      expect([...answer.payload.subarray(12)]).toEqual([
        2,
        1,
        2,
        3,
        Capability.CAPABILITY_WINK | Capability.CAPABILITY_CBOR | Capability.CAPABILITY_NMSG,
      ]);
      expect(h.host.hasChannel(cid)).toBe(true);
      expect(h.allocate()).not.toBe(cid);
    });

    it("does not claim NMSG when a CTAPHID_MSG handler is given", () => {
      h = new Harness(new EchoTransport(), { msg: new EchoTransport() });
      h.request(CID_BROADCAST, C.CTAPHID_INIT, NONCE);
      expect(h.takeOne().payload[16]).toBe(Capability.CAPABILITY_WINK | Capability.CAPABILITY_CBOR);
    });

    it("answers ERR_INVALID_LEN to a nonce that is not 8 bytes", () => {
      h.request(CID_BROADCAST, C.CTAPHID_INIT, new Uint8Array(7));
      h.expectError(E.ERR_INVALID_LEN, CID_BROADCAST);
    });

    it("resynchronises an allocated channel, answering on that channel", () => {
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_INIT, NONCE);
      const answer = h.takeOne();
      expect(answer.cid).toBe(cid);
      expect(new DataView(answer.payload.buffer).getUint32(8)).toBe(cid);
    });

    it("evicts the least recently used channel when the table is full", () => {
      h = new Harness(new EchoTransport(), { maxChannels: 2 });
      const first = h.allocate();
      const second = h.allocate();
      h.request(first, C.CTAPHID_PING, Uint8Array.of(1));
      h.take();
      h.allocate();
      expect(h.host.hasChannel(first)).toBe(true);
      expect(h.host.hasChannel(second)).toBe(false);
      h.request(second, C.CTAPHID_PING);
      h.expectError(E.ERR_INVALID_CHANNEL, second);
    });
  });

  describe("messages", () => {
    it.each([0, 1, 57, 58, 116, 117, 1000, MAX_MESSAGE_SIZE])("echoes a %i-byte CTAPHID_PING", (length) => {
      const cid = h.allocate();
      const payload = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      h.request(cid, C.CTAPHID_PING, payload);
      expect(h.sent.length - 1).toBe(reportCount(length));
      expect(h.takeOne()).toEqual({ cid, cmd: C.CTAPHID_PING, payload });
    });

    it("answers ERR_INVALID_LEN to a message over 7609 bytes", () => {
      const cid = h.allocate();
      h.host.receive(encodeInitPacket(cid, C.CTAPHID_PING, MAX_MESSAGE_SIZE + 1, new Uint8Array(57)));
      h.expectError(E.ERR_INVALID_LEN, cid);
      h.host.receive(encodeContinuationPacket(cid, 0, new Uint8Array(59)));
      expect(h.take()).toEqual([]);
    });

    it("reassembles interleaved messages of several channels", () => {
      const a = h.allocate();
      const b = h.allocate();
      const pa = Uint8Array.from({ length: 500 }, (_, i) => i & 0xff);
      const pb = Uint8Array.from({ length: 300 }, (_, i) => 255 - (i & 0xff));
      const ra = encodeMessage(a, C.CTAPHID_PING, pa);
      const rb = encodeMessage(b, C.CTAPHID_PING, pb);
      for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
        if (ra[i]) h.host.receive(ra[i]!);
        if (rb[i]) h.host.receive(rb[i]!);
      }
      const answers = h.take();
      expect(answers).toContainEqual({ cid: a, cmd: C.CTAPHID_PING, payload: pa });
      expect(answers).toContainEqual({ cid: b, cmd: C.CTAPHID_PING, payload: pb });
    });

    it("answers ERR_INVALID_SEQ to a continuation out of sequence, then works again", () => {
      const cid = h.allocate();
      const reports = encodeMessage(cid, C.CTAPHID_PING, new Uint8Array(200));
      h.host.receive(reports[0]!);
      h.host.receive(reports[2]!);
      h.expectError(E.ERR_INVALID_SEQ, cid);
      h.host.receive(reports[3]!);
      expect(h.take()).toEqual([]);
      h.request(cid, C.CTAPHID_PING, Uint8Array.of(5));
      expect(h.takeOne().payload).toEqual(Uint8Array.of(5));
    });

    it("answers ERR_INVALID_SEQ to a new request before the last one is complete", () => {
      const cid = h.allocate();
      h.host.receive(encodeMessage(cid, C.CTAPHID_PING, new Uint8Array(100))[0]!);
      h.request(cid, C.CTAPHID_PING, Uint8Array.of(1));
      h.expectError(E.ERR_INVALID_SEQ, cid);
    });

    it("lets CTAPHID_INIT resynchronise a channel in the middle of a message", () => {
      const cid = h.allocate();
      const reports = encodeMessage(cid, C.CTAPHID_PING, new Uint8Array(100));
      h.host.receive(reports[0]!);
      h.request(cid, C.CTAPHID_INIT, NONCE);
      expect(h.takeOne().cmd).toBe(C.CTAPHID_INIT);
      h.host.receive(reports[1]!);
      expect(h.take()).toEqual([]);
    });

    it("ignores a continuation packet with no message under way", () => {
      const cid = h.allocate();
      h.host.receive(encodeContinuationPacket(cid, 0, new Uint8Array(59)));
      h.host.receive(encodeContinuationPacket(0x12345678, 0, new Uint8Array(59)));
      expect(h.sent.length).toBe(1);
    });

    it("ignores reports that are not 64 bytes", () => {
      h.host.receive(new Uint8Array(0));
      h.host.receive(new Uint8Array(65).fill(0xff));
      expect(h.sent).toEqual([]);
    });
  });

  describe("channel and command errors", () => {
    it("answers ERR_INVALID_CHANNEL to an unknown channel, channel 0 and non-INIT broadcast", () => {
      h.request(0x12345678, C.CTAPHID_PING, Uint8Array.of(1));
      h.expectError(E.ERR_INVALID_CHANNEL, 0x12345678);
      h.request(0x12345678, C.CTAPHID_INIT, NONCE);
      h.expectError(E.ERR_INVALID_CHANNEL, 0x12345678);
      h.request(0, C.CTAPHID_INIT, NONCE);
      h.expectError(E.ERR_INVALID_CHANNEL, 0);
      h.request(CID_BROADCAST, C.CTAPHID_PING, Uint8Array.of(1));
      h.expectError(E.ERR_INVALID_CHANNEL, CID_BROADCAST);
    });

    it("answers ERR_INVALID_CMD to unknown commands and to CTAPHID_MSG without a handler", () => {
      const cid = h.allocate();
      for (const cmd of [0x00, 0x02, 0x05, 0x3b, 0x3f, 0x7f, C.CTAPHID_MSG]) {
        h.request(cid, cmd, Uint8Array.of(1));
        h.expectError(E.ERR_INVALID_CMD, cid);
      }
    });

    it("passes CTAPHID_MSG to its handler", async () => {
      const u2f = new EchoTransport();
      h = new Harness(new EchoTransport(), { msg: u2f });
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_MSG, Uint8Array.of(0x00, 0x03, 0x00, 0x00));
      await settle();
      expect(h.takeOne()).toEqual({ cid, cmd: C.CTAPHID_MSG, payload: Uint8Array.of(0x00, 0x00, 0x03, 0x00, 0x00) });
    });

    it("answers CTAPHID_WINK with an empty message", () => {
      let winks = 0;
      h = new Harness(new EchoTransport(), { onWink: () => winks++ });
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_WINK);
      expect(h.takeOne()).toEqual({ cid, cmd: C.CTAPHID_WINK, payload: new Uint8Array(0) });
      expect(winks).toBe(1);
    });
  });

  describe("CTAPHID_CBOR", () => {
    it("passes the payload to the core and its answer back", async () => {
      const core = new EchoTransport();
      h = new Harness(core);
      const cid = h.allocate();
      const request = Uint8Array.from({ length: 1500 }, (_, i) => i & 0xff);
      h.request(cid, C.CTAPHID_CBOR, request);
      await settle();
      expect(core.requests).toEqual([request]);
      expect(h.takeOne()).toEqual({ cid, cmd: C.CTAPHID_CBOR, payload: Uint8Array.of(0, ...request) });
      expect(h.scheduler.pendingTimers).toBe(0);
    });

    it("answers ERR_INVALID_LEN to an empty request", () => {
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_CBOR);
      h.expectError(E.ERR_INVALID_LEN, cid);
    });

    it("sends STATUS_PROCESSING keepalives every 100 ms while the core works", async () => {
      let finish: (response: Uint8Array) => void = () => {};
      h = new Harness({ transact: () => new Promise((resolve) => (finish = resolve)) });
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_CBOR, Uint8Array.of(4));
      h.scheduler.advance(99);
      expect(h.take()).toEqual([]);
      h.scheduler.advance(151);
      expect(h.take()).toEqual([
        { cid, cmd: C.CTAPHID_KEEPALIVE, payload: Uint8Array.of(K.STATUS_PROCESSING) },
        { cid, cmd: C.CTAPHID_KEEPALIVE, payload: Uint8Array.of(K.STATUS_PROCESSING) },
      ]);
      finish(Uint8Array.of(0));
      await settle();
      expect(h.takeOne().cmd).toBe(C.CTAPHID_CBOR);
      h.scheduler.advance(1000);
      expect(h.take()).toEqual([]);
    });

    it("cancels a presence wait: STATUS_UPNEEDED keepalives, then CTAP2_ERR_KEEPALIVE_CANCEL", async () => {
      const core = new PresenceWaitTransport();
      h = new Harness(core);
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_CBOR, Uint8Array.of(0x01, 0xa0));
      h.scheduler.advance(300);
      const keepalives = h.take();
      expect(keepalives.length).toBeGreaterThanOrEqual(3);
      for (const k of keepalives) expect(k).toEqual({ cid, cmd: C.CTAPHID_KEEPALIVE, payload: Uint8Array.of(K.STATUS_UPNEEDED) });
      h.request(cid, C.CTAPHID_CANCEL);
      expect(h.take()).toEqual([]); // no answer to CANCEL itself
      expect(core.contexts[0]!.signal!.aborted).toBe(true);
      await settle();
      expect(h.takeOne()).toEqual({ cid, cmd: C.CTAPHID_CBOR, payload: Uint8Array.of(0x2d) });
      h.scheduler.advance(500);
      expect(h.take()).toEqual([]);
    });

    it("ignores CTAPHID_CANCEL from another channel or with nothing pending", async () => {
      const core = new PresenceWaitTransport();
      h = new Harness(core);
      const a = h.allocate();
      const b = h.allocate();
      h.request(a, C.CTAPHID_CANCEL);
      h.request(a, C.CTAPHID_CBOR, Uint8Array.of(1));
      h.take();
      h.request(b, C.CTAPHID_CANCEL);
      expect(core.contexts[0]!.signal!.aborted).toBe(false);
      core.touch();
      await settle();
      expect(h.take().at(-1)).toEqual({ cid: a, cmd: C.CTAPHID_CBOR, payload: Uint8Array.of(0) });
    });

    it("answers ERR_CHANNEL_BUSY while another request is processed", async () => {
      const core = new PresenceWaitTransport();
      h = new Harness(core);
      const a = h.allocate();
      const b = h.allocate();
      h.request(a, C.CTAPHID_CBOR, Uint8Array.of(1));
      h.take();
      h.request(b, C.CTAPHID_PING, Uint8Array.of(1));
      h.expectError(E.ERR_CHANNEL_BUSY, b);
      h.request(b, C.CTAPHID_CBOR, Uint8Array.of(1));
      h.expectError(E.ERR_CHANNEL_BUSY, b);
      h.request(a, C.CTAPHID_PING, Uint8Array.of(1));
      h.expectError(E.ERR_CHANNEL_BUSY, a);
      // INIT still works: a new client can always get a channel.
      h.allocate();
      core.touch();
      await settle();
      h.take();
      h.request(b, C.CTAPHID_PING, Uint8Array.of(9));
      expect(h.takeOne().payload).toEqual(Uint8Array.of(9));
    });

    it("answers ERR_CHANNEL_BUSY to a message completed after another channel's request started", async () => {
      const core = new PresenceWaitTransport();
      h = new Harness(core);
      const a = h.allocate();
      const b = h.allocate();
      const reports = encodeMessage(b, C.CTAPHID_PING, new Uint8Array(100));
      h.host.receive(reports[0]!);
      h.request(a, C.CTAPHID_CBOR, Uint8Array.of(1));
      h.take();
      h.host.receive(reports[1]!);
      h.expectError(E.ERR_CHANNEL_BUSY, b);
    });

    it("drops the answer of a request whose channel was resynchronised", async () => {
      const core = new PresenceWaitTransport();
      h = new Harness(core);
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_CBOR, Uint8Array.of(1));
      h.take();
      h.request(cid, C.CTAPHID_INIT, NONCE);
      expect(h.takeOne().cmd).toBe(C.CTAPHID_INIT);
      expect(core.contexts[0]!.signal!.aborted).toBe(true);
      await settle();
      h.scheduler.advance(500);
      expect(h.take()).toEqual([]);
      h.request(cid, C.CTAPHID_PING, Uint8Array.of(3));
      expect(h.takeOne().payload).toEqual(Uint8Array.of(3));
    });

    it("releases a channel whose client went away, aborting its request", async () => {
      const core = new PresenceWaitTransport();
      h = new Harness(core);
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_CBOR, Uint8Array.of(1));
      h.take();
      h.host.releaseChannel(cid);
      expect(core.contexts[0]!.signal!.aborted).toBe(true);
      await settle();
      expect(h.take()).toEqual([]);
      expect(h.host.hasChannel(cid)).toBe(false);
    });

    it("answers ERR_OTHER when the core breaks its contract", async () => {
      h = new Harness({ transact: () => Promise.reject(new Error("boom")) });
      const cid = h.allocate();
      h.request(cid, C.CTAPHID_CBOR, Uint8Array.of(1));
      await settle();
      h.expectError(E.ERR_OTHER, cid);
      h = new Harness({ transact: async () => new Uint8Array(MAX_MESSAGE_SIZE + 1) });
      const other = h.allocate();
      h.request(other, C.CTAPHID_CBOR, Uint8Array.of(1));
      await settle();
      h.expectError(E.ERR_OTHER, other);
      h = new Harness({
        transact: () => {
          throw new Error("sync boom");
        },
      });
      const third = h.allocate();
      h.request(third, C.CTAPHID_CBOR, Uint8Array.of(1));
      await settle();
      h.expectError(E.ERR_OTHER, third);
    });
  });

  describe("transaction timeout", () => {
    it("backs out a stalled message with ERR_MSG_TIMEOUT after 500 ms", () => {
      const cid = h.allocate();
      const reports = encodeMessage(cid, C.CTAPHID_PING, new Uint8Array(200));
      h.host.receive(reports[0]!);
      h.scheduler.advance(499);
      expect(h.take()).toEqual([]);
      h.scheduler.advance(1);
      h.expectError(E.ERR_MSG_TIMEOUT, cid);
      h.host.receive(reports[1]!);
      expect(h.take()).toEqual([]);
    });

    it("restarts the timeout with each packet and honours a configured value", () => {
      h = new Harness(new EchoTransport(), { transactionTimeoutMs: 50 });
      const cid = h.allocate();
      const reports = encodeMessage(cid, C.CTAPHID_PING, new Uint8Array(200));
      for (const report of reports) {
        h.scheduler.advance(40);
        h.host.receive(report);
      }
      expect(h.takeOne().cmd).toBe(C.CTAPHID_PING);
      h.scheduler.advance(1000);
      expect(h.take()).toEqual([]);
    });
  });

  describe("CTAPHID_LOCK", () => {
    it("keeps other channels out until it expires or is released", () => {
      const a = h.allocate();
      const b = h.allocate();
      h.request(a, C.CTAPHID_LOCK, Uint8Array.of(2));
      expect(h.takeOne()).toEqual({ cid: a, cmd: C.CTAPHID_LOCK, payload: new Uint8Array(0) });
      h.request(b, C.CTAPHID_PING, Uint8Array.of(1));
      h.expectError(E.ERR_CHANNEL_BUSY, b);
      h.request(a, C.CTAPHID_PING, Uint8Array.of(1));
      expect(h.takeOne().cmd).toBe(C.CTAPHID_PING);
      h.scheduler.advance(2000);
      h.request(b, C.CTAPHID_PING, Uint8Array.of(1));
      expect(h.takeOne().cmd).toBe(C.CTAPHID_PING);
      h.request(a, C.CTAPHID_LOCK, Uint8Array.of(10));
      h.take();
      h.request(a, C.CTAPHID_LOCK, Uint8Array.of(0));
      h.take();
      h.request(b, C.CTAPHID_PING, Uint8Array.of(1));
      expect(h.takeOne().cmd).toBe(C.CTAPHID_PING);
    });

    it("refuses more than 10 seconds and a wrong length", () => {
      const a = h.allocate();
      h.request(a, C.CTAPHID_LOCK, Uint8Array.of(11));
      h.expectError(E.ERR_INVALID_PAR, a);
      h.request(a, C.CTAPHID_LOCK, Uint8Array.of(1, 1));
      h.expectError(E.ERR_INVALID_LEN, a);
    });
  });

  it("survives thousands of random reports with well-formed answers only", async () => {
    const random = seededRandom(0x5eed);
    const byte = () => Math.floor(random() * 256);
    h = new Harness(new EchoTransport(), { randomChannelId: () => Math.floor(random() * 2 ** 32), maxChannels: 8 });
    const known: number[] = [CID_BROADCAST, 0];
    const commands = [...Object.values(C), 0x00, 0x7f, 0x42];
    for (let i = 0; i < 5000; i++) {
      const report = Uint8Array.from({ length: 64 }, byte);
      const kind = random();
      if (kind < 0.6) {
        // Aim at channels that exist, with plausible headers, so the state machine gets deep.
        const cid = known[Math.floor(random() * known.length)]!;
        new DataView(report.buffer).setUint32(0, cid);
        if (random() < 0.5) {
          report[4] = 0x80 | commands[Math.floor(random() * commands.length)]!;
          const bcnt = random() < 0.2 ? 8 : Math.floor(random() * (random() < 0.9 ? 300 : 8000));
          report[5] = bcnt >> 8;
          report[6] = bcnt & 0xff;
        } else {
          report[4] = Math.floor(random() * 6);
        }
      }
      expect(() => h.host.receive(report)).not.toThrow();
      for (const message of h.take()) {
        if (message.cmd === C.CTAPHID_INIT && message.payload.length === 17) {
          known.push(new DataView(message.payload.buffer).getUint32(8));
        }
      }
      if (random() < 0.05) h.scheduler.advance(Math.floor(random() * 700));
      if (random() < 0.05) await settle();
    }
    // Everything the device sent, decoded as one stream, is well formed.
    expect(() => decodeReports(h.sent)).not.toThrow();
    expect(h.sent.every((report) => report.length === 64)).toBe(true);
  });
});
