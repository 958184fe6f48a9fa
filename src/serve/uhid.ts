/**
 * The virtual key as a real HID device through Linux /dev/uhid: browsers and
 * libfido2 then find it like a USB key. Reports go through the same shared
 * CTAPHID device as the socket hosts; this file only moves uhid events.
 */
import { open } from "node:fs/promises";
import { constants } from "node:fs";

import type { CtapTransport } from "../ctap/transport.js";
import {
  UHID_EVENT_SIZE,
  decodeUhidEvent,
  encodeCreate2,
  encodeDestroy,
  encodeGetReportReply,
  encodeInput2,
  encodeSetReportReply,
  outputToCtaphidReport,
} from "../ctaphid/uhid.js";
import type { CtaphidServer } from "./host.js";
import { SharedCtaphidDevice, type CtaphidDeviceOptions, type ReportPeer } from "./sharedDevice.js";

export const UHID_PATH = "/dev/uhid";
export const UHID_UNAVAILABLE =
  "uhid is not available on this machine (/dev/uhid missing): use --ctaphid unix:PATH or tcp:HOST:PORT";

/** errno EIO: the FIDO device has no feature reports to get or set. */
const EIO = 5;
/** How long close() waits for a blocked read to return before letting go of the descriptor. */
const CLOSE_GRACE_MS = 1000;

/** What the host needs of /dev/uhid; tests put a fake in its place. */
export interface UhidFile {
  /** Reads one event (the kernel hands out one per read) and resolves its length; 0 at end. */
  read(buffer: Uint8Array): Promise<number>;
  write(event: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function openUhidFile(path: string = UHID_PATH): Promise<UhidFile> {
  const handle = await open(path, constants.O_RDWR).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new Error(UHID_UNAVAILABLE, { cause: error });
    if (error.code === "EACCES" || error.code === "EPERM") {
      throw new Error(`cannot open ${path}: permission denied (run as root or grant access with a udev rule)`, {
        cause: error,
      });
    }
    throw new Error(`cannot open ${path}: ${error.message}`, { cause: error });
  });
  return {
    // A blocking read on a libuv pool thread: /dev/uhid cannot be polled through Node's event loop.
    read: async (buffer) => (await handle.read(buffer, 0, buffer.length, null)).bytesRead,
    write: async (event) => {
      await handle.write(event, 0, event.length, null);
    },
    close: () => handle.close(),
  };
}

export interface UhidDeviceOptions {
  log?: (line: string) => void;
  device?: CtaphidDeviceOptions;
  /** The device node; default /dev/uhid. */
  path?: string;
  /** An already open device (tests); `path` is then ignored. */
  file?: UhidFile;
  name?: string;
  /** Serial number. */
  serial?: string;
  /** Default 0x1209:0x0001, a pid.codes test id: platforms find FIDO keys by usage page, not by id. */
  vendor?: number;
  product?: number;
}

export async function startUhidDevice(transport: CtapTransport, options: UhidDeviceOptions = {}): Promise<CtaphidServer> {
  const log = options.log ?? (() => {});
  const file = options.file ?? (await openUhidFile(options.path));
  let closed = false;
  // Writes must reach the kernel in order (a message's reports, then the next message), one at a time.
  let writes = Promise.resolve();
  const write = (event: Uint8Array) => {
    writes = writes
      .then(() => file.write(event))
      .catch((error: Error) => log(`ctaphid: uhid write failed: ${error.message}`));
    return writes;
  };

  const create = encodeCreate2({
    name: options.name ?? "softkey virtual FIDO2 key",
    uniq: options.serial ?? "softkey",
    vendor: options.vendor ?? 0x1209,
    product: options.product ?? 0x0001,
  });
  try {
    await file.write(create);
  } catch (error) {
    await file.close().catch(() => {});
    throw new Error(`cannot create the uhid device: ${(error as Error).message}`, { cause: error });
  }

  const device = new SharedCtaphidDevice(transport, options.device ?? {}, log);
  const peer: ReportPeer = { write: (report) => void write(encodeInput2(report)) };

  const reading = (async () => {
    const buffer = new Uint8Array(UHID_EVENT_SIZE);
    while (!closed) {
      let length: number;
      try {
        length = await file.read(buffer);
      } catch (error) {
        if (!closed) log(`ctaphid: uhid read failed: ${(error as Error).message}`);
        return;
      }
      if (closed || length === 0) return;
      const event = decodeUhidEvent(buffer.subarray(0, length));
      switch (event?.type) {
        case "output":
          device.receiveFrom(peer, outputToCtaphidReport(event.data));
          break;
        case "getReport":
          void write(encodeGetReportReply(event.id, EIO));
          break;
        case "setReport":
          void write(encodeSetReportReply(event.id, EIO));
          break;
        case "close":
          // The last reader closed the hidraw node: like an unplug, abandon whatever was under way.
          device.forgetPeer(peer);
          break;
        default:
          break;
      }
    }
  })();

  log("ctaphid: uhid device created");
  let closing: Promise<void> | undefined;
  return {
    address: "uhid",
    close() {
      closing ??= (async () => {
        closed = true;
        device.close();
        await write(encodeDestroy());
        // Destroying the device wakes a blocked read (UHID_STOP); do not hang if it does not.
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([reading, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
        clearTimeout(timer);
        await file.close().catch(() => {});
      })();
      return closing;
    },
  };
}
