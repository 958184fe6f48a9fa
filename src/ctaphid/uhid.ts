/**
 * Linux /dev/uhid events (include/uapi/linux/uhid.h), encoded and decoded
 * without I/O. Every event is a packed `struct uhid_event`: a u32 type, then a
 * union whose largest member (uhid_create2_req) makes the whole 4376 bytes.
 * Integers are host order; every Linux target Node runs on here is little-endian.
 */

/** enum uhid_event_type (the legacy values 0, 7 and 8 are never used). */
export const UhidEventType = {
  UHID_DESTROY: 1,
  UHID_START: 2,
  UHID_STOP: 3,
  UHID_OPEN: 4,
  UHID_CLOSE: 5,
  UHID_OUTPUT: 6,
  UHID_GET_REPORT: 9,
  UHID_GET_REPORT_REPLY: 10,
  UHID_CREATE2: 11,
  UHID_INPUT2: 12,
  UHID_SET_REPORT: 13,
  UHID_SET_REPORT_REPLY: 14,
} as const;

/** enum uhid_report_type. */
export const UhidReportType = {
  UHID_FEATURE_REPORT: 0,
  UHID_OUTPUT_REPORT: 1,
  UHID_INPUT_REPORT: 2,
} as const;

/** BUS_USB from linux/input.h: platforms look for FIDO keys on USB. */
export const BUS_USB = 0x03;
export const UHID_DATA_MAX = 4096;
export const HID_MAX_DESCRIPTOR_SIZE = 4096;

/** sizeof(struct uhid_create2_req): name[128] phys[64] uniq[64] rd_size bus vendor product version country rd_data[4096]. */
export const UHID_CREATE2_REQ_SIZE = 128 + 64 + 64 + 2 + 2 + 4 * 4 + HID_MAX_DESCRIPTOR_SIZE; // 4372
/** sizeof(struct uhid_event). */
export const UHID_EVENT_SIZE = 4 + UHID_CREATE2_REQ_SIZE; // 4376

/** Byte offsets inside struct uhid_event (the union starts at 4). */
const U = 4;
const CREATE2 = {
  name: U,
  phys: U + 128,
  uniq: U + 192,
  rdSize: U + 256,
  bus: U + 258,
  vendor: U + 260,
  product: U + 264,
  version: U + 268,
  country: U + 272,
  rdData: U + 276,
} as const;

/**
 * The FIDO HID report descriptor (CTAP 2.1 section 11.2.8.1): usage page
 * 0xF1D0, usage CTAPHID (0x01), one 64-byte input and one 64-byte output report,
 * no report ids.
 */
export const FIDO_HID_REPORT_DESCRIPTOR = Uint8Array.from([
  0x06, 0xd0, 0xf1, // Usage Page (FIDO Alliance, 0xF1D0)
  0x09, 0x01, //       Usage (CTAPHID)
  0xa1, 0x01, //       Collection (Application)
  0x09, 0x20, //         Usage (Input Report Data)
  0x15, 0x00, //         Logical Minimum (0)
  0x26, 0xff, 0x00, //   Logical Maximum (255)
  0x75, 0x08, //         Report Size (8)
  0x95, 0x40, //         Report Count (64)
  0x81, 0x02, //         Input (Data, Variable, Absolute)
  0x09, 0x21, //         Usage (Output Report Data)
  0x15, 0x00, //         Logical Minimum (0)
  0x26, 0xff, 0x00, //   Logical Maximum (255)
  0x75, 0x08, //         Report Size (8)
  0x95, 0x40, //         Report Count (64)
  0x91, 0x02, //         Output (Data, Variable, Absolute)
  0xc0, //             End Collection
]);

export interface UhidCreate2Request {
  name: string;
  phys?: string;
  /** The serial number platforms show. */
  uniq?: string;
  bus?: number;
  vendor: number;
  product: number;
  version?: number;
  country?: number;
  descriptor?: Uint8Array;
}

function newEvent(type: number): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(UHID_EVENT_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  return { bytes, view };
}

/** Writes a NUL-terminated string into a fixed field, truncated to leave room for the NUL. */
function writeCString(bytes: Uint8Array, offset: number, size: number, text: string): void {
  const encoded = new TextEncoder().encode(text).subarray(0, size - 1);
  bytes.set(encoded, offset);
}

export function encodeCreate2(request: UhidCreate2Request): Uint8Array {
  const descriptor = request.descriptor ?? FIDO_HID_REPORT_DESCRIPTOR;
  if (descriptor.length > HID_MAX_DESCRIPTOR_SIZE) throw new RangeError("HID report descriptor too large");
  const { bytes, view } = newEvent(UhidEventType.UHID_CREATE2);
  writeCString(bytes, CREATE2.name, 128, request.name);
  writeCString(bytes, CREATE2.phys, 64, request.phys ?? "");
  writeCString(bytes, CREATE2.uniq, 64, request.uniq ?? "");
  view.setUint16(CREATE2.rdSize, descriptor.length, true);
  view.setUint16(CREATE2.bus, request.bus ?? BUS_USB, true);
  view.setUint32(CREATE2.vendor, request.vendor, true);
  view.setUint32(CREATE2.product, request.product, true);
  view.setUint32(CREATE2.version, request.version ?? 0, true);
  view.setUint32(CREATE2.country, request.country ?? 0, true);
  bytes.set(descriptor, CREATE2.rdData);
  return bytes;
}

