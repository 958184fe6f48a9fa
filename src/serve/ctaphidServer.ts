/**
 * The entry point of the CTAPHID hosts: `startCtaphidServer("tcp:127.0.0.1:0", core)`
 * serves the authenticator core as a virtual USB key over a socket (or /dev/uhid).
 */
import type { CtapTransport } from "../ctap/transport.js";
import type { CtaphidServer } from "./host.js";
import { parseCtaphidSpec } from "./ctaphidSpec.js";
import { listenCtaphidStream } from "./ctaphidStream.js";
import { listenCtaphidUdp } from "./ctaphidUdp.js";
import type { CtaphidDeviceOptions } from "./sharedDevice.js";
import { startUhidDevice } from "./uhid.js";

export type { CtaphidServer };

export interface CtaphidServerOptions {
  log?: (line: string) => void;
  /** Device settings: CTAPHID_MSG handler, timeouts, device version. */
  device?: CtaphidDeviceOptions;
}

export async function startCtaphidServer(
  spec: string,
  transport: CtapTransport,
  options: CtaphidServerOptions = {},
): Promise<CtaphidServer> {
  const parsed = parseCtaphidSpec(spec);
  const log = options.log ?? (() => {});
  switch (parsed.transport) {
    case "unix":
    case "tcp":
      return listenCtaphidStream(parsed, transport, options.device ?? {}, log);
    case "udp":
      return listenCtaphidUdp(parsed, transport, options.device ?? {}, log);
    case "uhid":
      return startUhidDevice(transport, { log, device: options.device ?? {} });
  }
}
