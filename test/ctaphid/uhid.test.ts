import { describe, expect, it } from "vitest";

import {
  FIDO_HID_REPORT_DESCRIPTOR,
  UHID_EVENT_SIZE,
  UhidEventType,
  decodeUhidEvent,
  encodeCreate2,
  encodeDestroy,
  encodeGetReportReply,
  encodeInput2,
  encodeSetReportReply,
  outputToCtaphidReport,
} from "../../src/ctaphid/uhid.js";

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

describe("uhid events (struct uhid_event, packed, little-endian)", () => {
  it("is 4376 bytes: a u32 type and the largest union member, uhid_create2_req", () => {
    expect(UHID_EVENT_SIZE).toBe(4 + 128 + 64 + 64 + 2 + 2 + 4 + 4 + 4 + 4 + 4096);
    expect(UhidEventType).toMatchObject({
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
    });
  });

  it("encodes UHID_CREATE2 with every field at its kernel offset", () => {
    const event = encodeCreate2({
      name: "softkey",
      phys: "virt/0",
      uniq: "serial-1",
      vendor: 0x1209,
      product: 0xbeef,
      version: 0x0102,
      country: 7,
    });
    const v = view(event);
    expect(event.length).toBe(UHID_EVENT_SIZE);
    expect(v.getUint32(0, true)).toBe(11);
    expect(new TextDecoder().decode(event.subarray(4, 4 + 7))).toBe("softkey");
    expect(event[4 + 7]).toBe(0); // NUL-terminated name[128]
    expect(new TextDecoder().decode(event.subarray(132, 132 + 6))).toBe("virt/0"); // phys[64]
    expect(new TextDecoder().decode(event.subarray(196, 196 + 8))).toBe("serial-1"); // uniq[64]
    expect(v.getUint16(260, true)).toBe(FIDO_HID_REPORT_DESCRIPTOR.length); // rd_size
    expect(v.getUint16(262, true)).toBe(0x03); // bus: BUS_USB
    expect(v.getUint32(264, true)).toBe(0x1209); // vendor
    expect(v.getUint32(268, true)).toBe(0xbeef); // product
    expect(v.getUint32(272, true)).toBe(0x0102); // version
    expect(v.getUint32(276, true)).toBe(7); // country
    expect(event.subarray(280, 280 + FIDO_HID_REPORT_DESCRIPTOR.length)).toEqual(FIDO_HID_REPORT_DESCRIPTOR); // rd_data
  });

  it("truncates names so the NUL terminator always fits", () => {
    const event = encodeCreate2({ name: "x".repeat(500), vendor: 0, product: 0 });
    expect(event[4 + 126]).toBe(0x78);
    expect(event[4 + 127]).toBe(0);
  });

  it("describes a FIDO device: usage page 0xF1D0, usage 1, 64-byte input and output reports", () => {
    const d = [...FIDO_HID_REPORT_DESCRIPTOR];
    expect(d.slice(0, 5)).toEqual([0x06, 0xd0, 0xf1, 0x09, 0x01]);
    expect(d.join(",")).toContain([0x75, 0x08, 0x95, 0x40, 0x81, 0x02].join(","));
    expect(d.join(",")).toContain([0x75, 0x08, 0x95, 0x40, 0x91, 0x02].join(","));
    expect(d.at(-1)).toBe(0xc0);
    expect(d).not.toContain(0x85); // no report ids
  });

  it("encodes UHID_INPUT2: u16 size then data", () => {
    const report = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
    const event = encodeInput2(report);
    expect(view(event).getUint32(0, true)).toBe(12);
    expect(view(event).getUint16(4, true)).toBe(64);
    expect(event.subarray(6, 70)).toEqual(report);
  });

  it("encodes UHID_DESTROY and the report replies", () => {
    expect(view(encodeDestroy()).getUint32(0, true)).toBe(1);
    const get = encodeGetReportReply(0xabcdef01, 5, Uint8Array.of(9));
    expect([view(get).getUint32(0, true), view(get).getUint32(4, true), view(get).getUint16(8, true)]).toEqual([
      10, 0xabcdef01, 5,
    ]);
    expect([view(get).getUint16(10, true), get[12]]).toEqual([1, 9]);
    const set = encodeSetReportReply(42, 5);
    expect([view(set).getUint32(0, true), view(set).getUint32(4, true), view(set).getUint16(8, true)]).toEqual([14, 42, 5]);
  });

  it("decodes UHID_OUTPUT: data[4096], then u16 size and u8 rtype", () => {
    const event = new Uint8Array(UHID_EVENT_SIZE);
    const v = view(event);
    v.setUint32(0, 6, true);
    event.set([0, 0xaa, 0xbb], 4);
    v.setUint16(4 + 4096, 65, true);
    event[4 + 4098] = 1;
    const decoded = decodeUhidEvent(event);
    expect(decoded).toMatchObject({ type: "output", reportType: 1 });
    if (decoded?.type !== "output") throw new Error("not output");
    expect(decoded.data.length).toBe(65);
    // hidraw writers prefix report number 0: the CTAPHID report starts after it.
    expect(outputToCtaphidReport(decoded.data).subarray(0, 2)).toEqual(Uint8Array.of(0xaa, 0xbb));
    expect(outputToCtaphidReport(decoded.data).length).toBe(64);
  });

  it("decodes start, stop, open, close, get and set report requests, short or unknown events", () => {
    const event = (type: number, fill?: (v: DataView, b: Uint8Array) => void) => {
      const bytes = new Uint8Array(UHID_EVENT_SIZE);
      view(bytes).setUint32(0, type, true);
      fill?.(view(bytes), bytes);
      return bytes;
    };
    expect(decodeUhidEvent(event(2, (v) => v.setBigUint64(4, 4n, true)))).toEqual({ type: "start", devFlags: 4n });
    expect(decodeUhidEvent(event(3))).toEqual({ type: "stop" });
    expect(decodeUhidEvent(Uint8Array.of(4, 0, 0, 0))).toEqual({ type: "open" });
    expect(decodeUhidEvent(event(5))).toEqual({ type: "close" });
    expect(
      decodeUhidEvent(
        event(9, (v, b) => {
          v.setUint32(4, 77, true);
          b[8] = 3;
          b[9] = 0;
        }),
      ),
    ).toEqual({ type: "getReport", id: 77, reportNumber: 3, reportType: 0 });
    const set = decodeUhidEvent(
      event(13, (v, b) => {
        v.setUint32(4, 78, true);
        b[8] = 1;
        b[9] = 1;
        v.setUint16(10, 2, true);
        b.set([5, 6], 12);
      }),
    );
    expect(set).toEqual({ type: "setReport", id: 78, reportNumber: 1, reportType: 1, data: Uint8Array.of(5, 6) });
    expect(decodeUhidEvent(event(99))).toEqual({ type: "unknown", code: 99 });
    expect(decodeUhidEvent(new Uint8Array(3))).toBeUndefined();
  });
});
