/**
 * `softkey serve`: the store's authenticator as a virtual USB security key on
 * CTAPHID sockets (unix, tcp, udp) or /dev/uhid, for real CTAP clients such
 * as python-fido2 or libfido2. One store, one authenticator, every host on it.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { Softkey } from "../../softkey.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { startCtaphidServer, type CtaphidServer } from "../../serve/ctaphidServer.js";
import { formatCtaphidSpec, parseCtaphidSpec, type CtaphidSpec } from "../../serve/ctaphidSpec.js";
import { withCtapLog } from "../../serve/ctapLog.js";
import type { CtaphidDeviceOptions } from "../../serve/sharedDevice.js";
import { withU2fLog } from "../../serve/u2fLog.js";
import { u2fDeviceOptions } from "../../authenticator/u2f/u2fHandler.js";
import { UHID_PATH, UHID_UNAVAILABLE } from "../../serve/uhid.js";
import { globalsOf, openSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { planHttpHosts, TOKEN_ENV } from "../serveHttp.js";

interface ServeFlags {
  ctaphid: string[];
  uhid?: boolean;
  quiet?: boolean;
  http: string[];
  tokenFile?: string;
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("serve the authenticator as a virtual USB security key (CTAPHID) on sockets or /dev/uhid, until SIGINT/SIGTERM")
    .option(
      "--ctaphid <spec>",
      "listen on unix:PATH, tcp:[HOST:]PORT or udp:[HOST:]PORT (host default 127.0.0.1, port 0 picks one); repeatable",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--uhid", "appear as a HID device through /dev/uhid (Linux; needs access to /dev/uhid)")
    .option(
      "--http <[host:]port>",
      "also serve the WebAuthn client as JSON over HTTP (host default 127.0.0.1, port 0 picks one; needs --token-file or SOFTKEY_TOKEN); repeatable",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--token-file <file>", "with --http: write the bearer token to FILE (created owner-only; removed on a clean stop)")
    .option("-q, --quiet", "do not log each CTAP command or HTTP request on stderr")
    .addHelpText(
      "after",
      `
The sockets carry raw 64-byte CTAPHID reports, as a USB HID key's interrupt
endpoints do: back to back on unix and tcp, one per datagram on udp. All
clients share one device (one request at a time, like one USB key).

Once every host listens, one JSON line goes to stdout with the real addresses:
  {"listening":["tcp:127.0.0.1:41234","unix:/tmp/softkey.sock"]}
Each CTAP command is logged on stderr (never a PIN or a key), e.g.
  ctap2 authenticatorGetAssertion example.com -> CTAP2_OK
SIGINT or SIGTERM closes the hosts and the store (exact counters) and exits 0.

--http serves POST /v1/registrations, POST /v1/assertions, GET /v1/credentials,
DELETE /v1/credentials/ID, GET /v1/info and GET /healthz (see the README);
every request but /healthz needs Authorization: Bearer TOKEN, the token from
${TOKEN_ENV} or else a random one written to --token-file. Its address is in
the JSON line as http:HOST:PORT; each request is logged, e.g.
  http POST /v1/assertions -> 200 (2.3 ms)

Examples:
  $ softkey serve --ctaphid tcp:127.0.0.1:0
  $ softkey serve --ctaphid unix:/tmp/softkey.sock --ctaphid tcp:8400 --quiet
  $ softkey serve --uhid                     # Linux with /dev/uhid: browsers see a USB key
  $ softkey serve --http 127.0.0.1:0 --token-file ./token   # JSON for any language's tests`,
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const specs = parseSpecs(flags);
      const http = planHttpHosts(flags, ctx.io.env);
      const globals = globalsOf(command);
      // Before the store is opened and anyone is asked for a passphrase: uhid cannot work without its device.
      if (specs.some((spec) => spec.transport === "uhid") && !existsSync(UHID_PATH)) {
        throw new CliError(ExitCode.CANNOT_SERVE, UHID_UNAVAILABLE);
      }
      const stderrLine = (line: string) => ctx.io.stderr(`${line}\n`);
      const log = flags.quiet ? undefined : stderrLine;
      // --quiet silences the log, not a warning that the key is reachable from other machines.
      const hostLog = flags.quiet ? (line: string) => void (line.startsWith("ctaphid: warning:") && stderrLine(line)) : stderrLine;
      // Listen for the stop signals from the start: one arriving while the store opens still ends the run cleanly.
      const stop = stopSignal();
      try {
        await http?.writeTokenFile();
        const softkey = await openSoftkey(ctx, globals, { ceremonies: true });
        let servers: CtaphidServer[] = [];
        // CTAP1/U2F (CTAPHID_MSG) only when the profile offers it; no CTAPHID_CBOR for a U2F-only key.
        const u2f = u2fDeviceOptions(softkey.authenticator);
        try {
          const transport: CtapTransport = log ? withCtapLog(softkey.authenticator, log) : softkey.authenticator;
          const device: CtaphidDeviceOptions = { cbor: u2f.cbor, ...(u2f.msg ? { msg: log ? withU2fLog(u2f.msg, log) : u2f.msg } : {}) };
          // Stopped while the store opened: there is nothing to announce.
          if (!stop.fired) {
            // HTTP first (it logs nothing when it starts), so a host that fails still leaves one stderr line.
            const httpServices = http ? await http.start(softkey, { ...(log ? { log } : {}), warn: stderrLine }) : [];
            servers = httpServices;
            servers = [...(await startAll(specs, transport, hostLog, device)), ...httpServices];
            ctx.io.stdout(`${JSON.stringify({ listening: servers.map((server) => server.address) })}\n`);
          }
          const signal = await stop.received;
          log?.(`serve: ${signal}: stopping`);
        } finally {
          u2f.msg?.close();
          await shutDown(servers, softkey);
        }
        log?.("serve: stopped");
      } finally {
        stop.dispose();
        await http?.removeTokenFile();
      }
    });
}

function parseSpecs(flags: ServeFlags): CtaphidSpec[] {
  const texts = [...flags.ctaphid, ...(flags.uhid ? ["uhid"] : [])];
  if (texts.length === 0 && flags.http.length === 0) {
    throw new CliError(ExitCode.USAGE, "nothing to serve: give --ctaphid unix:PATH, tcp:[HOST:]PORT or udp:[HOST:]PORT, --uhid, or --http [HOST:]PORT");
  }
  const specs = texts.map((text) => {
    try {
      return parseCtaphidSpec(text);
    } catch (error) {
      throw new CliError(ExitCode.USAGE, `--ctaphid: ${(error as Error).message}`);
    }
  });
  const seen = new Set<string>();
  for (const spec of specs) {
    const key = formatCtaphidSpec(spec);
    // Port 0 asks for a fresh port each time, so it may repeat; anything else twice could only collide.
    if (seen.has(key) && !(spec.transport !== "unix" && spec.transport !== "uhid" && spec.port === 0)) {
      throw new CliError(ExitCode.USAGE, `--ctaphid ${key} is given twice`);
    }
    seen.add(key);
  }
  return specs;
}

/**
 * Start every host; if one fails, close those already started and say which
 * one failed. The hosts' own log lines wait until all of them listen, so a
 * failed start leaves exactly one stderr line, the error.
 */
