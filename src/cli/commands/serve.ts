/**
 * `softkey serve`: the store's authenticator as a virtual USB security key on
 * CTAPHID sockets (unix, tcp, udp) or /dev/uhid, for real CTAP clients such
 * as python-fido2 or libfido2. One store, one authenticator, every host on it.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { formatCtaphidSpec, parseCtaphidSpec, type CtaphidSpec } from "../../serve/ctaphidSpec.js";
import { startServe, type ServeSession } from "../../serve/startServe.js";
import type { ControlSocket } from "../../agent/server.js";
import { UHID_PATH, UHID_UNAVAILABLE } from "../../serve/uhid.js";
import { authenticatorLog, globalsOf, openSoftkey, storeDir, type CliContext } from "../context.js";
import { holdControlSocket, SERVE_COMMANDS, type RunHeld } from "../heldStore.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { planHttpHosts, TOKEN_ENV } from "../serveHttp.js";
import { stopSignal } from "../stopSignal.js";
import { disableCoreDumps } from "../coreDumps.js";

interface ServeFlags {
  ctaphid: string[];
  uhid?: boolean;
  quiet?: boolean;
  http: string[];
  tokenFile?: string;
  json?: boolean;
}

export function registerServe(program: Command, ctx: CliContext, runHeld: RunHeld): void {
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
    .option("--json", "accepted for symmetry: the one line on stdout is always JSON ({ listening: [...] })")
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
On Linux, serve sets its core file size limit to 0 first (util-linux prlimit),
since its memory holds the keys; elsewhere, start it under \`ulimit -c 0\`.

--http serves POST /v1/registrations, POST /v1/assertions, POST /v1/signals,
POST /v1/mediated-sign-ins, GET /v1/capabilities, GET /v1/credentials,
DELETE /v1/credentials/ID, GET /v1/info and GET /healthz (see the README;
OpenAPI 3.1 in docs/openapi.json, softkey/openapi.json in the package);
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
      // Listen for the stop signals from the start: one arriving while the store opens still ends the run cleanly.
      const stop = stopSignal();
      // Before the store opens: from then on the process holds keys, which a core dump would write out.
      const coreDumps = await disableCoreDumps();
      if (!coreDumps.disabled) stderrLine(`serve: warning: core dumps not disabled (${coreDumps.why}); a crash could write the keys in memory to disk: start it under \`ulimit -c 0\``);
      try {
        await http?.writeTokenFile();
        const softkey = await openSoftkey(ctx, globals, { ceremonies: true, log: authenticatorLog(ctx, globals) });
        let session: ServeSession | undefined;
        let control: ControlSocket | undefined;
        try {
          // Stopped while the store opened: there is nothing to announce.
          if (!stop.fired) {
            session = await startServe(softkey, {
              ctaphid: specs,
              ...(http ? { http: http.service } : {}),
              ...(log ? { log } : {}),
              warn: stderrLine,
            });
            // `softkey fault set|list` from other processes run here (nothing else: a list beside serve still finds the store in use): a fault set is stored and answers the next request.
            control = await holdControlSocket(
              { softkey, opened: { ...globals, store: storeDir(globals) }, commands: SERVE_COMMANDS },
              { kind: "serve", env: ctx.io.env, runHeld, stop: () => "it is softkey serve's: stop serve with SIGINT or SIGTERM" },
            ).catch((error: unknown) => void stderrLine(`serve: warning: no control socket (softkey fault set cannot reach this serve): ${(error as Error).message}`));
            ctx.io.stdout(`${JSON.stringify({ listening: session.addresses })}\n`);
          }
          const signal = await stop.received;
          log?.(`serve: ${signal}: stopping`);
        } finally {
          // Hosts first (no request can start any more), then the store, which records the exact counters.
          try {
            await control?.close();
            await session?.close();
          } finally {
            await softkey.close();
          }
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
