import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { CID_BROADCAST, CtaphidCommand as C, encodeMessage } from "../../src/ctaphid/packets.js";
import { FIDO_HID_REPORT_DESCRIPTOR, UHID_EVENT_SIZE, UhidEventType } from "../../src/ctaphid/uhid.js";
import { startCtaphidServer } from "../../src/serve/ctaphidServer.js";
import { UHID_UNAVAILABLE, startUhidDevice, type UhidFile } from "../../src/serve/uhid.js";
import { CtaphidTestClient, EchoTransport } from "../ctaphid/helpers.js";

/** Stands in for /dev/uhid: the test plays the kernel. */
class FakeUhidFile implements UhidFile {
  readonly written: Uint8Array[] = [];
  onWrite: (event: Uint8Array) => void = () => {};
  closed = false;
  private readonly events: Uint8Array[] = [];
  private reader: (() => void) | undefined;

  async read(buffer: Uint8Array): Promise<number> {
    while (this.events.length === 0 && !this.closed) await new Promise<void>((resolve) => (this.reader = resolve));
    const event = this.events.shift();
    if (!event) return 0;
    buffer.set(event);
    return event.length;
  }

  async write(event: Uint8Array): Promise<void> {
    this.written.push(event.slice());
    // Like the kernel: destroying a started device stops it, which wakes a blocked reader.
    if (typeOf(event) === UhidEventType.UHID_DESTROY) this.deliver(UhidEventType.UHID_STOP);
    this.onWrite(event);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reader?.();
  }

  /** The kernel hands an event to the device. */
  deliver(type: number, fill?: (view: DataView, bytes: Uint8Array) => void): void {
    const bytes = new Uint8Array(UHID_EVENT_SIZE);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, type, true);
    fill?.(view, bytes);
    this.events.push(bytes);
    this.reader?.();
  }

  /** A hidraw write of one report, with the report number 0 in front as hidraw writers send it. */
  deliverOutput(report: Uint8Array): void {
    this.deliver(UhidEventType.UHID_OUTPUT, (view, bytes) => {
      bytes.set([0, ...report], 4);
      view.setUint16(4 + 4096, 65, true);
      bytes[4 + 4098] = 1;
    });
  }
}

const typeOf = (event: Uint8Array) => new DataView(event.buffer).getUint32(0, true);

describe("uhid host", () => {
  it("says uhid is unavailable in one line when /dev/uhid is missing", async () => {
    await expect(startUhidDevice(new EchoTransport(), { path: "/nonexistent/uhid" })).rejects.toThrow(UHID_UNAVAILABLE);
    expect(UHID_UNAVAILABLE).toBe(
      "uhid is not available on this machine (/dev/uhid missing): use --ctaphid unix:PATH or tcp:HOST:PORT",
    );
    if (!existsSync("/dev/uhid")) {
      await expect(startCtaphidServer("uhid", new EchoTransport())).rejects.toThrow(UHID_UNAVAILABLE);
    }
  });

  it("creates a FIDO device, answers hidraw output reports with input reports, destroys it on close", async () => {
    const file = new FakeUhidFile();
    const client = new CtaphidTestClient((report) => file.deliverOutput(report));
    file.onWrite = (event) => {
      if (typeOf(event) === UhidEventType.UHID_INPUT2) {
        const size = new DataView(event.buffer).getUint16(4, true);
        client.onReport(event.slice(6, 6 + size));
      }
    };
    const device = await startUhidDevice(new EchoTransport(), { file });
    expect(device.address).toBe("uhid");
    const create = file.written[0]!;
    expect(typeOf(create)).toBe(UhidEventType.UHID_CREATE2);
    expect(create.subarray(280, 280 + FIDO_HID_REPORT_DESCRIPTOR.length)).toEqual(FIDO_HID_REPORT_DESCRIPTOR);

    file.deliver(UhidEventType.UHID_START);
    file.deliver(UhidEventType.UHID_OPEN);
    const cid = await client.allocateChannel();
    const payload = Uint8Array.from({ length: 700 }, (_, i) => i & 0xff);
    expect(await client.call(cid, C.CTAPHID_PING, payload)).toEqual({ cid, cmd: C.CTAPHID_PING, payload });

    // A feature report request is refused with EIO rather than left to time out in the kernel.
    file.deliver(UhidEventType.UHID_GET_REPORT, (view) => view.setUint32(4, 99, true));
    await waitFor(() => file.written.some((e) => typeOf(e) === UhidEventType.UHID_GET_REPORT_REPLY));
    const reply = file.written.find((e) => typeOf(e) === UhidEventType.UHID_GET_REPORT_REPLY)!;
    expect([new DataView(reply.buffer).getUint32(4, true), new DataView(reply.buffer).getUint16(8, true)]).toEqual([99, 5]);

    await device.close();
    expect(typeOf(file.written.at(-1)!)).toBe(UhidEventType.UHID_DESTROY);
    expect(file.closed).toBe(true);
    // Nothing more is answered after close.
    const before = file.written.length;
    for (const report of encodeMessage(CID_BROADCAST, C.CTAPHID_INIT, new Uint8Array(8))) file.deliverOutput(report);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(file.written.length).toBe(before);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