async function startAll(
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
      const line = message === UHID_UNAVAILABLE ? message : `cannot serve ${text}: ${message}`;
      throw new CliError(ExitCode.CANNOT_SERVE, line, { cause: error });
    }
  }
  mode = "pass";
  for (const line of held) log(line);
  return servers;
}

/** Hosts first (no request can start any more), then the store, which records the exact counters. */
async function shutDown(servers: CtaphidServer[], softkey: Softkey): Promise<void> {
  const closed = await Promise.allSettled(servers.map((server) => server.close()));
  await softkey.close();
  const failed = closed.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
}

interface StopSignalWait {
  received: Promise<StopSignal>;
  /** Whether a stop signal has arrived. */
  readonly fired: boolean;
  /** Removes the handlers: a second Ctrl-C after this gets Node's default (the process ends at once). */
  dispose(): void;
}

function stopSignal(): StopSignalWait {
  const handlers = new Map<StopSignal, () => void>();
  let fired = false;
  const dispose = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    handlers.clear();
  };
  const received = new Promise<StopSignal>((resolve) => {
    for (const signal of STOP_SIGNALS) {
      const handler = () => {
        // The first signal starts a clean shutdown; a second one while it runs ends the process the default way.
        fired = true;
        dispose();
        resolve(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
  });
  return {
    received,
    dispose,
    get fired() {
      return fired;
    },
  };
}
