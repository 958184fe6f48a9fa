/**
 * `softkey serve`: the store's authenticator as a virtual USB security key on
 * CTAPHID sockets (unix, tcp, udp) or /dev/uhid, for real CTAP clients such
 * as python-fido2 or libfido2. One store, one authenticator, every host on it.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { Softkey } from "../../softkey.js";
import type { CtapTransport } from "../../ctap2/transport.js";
import { startCtaphidServer, type CtaphidServer } from "../../serve/ctaphidServer.js";
import { formatCtaphidSpec, parseCtaphidSpec, type CtaphidSpec } from "../../serve/ctaphidSpec.js";
import { withCtapLog } from "../../serve/ctapLog.js";
import { UHID_PATH, UHID_UNAVAILABLE } from "../../serve/uhid.js";
import { globalsOf, openSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";

interface ServeFlags {
  ctaphid: string[];
  uhid?: boolean;
  quiet?: boolean;
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
    .option("-q, --quiet", "do not log each CTAP command on stderr")
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

Examples:
  $ softkey serve --ctaphid tcp:127.0.0.1:0
  $ softkey serve --ctaphid unix:/tmp/softkey.sock --ctaphid tcp:8400 --quiet
  $ softkey serve --uhid                     # Linux with /dev/uhid: browsers see a USB key`,
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const specs = parseSpecs(flags);
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
        const softkey = await openSoftkey(ctx, globals, { ceremonies: true });
        let servers: CtaphidServer[] = [];
        try {
          const transport: CtapTransport = log ? withCtapLog(softkey.authenticator, log) : softkey.authenticator;
          // Stopped while the store opened: there is nothing to announce.
          if (!stop.fired) {
            servers = await startAll(specs, transport, hostLog);
            ctx.io.stdout(`${JSON.stringify({ listening: servers.map((server) => server.address) })}\n`);
          }
          const signal = await stop.received;
          log?.(`serve: ${signal}: stopping`);
        } finally {
          await shutDown(servers, softkey);
        }
        log?.("serve: stopped");
      } finally {
        stop.dispose();
      }
    });
}

function parseSpecs(flags: ServeFlags): CtaphidSpec[] {
  const texts = [...flags.ctaphid, ...(flags.uhid ? ["uhid"] : [])];
  if (texts.length === 0) {
    throw new CliError(ExitCode.USAGE, "nothing to serve: give --ctaphid unix:PATH, tcp:[HOST:]PORT or udp:[HOST:]PORT, or --uhid");
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
async function startAll(specs: CtaphidSpec[], transport: CtapTransport, log: (line: string) => void): Promise<CtaphidServer[]> {
  const servers: CtaphidServer[] = [];
  const held: string[] = [];
  let mode: "hold" | "pass" | "drop" = "hold";
  const hostLog = (line: string) => (mode === "pass" ? log(line) : mode === "hold" ? void held.push(line) : undefined);
  for (const spec of specs) {
    const text = formatCtaphidSpec(spec);
    try {
      servers.push(await startCtaphidServer(text, transport, { log: hostLog }));
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
