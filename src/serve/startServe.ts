/**
 * `startServe(softkey, options)`: one open Softkey as a virtual USB key on
 * every CTAPHID host asked for (unix, tcp, udp, uhid) and, optionally, as
 * JSON over HTTP. It wires what a host needs (the U2F door when the profile
 * offers it, the per-command logs) and hands back one session to close.
 * Whoever opened the Softkey closes it, after the session.
 */
import type { Softkey } from "../softkey.js";
import type { CtapTransport } from "../ctap/transport.js";
import { u2fDeviceOptions } from "../authenticator/u2f/u2fHandler.js";
import { withCtapLog } from "./ctapLog.js";
import { startCtaphidServer } from "./ctaphidServer.js";
import { formatCtaphidSpec, type CtaphidSpec } from "./ctaphidSpec.js";
import type { CtaphidServer } from "./host.js";
import type { HttpAddress } from "./http/address.js";
import { apiRoutes, type Handler } from "./http/handlers.js";
import { controlsRoutes } from "./http/controlsRoutes.js";
import { simulatedUserRoutes } from "./http/userRoutes.js";
import type { Route } from "./http/router.js";
import { startHttpService } from "./http/server.js";
import { softkeyBackend } from "./http/softkeyBackend.js";
import { ServeError } from "./serveError.js";
import type { CtaphidDeviceOptions } from "./sharedDevice.js";
import { withU2fLog } from "./u2fLog.js";
import { UHID_UNAVAILABLE } from "./uhid.js";

export interface HttpListenAddress {
  address: HttpAddress;
  /** The address as the user wrote it, for the error line if it cannot be served. */
  text: string;
}

export interface ServeOptions {
  ctaphid: CtaphidSpec[];
  /** Also serve the WebAuthn client as JSON over HTTP, with this bearer token. */
  http?: { listen: HttpListenAddress[]; token: string };
  /** One line per CTAP command, HTTP request and host event; absent: quiet. */
  log?: (line: string) => void;
  /** Warnings, which quiet does not silence (a host reachable from other machines). */
  warn: (line: string) => void;
}

export interface ServeSession {
  /** Every host's actual address: `tcp:127.0.0.1:41234`, `unix:/tmp/key.sock`, `uhid`, `http:127.0.0.1:8080`. */
  readonly addresses: string[];
  /** Close every host; no request can start after. Rejects with the first host that failed to close. */
  close(): Promise<void>;
}

/** Starts every host, or none: on a failure those already started are closed and a ServeError says which one failed. */
export async function startServe(softkey: Softkey, options: ServeOptions): Promise<ServeSession> {
  const { log, warn } = options;
  // CTAP1/U2F (CTAPHID_MSG) only when the profile offers it; no CTAPHID_CBOR for a U2F-only key.
  const u2f = u2fDeviceOptions(softkey.authenticator);
  const transport: CtapTransport = log ? withCtapLog(softkey.authenticator, log) : softkey.authenticator;
  const device: CtaphidDeviceOptions = { cbor: u2f.cbor, ...(u2f.msg ? { msg: log ? withU2fLog(u2f.msg, log) : u2f.msg } : {}) };
  // Quiet silences the log, not a warning that the key is reachable from other machines.
  const hostLog = (line: string) => (line.startsWith("ctaphid: warning:") ? warn(line) : log?.(line));
  let hosts: CtaphidServer[] = [];
  try {
    // HTTP first (it logs nothing when it starts), so a host that fails still leaves one stderr line.
    const http = options.http ? await startHttpHosts(softkey, options.http, log, warn) : [];
    hosts = http;
    hosts = [...(await startCtaphidHosts(options.ctaphid, transport, hostLog, device)), ...http];
  } catch (error) {
    u2f.msg?.close();
    await Promise.allSettled(hosts.map((host) => host.close()));
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    addresses: hosts.map((host) => host.address),
    close() {
      closing ??= (async () => {
        u2f.msg?.close();
        const closed = await Promise.allSettled(hosts.map((host) => host.close()));
        const failed = closed.find((result): result is PromiseRejectedResult => result.status === "rejected");
        if (failed) throw failed.reason;
      })();
      return closing;
    },
  };
}

/**
 * The CTAPHID hosts, in order. Their own log lines wait until all of them
 * listen, so a failed start leaves exactly one line, the error.
 */
async function startCtaphidHosts(
  specs: CtaphidSpec[],
  transport: CtapTransport,
  log: (line: string) => void,
  device: CtaphidDeviceOptions,
): Promise<CtaphidServer[]> {
  const servers: CtaphidServer[] = [];
  const held: string[] = [];
  let mode: "hold" | "pass" | "drop" = "hold";
  const hostLog = (line: string) => (mode === "pass" ? log(line) : mode === "hold" ? void held.push(line) : undefined);
  for (const spec of specs) {
    const text = formatCtaphidSpec(spec);
    try {
      servers.push(await startCtaphidServer(text, transport, { log: hostLog, device }));
    } catch (error) {
      mode = "drop";
      await Promise.allSettled(servers.map((server) => server.close()));
      const message = (error as Error).message;
      throw new ServeError(message === UHID_UNAVAILABLE ? message : `cannot serve ${text}: ${message}`, { cause: error });
    }
  }
  mode = "pass";
  for (const line of held) log(line);
  return servers;
}

async function startHttpHosts(
  softkey: Softkey,
  http: NonNullable<ServeOptions["http"]>,
  log: ((line: string) => void) | undefined,
  warn: (line: string) => void,
): Promise<CtaphidServer[]> {
  return startHttpServices([...apiRoutes(softkeyBackend(softkey)), ...simulatedUserRoutes(softkey), ...controlsRoutes(softkey.controls)], http, log, warn);
}

/** One HTTP service per address, all serving `routes`, or none: a ServeError names the address that failed. */
export async function startHttpServices(
  routes: Route<Handler>[],
  http: NonNullable<ServeOptions["http"]>,
  log: ((line: string) => void) | undefined,
  warn: (line: string) => void,
): Promise<CtaphidServer[]> {
  const services: CtaphidServer[] = [];
  for (const { address, text } of http.listen) {
    try {
      services.push(await startHttpService(address, routes, { token: http.token, warn, ...(log ? { log } : {}) }));
    } catch (error) {
      await Promise.allSettled(services.map((service) => service.close()));
      throw new ServeError(`cannot serve HTTP on ${text}: ${(error as Error).message}`, { cause: error });
    }
  }
  return services;
}
