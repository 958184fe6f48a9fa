/**
 * CTAPHID framing (CTAP 2.1 section 11.2.4): a message travels as one
 * initialization packet and up to 128 continuation packets, each one 64-byte
 * HID report. Constants are named as the spec names them.
 */

/** Every report on the FIDO usage page is 64 bytes (the report descriptor says so). */
export const HID_REPORT_SIZE = 64;
/** CID (4) + CMD (1) + BCNTH (1) + BCNTL (1). */
export const INIT_HEADER_SIZE = 7;
/** CID (4) + SEQ (1). */
export const CONT_HEADER_SIZE = 5;
export const INIT_DATA_SIZE = HID_REPORT_SIZE - INIT_HEADER_SIZE; // 57
export const CONT_DATA_SIZE = HID_REPORT_SIZE - CONT_HEADER_SIZE; // 59
/** Continuation sequence numbers run 0..0x7f: bit 7 marks an initialization packet. */
export const MAX_SEQ = 0x7f;
/** 57 + 128 * 59: the largest message a 64-byte report size allows. */
export const MAX_MESSAGE_SIZE = INIT_DATA_SIZE + (MAX_SEQ + 1) * CONT_DATA_SIZE; // 7609

/** Bit 7 of the fifth byte: set on initialization packets (the CMD), clear on continuations (the SEQ). */
export const TYPE_INIT = 0x80;
/** Channel 0 is reserved; 0xffffffff is the broadcast channel, only for CTAPHID_INIT. */
export const CID_RESERVED = 0;
export const CID_BROADCAST = 0xffffffff;

/** CTAPHID commands (section 11.2.9), without the TYPE_INIT bit. */
export const CtaphidCommand = {
  CTAPHID_PING: 0x01,
  CTAPHID_MSG: 0x03,
  CTAPHID_LOCK: 0x04,
  CTAPHID_INIT: 0x06,
  CTAPHID_WINK: 0x08,
  CTAPHID_CBOR: 0x10,
  CTAPHID_CANCEL: 0x11,
  CTAPHID_KEEPALIVE: 0x3b,
  CTAPHID_ERROR: 0x3f,
} as const;

/** Payload byte of a CTAPHID_ERROR response (section 11.2.9.1.6). */
export const CtaphidErrorCode = {
  ERR_INVALID_CMD: 0x01,
  ERR_INVALID_PAR: 0x02,
  ERR_INVALID_LEN: 0x03,
  ERR_INVALID_SEQ: 0x04,
  ERR_MSG_TIMEOUT: 0x05,
  ERR_CHANNEL_BUSY: 0x06,
  ERR_LOCK_REQUIRED: 0x0a,
  ERR_INVALID_CHANNEL: 0x0b,
  ERR_OTHER: 0x7f,
} as const;

/** Payload byte of a CTAPHID_KEEPALIVE response. */
export const KeepaliveStatusCode = {
  STATUS_PROCESSING: 1,
  STATUS_UPNEEDED: 2,
} as const;

/** Capability flags in the CTAPHID_INIT response. */
export const Capability = {
  CAPABILITY_WINK: 0x01,
  CAPABILITY_CBOR: 0x04,
  CAPABILITY_NMSG: 0x08,
} as const;

/** Version of the CTAPHID protocol itself, reported by CTAPHID_INIT. */
export const CTAPHID_PROTOCOL_VERSION = 2;

export interface InitPacket {
  kind: "init";
  cid: number;
  /** Command without the TYPE_INIT bit. */
  cmd: number;
  /** Total payload length announced by BCNTH/BCNTL. */
  bcnt: number;
  /** The 57 data bytes of the packet (padding included). */
  data: Uint8Array;
}

export interface ContinuationPacket {
  kind: "cont";
  cid: number;
  seq: number;
  /** The 59 data bytes of the packet (padding included). */
  data: Uint8Array;
}

export type Packet = InitPacket | ContinuationPacket;

function readCid(report: Uint8Array): number {
  // `>>> 0` keeps 0xffffffff positive.
  return ((report[0]! << 24) | (report[1]! << 16) | (report[2]! << 8) | report[3]!) >>> 0;
}

function writeCid(report: Uint8Array, cid: number): void {
  report[0] = (cid >>> 24) & 0xff;
  report[1] = (cid >>> 16) & 0xff;
  report[2] = (cid >>> 8) & 0xff;
  report[3] = cid & 0xff;
}

/** The channel id of a report, or undefined when it is too short to have one. */
export function channelIdOf(report: Uint8Array): number | undefined {
  return report.length >= 4 ? readCid(report) : undefined;
}

/** Parses one 64-byte report; undefined for anything that is not exactly one report. */
export function parsePacket(report: Uint8Array): Packet | undefined {
  if (report.length !== HID_REPORT_SIZE) return undefined;
  const cid = readCid(report);
  const type = report[4]!;
  if (type & TYPE_INIT) {
    return {
      kind: "init",
      cid,
      cmd: type & ~TYPE_INIT,
      bcnt: (report[5]! << 8) | report[6]!,
      data: report.subarray(INIT_HEADER_SIZE),
    };
  }
  return { kind: "cont", cid, seq: type, data: report.subarray(CONT_HEADER_SIZE) };
}

export function encodeInitPacket(cid: number, cmd: number, bcnt: number, data: Uint8Array): Uint8Array {
  const report = new Uint8Array(HID_REPORT_SIZE);
  writeCid(report, cid);
  report[4] = TYPE_INIT | (cmd & 0x7f);
  report[5] = (bcnt >>> 8) & 0xff;
  report[6] = bcnt & 0xff;
  report.set(data.subarray(0, INIT_DATA_SIZE), INIT_HEADER_SIZE);
  return report;
}

export function encodeContinuationPacket(cid: number, seq: number, data: Uint8Array): Uint8Array {
  const report = new Uint8Array(HID_REPORT_SIZE);
  writeCid(report, cid);
  report[4] = seq & MAX_SEQ;
  report.set(data.subarray(0, CONT_DATA_SIZE), CONT_HEADER_SIZE);
  return report;
}

/**
 * Splits one message into its reports, zero-padded as the spec requires.
 * Throws RangeError above MAX_MESSAGE_SIZE: callers check first.
 */
export function encodeMessage(cid: number, cmd: number, payload: Uint8Array): Uint8Array[] {
  if (payload.length > MAX_MESSAGE_SIZE) {
    throw new RangeError(`CTAPHID message of ${payload.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
  }
  const reports = [encodeInitPacket(cid, cmd, payload.length, payload.subarray(0, INIT_DATA_SIZE))];
  for (let offset = INIT_DATA_SIZE, seq = 0; offset < payload.length; offset += CONT_DATA_SIZE, seq++) {
    reports.push(encodeContinuationPacket(cid, seq, payload.subarray(offset, offset + CONT_DATA_SIZE)));
  }
  return reports;
}
