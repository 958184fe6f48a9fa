/**
 * The softkey command line. `main` builds the program, runs one command and
 * returns its exit code; it never calls process.exit, so tests can call it
 * and the launcher (bin/softkey.js) just sets process.exitCode.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { PRESENCE_POLICIES, UV_MODES, parseSampleStatus, parseUvMode, type SampleStatus } from "../presence/index.js";
import { DEFAULT_STORE, refuseArgvSecrets, SEED_ENV, STORE_ENV, type CliContext, type GlobalOptions } from "./context.js";
import { oneLine, reportError } from "./errors.js";
import { ExitCode, formatExitCodeTable } from "./exitCodes.js";
import { processIo, type CliIo } from "./io.js";
import { PASSPHRASE_ENV } from "./passphrase.js";
import { PIN_ENV } from "./pin.js";
import { StdinClaim } from "./secrets.js";
import { registerInit } from "./commands/init.js";
import { registerCeremonies } from "./commands/ceremony.js";
import { registerList } from "./commands/list.js";
import { registerDelete } from "./commands/delete.js";
import { registerInfo } from "./commands/info.js";
import { registerDemo } from "./commands/demo.js";
import { registerServe } from "./commands/serve.js";
import { registerCa } from "./commands/ca.js";
import { registerDecode } from "./commands/decode.js";
import { registerProfile } from "./commands/profile.js";
import { registerCounter } from "./commands/counter.js";
import { registerCredential } from "./commands/credential.js";
import { registerFault } from "./commands/fault.js";
import { registerPin } from "./commands/pin.js";
import { registerExchange } from "./commands/exchange.js";
import { registerPopulation } from "./commands/population.js";
import { registerMcp } from "./commands/mcp.js";
import { registerFill } from "./commands/fill.js";
import { registerBio } from "./commands/bio.js";
import { registerAttach } from "./commands/attach.js";
import { registerAgent } from "./commands/agent.js";
import { packageVersion } from "./version.js";
import { AgentFallback, type HeldStore, type RunHeld } from "./heldStore.js";

export { processIo } from "./io.js";

/** `held`: the invocation runs in a process that holds the store (runHeld); AgentFallback escapes. */
export async function main(argv: string[], io: CliIo = processIo(), held?: HeldStore): Promise<number> {
  const ctx: CliContext = { io, stdin: new StdinClaim(io), integrityFailures: [], exitCode: ExitCode.OK, ...(held ? { held } : {}) };
  const program = buildProgram(ctx);
  if (held) {
    program.hook("preAction", (_program, action) => {
      let command = action;
      while (command.parent && command.parent !== program) command = command.parent;
      if (!held.commands.includes(command.name())) throw new AgentFallback();
    });
  }
  try {
    await program.parseAsync(argv);
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof AgentFallback) throw error;
    const debug = program.opts().debug === true || argv.includes("--debug");
    return reportError(error, io.stderr, debug, ctx.integrityFailures);
  }
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("softkey");
  program
    .description("a software FIDO2 / CTAP 2.2 authenticator: a virtual security key for tests and CI")
    .version(packageVersion(), "-V, --version")
    .addOption(new Option("--store <dir>", "the keystore directory").env(STORE_ENV).default(DEFAULT_STORE))
    .option("--passphrase-file <file>", `read the store passphrase from FILE (else ${PASSPHRASE_ENV}, else a prompt on the terminal)`)
    .addOption(
      new Option("--presence <policy>", "user presence: auto touches, deny refuses, timeout never answers, prompt asks on the terminal")
        .choices([...PRESENCE_POLICIES])
        .env("SOFTKEY_PRESENCE")
        .default("auto"),
    )
    .addOption(
      new Option(
        "--uv <mode>",
        `built-in user verification: on matches, off is absent, fail (or unknown) is a finger never enrolled (each try spends a UV retry), none is no finger at all; on a fingerprint key finger:<name or template ID> is that finger (one of ${UV_MODES.join(", ")}, finger:...)`,
      )
        .argParser(usage(parseUvMode))
        .env("SOFTKEY_UV")
        .default("on"),
    )
    .addOption(
      new Option("--enroll-samples <statuses>", "fingerprint enrollment: what the sensor reports for each sample, comma-separated, e.g. fp-too-high,fp-poor-quality (then good ones)")
        .argParser(usage(parseSampleList))
        .env("SOFTKEY_ENROLL_SAMPLES"),
    )
    .addOption(
      new Option("--user-action-timeout <seconds>", "how long the key waits for the user before CTAP2_ERR_USER_ACTION_TIMEOUT (default 30)").env(
        "SOFTKEY_USER_ACTION_TIMEOUT",
      ),
    )
    .option(
      "--seed-file <file>",
      `deterministic mode, for test fixtures only: keys, credential IDs and signatures derived from the seed in FILE, - for stdin (else ${SEED_ENV})`,
    )
    .option("--pin-file <file>", `read the authenticator PIN, when a ceremony needs it, from FILE, - for stdin (else ${PIN_ENV}, else a prompt on the terminal)`)
    // Secrets given on the command line are refused (any local user reads argv); parsed only to say so.
    .addOption(new Option("--seed <value>").hideHelp())
    .addOption(new Option("--pin <pin>").hideHelp())
    .option("--wait <seconds>", "if another process has the store open, retry for up to SECONDS before failing (exit 5)")
    .option("--debug", "print stack traces and the authenticator's diagnostics on stderr")
    .hook("preAction", (_program, action) => {
      const globals = action.optsWithGlobals<GlobalOptions>();
      // A population command refuses --seed itself, naming the population seed's sources (populationOptions.ts).
      refuseArgvSecrets(action.parent?.name() === "population" ? { ...globals, seed: undefined } : globals);
    })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout(text),
      writeErr: (text) => ctx.io.stderr(text),
      // Commander's own errors become one line in softkey's format.
      outputError: (text, write) => write(`softkey: ${oneLine(text.replace(/^error: /, ""))}${dashedIdHint(text)}\n`),
    })
    .addHelpText(
      "after",
      `
Examples:
  $ export SOFTKEY_PASSPHRASE=test SOFTKEY_STORE=/tmp/softkey
  $ softkey init --kdf-cost 10
  $ softkey create --origin https://example.com --options reg-options.json > reg-response.json
  $ softkey get --origin https://example.com --options auth-options.json > auth-response.json
  $ softkey list
  $ softkey ca init && softkey ca export --out ./trust   # packed attestation with an x5c chain
  $ softkey decode reg-response.json   # flags, counter, AAGUID, attestation certificates
  $ softkey serve --ctaphid tcp:127.0.0.1:0   # a virtual USB key for python-fido2, libfido2, ...
  $ softkey demo                      # the whole story in a throw-away store
  $ softkey fill --credentials 10000 --rps 100   # a key that holds a lot
  $ softkey mcp --ephemeral           # an MCP server for AI agents, on stdio
  $ softkey list --json               # every command that prints takes --json (docs/cli-json.md)

Environment:
  ${STORE_ENV}        default for --store (else ${DEFAULT_STORE})
  ${PASSPHRASE_ENV}   the store passphrase, when --passphrase-file is not given
  SOFTKEY_PRESENCE     default for --presence (auto)
  SOFTKEY_UV           default for --uv (on)
  SOFTKEY_ENROLL_SAMPLES  default for --enroll-samples
  SOFTKEY_USER_ACTION_TIMEOUT  default for --user-action-timeout (30 seconds)
  ${PIN_ENV}          the authenticator PIN, when --pin-file is not given
  ${SEED_ENV}         the seed of deterministic mode, when --seed-file is not given (never for real credentials)

Secrets never go on the command line, where any local user can read them (ps):
--pin, --seed, pin set --new and pin change --old/--new are refused (exit 2);
give them in a file, the environment or at the prompt instead.

Exit codes:
${formatExitCodeTable()}`,
    );

  registerInit(program, ctx);
  registerCeremonies(program, ctx);
  registerList(program, ctx);
  registerDelete(program, ctx);
  registerInfo(program, ctx);
  registerDemo(program, ctx);
  registerServe(program, ctx, runHeld);
  registerAttach(program, ctx);
  registerCa(program, ctx);
  registerDecode(program, ctx);
  registerProfile(program, ctx);
  registerCounter(program, ctx);
  registerCredential(program, ctx);
  registerFault(program, ctx);
  registerPin(program, ctx);
  registerExchange(program, ctx);
  registerPopulation(program, ctx);
  registerFill(program, ctx);
  registerMcp(program, ctx);
  registerBio(program, ctx);
  registerAgent(program, ctx, runHeld);
  return program;
}