/** UHID_INPUT2 (struct uhid_input2_req: u16 size, u8 data[4096]): one input report towards the platform. */
export function encodeInput2(report: Uint8Array): Uint8Array {
  if (report.length > UHID_DATA_MAX) throw new RangeError("uhid input report too large");
  const { bytes, view } = newEvent(UhidEventType.UHID_INPUT2);
  view.setUint16(U, report.length, true);
  bytes.set(report, U + 2);
  return bytes;
}

export function encodeDestroy(): Uint8Array {
  return newEvent(UhidEventType.UHID_DESTROY).bytes;
}

/** UHID_GET_REPORT_REPLY (u32 id, u16 err, u16 size, data): the FIDO device has no feature reports, so it answers with an errno. */
export function encodeGetReportReply(id: number, err: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const { bytes, view } = newEvent(UhidEventType.UHID_GET_REPORT_REPLY);
  view.setUint32(U, id, true);
  view.setUint16(U + 4, err, true);
  view.setUint16(U + 6, data.length, true);
  bytes.set(data.subarray(0, UHID_DATA_MAX), U + 8);
  return bytes;
}

/** UHID_SET_REPORT_REPLY (u32 id, u16 err). */
export function encodeSetReportReply(id: number, err: number): Uint8Array {
  const { bytes, view } = newEvent(UhidEventType.UHID_SET_REPORT_REPLY);
  view.setUint32(U, id, true);
  view.setUint16(U + 4, err, true);
  return bytes;
}

export type UhidEvent =
  | { type: "start"; devFlags: bigint }
  | { type: "stop" }
  | { type: "open" }
  | { type: "close" }
  /** struct uhid_output_req: data[4096], u16 size, u8 rtype. */
  | { type: "output"; data: Uint8Array; reportType: number }
  /** struct uhid_get_report_req: u32 id, u8 rnum, u8 rtype. */
  | { type: "getReport"; id: number; reportNumber: number; reportType: number }
  /** struct uhid_set_report_req: u32 id, u8 rnum, u8 rtype, u16 size, data. */
  | { type: "setReport"; id: number; reportNumber: number; reportType: number; data: Uint8Array }
  | { type: "unknown"; code: number };

/**
 * Decodes one event read from /dev/uhid. The kernel may write short events
 * (user space extends them with zeros), so missing bytes read as zero.
 * Undefined when not even the type is there.
 */
export function decodeUhidEvent(input: Uint8Array): UhidEvent | undefined {
  if (input.length < 4) return undefined;
  const bytes = new Uint8Array(UHID_EVENT_SIZE);
  bytes.set(input.subarray(0, UHID_EVENT_SIZE));
  const view = new DataView(bytes.buffer);
  const code = view.getUint32(0, true);
  switch (code) {
    case UhidEventType.UHID_START:
      return { type: "start", devFlags: view.getBigUint64(U, true) };
    case UhidEventType.UHID_STOP:
      return { type: "stop" };
    case UhidEventType.UHID_OPEN:
      return { type: "open" };
    case UhidEventType.UHID_CLOSE:
      return { type: "close" };
    case UhidEventType.UHID_OUTPUT: {
      const size = Math.min(view.getUint16(U + UHID_DATA_MAX, true), UHID_DATA_MAX);
      return { type: "output", data: bytes.slice(U, U + size), reportType: bytes[U + UHID_DATA_MAX + 2]! };
    }
    case UhidEventType.UHID_GET_REPORT:
      return { type: "getReport", id: view.getUint32(U, true), reportNumber: bytes[U + 4]!, reportType: bytes[U + 5]! };
    case UhidEventType.UHID_SET_REPORT: {
      const size = Math.min(view.getUint16(U + 6, true), UHID_DATA_MAX);
      return {
        type: "setReport",
        id: view.getUint32(U, true),
        reportNumber: bytes[U + 4]!,
        reportType: bytes[U + 5]!,
        data: bytes.slice(U + 8, U + 8 + size),
      };
    }
    default:
      return { type: "unknown", code };
  }
}

/**
 * The CTAPHID report inside a UHID_OUTPUT: hidraw writers put a report number
 * first (0 for a device without report ids), which the kernel passes through.
 */
export function outputToCtaphidReport(data: Uint8Array): Uint8Array {
  return data.length === 65 && data[0] === 0 ? data.subarray(1) : data;
}
