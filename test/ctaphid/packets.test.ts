import { describe, expect, it } from "vitest";

import {
  CONT_DATA_SIZE,
  Capability,
  CtaphidCommand,
  CtaphidErrorCode,
  INIT_DATA_SIZE,
  KeepaliveStatusCode,
  MAX_MESSAGE_SIZE,
  channelIdOf,
  encodeContinuationPacket,
  encodeInitPacket,
  encodeMessage,
  parsePacket,
} from "../../src/ctaphid/packets.js";
import { MessageReassembly } from "../../src/ctaphid/reassembly.js";

describe("CTAPHID packets", () => {
  it("uses the values of CTAP 2.1 section 11.2", () => {
    expect(CtaphidCommand).toEqual({
      CTAPHID_PING: 0x01,
      CTAPHID_MSG: 0x03,
      CTAPHID_LOCK: 0x04,
      CTAPHID_INIT: 0x06,
      CTAPHID_WINK: 0x08,
      CTAPHID_CBOR: 0x10,
      CTAPHID_CANCEL: 0x11,
      CTAPHID_KEEPALIVE: 0x3b,
      CTAPHID_ERROR: 0x3f,
    });
    expect(CtaphidErrorCode.ERR_INVALID_CHANNEL).toBe(0x0b);
    expect(CtaphidErrorCode.ERR_OTHER).toBe(0x7f);
    expect(KeepaliveStatusCode).toEqual({ STATUS_PROCESSING: 1, STATUS_UPNEEDED: 2 });
    expect(Capability).toEqual({ CAPABILITY_WINK: 0x01, CAPABILITY_CBOR: 0x04, CAPABILITY_NMSG: 0x08 });
    expect(INIT_DATA_SIZE).toBe(57);
    expect(CONT_DATA_SIZE).toBe(59);
    expect(MAX_MESSAGE_SIZE).toBe(7609);
  });

  it("lays out an initialization packet: CID, CMD | 0x80, BCNTH, BCNTL, data", () => {
    const report = encodeInitPacket(0x01020304, CtaphidCommand.CTAPHID_CBOR, 0x1234, Uint8Array.of(0xaa, 0xbb));
    expect(report.length).toBe(64);
    expect([...report.subarray(0, 9)]).toEqual([1, 2, 3, 4, 0x90, 0x12, 0x34, 0xaa, 0xbb]);
    expect(report.subarray(9).every((b) => b === 0)).toBe(true);
    expect(parsePacket(report)).toMatchObject({ kind: "init", cid: 0x01020304, cmd: 0x10, bcnt: 0x1234 });
  });

  it("lays out a continuation packet: CID, SEQ, data", () => {
    const report = encodeContinuationPacket(0xffffffff, 0x7f, Uint8Array.of(9));
    expect([...report.subarray(0, 6)]).toEqual([0xff, 0xff, 0xff, 0xff, 0x7f, 9]);
    expect(parsePacket(report)).toMatchObject({ kind: "cont", cid: 0xffffffff, seq: 0x7f });
    expect(channelIdOf(report)).toBe(0xffffffff);
  });

  it("refuses reports that are not 64 bytes", () => {
    expect(parsePacket(new Uint8Array(63))).toBeUndefined();
    expect(parsePacket(new Uint8Array(65))).toBeUndefined();
  });

  it("splits the largest message into 129 reports and reassembles it", () => {
    const payload = Uint8Array.from({ length: MAX_MESSAGE_SIZE }, (_, i) => (i * 7) & 0xff);
    const reports = encodeMessage(0x11223344, CtaphidCommand.CTAPHID_PING, payload);
    expect(reports.length).toBe(129);
    expect(reports[128]![4]).toBe(0x7f);
    const reassembly = new MessageReassembly(parsePacket(reports[0]!) as never);
    for (const report of reports.slice(1)) {
      const packet = parsePacket(report)!;
      if (packet.kind !== "cont") throw new Error("expected a continuation");
      reassembly.append(packet.seq, packet.data);
    }
    expect(reassembly.complete).toBe(true);
    expect(reassembly.message).toEqual(payload);
    expect(() => encodeMessage(1, 1, new Uint8Array(MAX_MESSAGE_SIZE + 1))).toThrow(RangeError);
  });

  it("reassembly rejects a wrong sequence number", () => {
    const reports = encodeMessage(5, CtaphidCommand.CTAPHID_PING, new Uint8Array(200));
    const reassembly = new MessageReassembly(parsePacket(reports[0]!) as never);
    expect(reassembly.append(1, new Uint8Array(59))).toBe("invalid-seq");
  });
});