/**
 * Run an invocation sent over a held store's control socket as main would in the caller's own
 * process: in its directory, with its SOFTKEY_* variables (commander reads option defaults from
 * process.env), its streams. Invocations run one at a time (agent/server.ts), so swapping the
 * process's directory and environment for each is safe; in serve its hosts keep running meanwhile,
 * but nothing they do after start reads the directory or SOFTKEY_* variables (paths are resolved
 * when the store and the hosts open).
 */
const runHeld: RunHeld = async (held, request, runIo) => {
  const cwd = process.cwd();
  const ownEnv = Object.entries(process.env).filter(([name]) => name.startsWith("SOFTKEY_"));
  for (const [name] of ownEnv) delete process.env[name];
  Object.assign(process.env, request.env);
  try {
    try {
      process.chdir(request.cwd);
    } catch {
      return "fallback"; // its directory is gone or not ours to enter: the normal way says so
    }
    const io: CliIo = { ...runIo, env: { ...process.env }, stdoutIsTerminal: request.stdoutIsTerminal, stderrIsTerminal: request.stderrIsTerminal };
    return await main(["node", "softkey", ...request.args], io, held);
  } catch (error) {
    if (error instanceof AgentFallback) return "fallback";
    throw error;
  } finally {
    if (held.logRoute) held.logRoute.to = undefined;
    process.chdir(cwd);
    for (const name of Object.keys(request.env)) delete process.env[name];
    Object.assign(process.env, Object.fromEntries(ownEnv));
  }
};

/** A parser whose RangeError is commander's usage error (exit 2), with the parser's message. */
function usage<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function parseSampleList(value: string): SampleStatus[] {
  return value.split(",").map((status) => parseSampleStatus(status.trim()));
}

/**
 * Credential IDs are base64url, whose alphabet has "-": one in 64 starts with it, and then reads as
 * an option. Say how to pass it, as for any operand that starts with a dash (POSIX's "--").
 */
function dashedIdHint(text: string): string {
  const option = /unknown option '(-[A-Za-z0-9_-]+)'/.exec(text)?.[1];
  return option !== undefined && option.length >= 16 && !option.startsWith("--") ? `; an ID that starts with "-" goes after --, e.g. softkey delete -- ${option}` : "";
}
