/**
 * `softkey agent start|status|stop`: a process of yours that keeps one store open and unlocked,
 * so that `softkey get`, `create`, `list`, ... skip Node's start-up, the CLI bundle and the
 * passphrase's key derivation: bin/softkey.js hands them to it over the store's control socket
 * (src/agent/), and prints what it answers. Like ssh-agent, it serves any process of its user.
 */
import { spawn } from "node:child_process";
import { Option, type Command } from "commander";
import { privateSocketPath, request } from "../../agent/client.js";
import type { AgentStatus } from "../../agent/protocol.js";
import { Keystore } from "../../keystore/store.js";
import { StoreNotFoundError } from "../../keystore/errors.js";
import { authenticatorLog, globalsOf, openSoftkey, SEED_ENV, storeDir, type CliContext, type GlobalOptions } from "../context.js";
import { disableCoreDumps } from "../coreDumps.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { AGENT_COMMANDS, holdControlSocket, LogRoute, type RunHeld } from "../heldStore.js";
import { readStream, writeJson } from "../io.js";
import { PASSPHRASE_ENV, resolvePassphrase } from "../passphrase.js";
import { NEW_PIN_ENV, PIN_ENV } from "../pin.js";
import { stopSignal } from "../stopSignal.js";

export function registerAgent(program: Command, ctx: CliContext, runHeld: RunHeld): void {
  const agent = program
    .command("agent")
    .description("keep the store open in a process of yours, so that CLI commands skip start-up (create, get, list, ...)")
    .addHelpText(
      "after",
      `
While an agent holds a store, softkey ${AGENT_COMMANDS.join(", ")} on that
store run in the agent: same output, same exit codes, without starting the
CLI or deriving the store key again. Other commands run the normal way (and
find the store in use: stop the agent first). The agent is the store
unlocked: any process of yours can use it, without the passphrase, until
softkey agent stop (see SECURITY.md).

Examples:
  $ softkey agent start --detach
  $ softkey get --origin https://example.com --options auth-options.json
  $ softkey agent stop`,
    );

  agent
    .command("start")
    .description("open the store (asking for the passphrase the usual way) and hold it until stopped")
    .option("--detach", "run in the background; return once it listens")
    .option("--json", "accepted for symmetry: the one line on stdout is always JSON ({ agent, pid, store })")
    // How --detach hands the passphrase to the background agent: on its stdin, a pipe from the parent.
    .addOption(new Option("--passphrase-on-stdin").hideHelp())
    .action(async (flags: { detach?: boolean; passphraseOnStdin?: boolean }, command: Command) => {
      const globals = globalsOf(command);
      // Each command would need a terminal of its own to answer a prompt; the agent has none to lend.
      if (globals.presence === "prompt") throw new CliError(ExitCode.USAGE, "the agent cannot use --presence prompt: choose another policy, or run commands without the agent");
      if (flags.detach) await startDetached(ctx, globals);
      else await runAgent(ctx, globals, runHeld, flags.passphraseOnStdin ? await passphraseFromParent(ctx) : undefined);
    });

  agent
    .command("status")
    .description("say whether an agent (or softkey serve) holds the store, and its process ID")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { socket, dir } = controlSocketOf(ctx, globalsOf(command));
      const status = (await ask(socket, dir, { t: "status" })).find((reply) => reply.t === "status");
      if (!status) throw notRunning(dir);
      const { t: _t, ...fields } = status as { t: "status" } & AgentStatus;
      if (flags.json) return writeJson(ctx.io, fields);
      ctx.io.stdout(`${fields.kind} (pid ${fields.pid}) holds ${fields.store}\n  socket  ${fields.socket}\n  runs    ${fields.commands.join(", ")}\n`);
    });

  agent
    .command("stop")
    .description("stop the store's agent; it closes the store (exact counters) first")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { socket, dir } = controlSocketOf(ctx, globalsOf(command));
      const replies = await ask(socket, dir, { t: "stop" });
      const refused = replies.find((reply) => reply.t === "refused");
      if (refused) throw new CliError(ExitCode.AGENT_NOT_RUNNING, `no agent runs for the store ${dir}: ${refused.message}`);
      if (!replies.some((reply) => reply.t === "stopping")) throw notRunning(dir);
      if (flags.json) return writeJson(ctx.io, { stopped: true, store: dir });
      ctx.io.stdout(`agent stopped: ${dir}\n`);
    });
}

/** The foreground agent: open the store, listen, print one JSON line, run invocations until stopped. */
async function runAgent(ctx: CliContext, globals: GlobalOptions, runHeld: RunHeld, passphrase: string | undefined): Promise<void> {
  const stop = stopSignal();
  try {
    const coreDumps = await disableCoreDumps();
    if (!coreDumps.disabled) ctx.io.stderr(`agent: warning: core dumps not disabled (${coreDumps.why}); a crash could write the keys in memory to disk: start it under \`ulimit -c 0\`\n`);
    // The held store has no PIN or seed of its own: invocations that bring one run the normal way.
    const opened: GlobalOptions = { ...globals, store: storeDir(globals), pinFile: undefined, seedFile: undefined };
    const env = Object.fromEntries(Object.entries(ctx.io.env).filter(([name]) => name !== "SOFTKEY_PIN" && name !== "SOFTKEY_SEED"));
    if (passphrase !== undefined) env[PASSPHRASE_ENV] = passphrase; // for openSoftkey only: never in this process's environment
    const logRoute = new LogRoute(authenticatorLog(ctx, opened));
    const softkey = await openSoftkey({ ...ctx, io: { ...ctx.io, env } }, opened, { ceremonies: true, log: logRoute.log });
    let stopRequested!: () => void;
    const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
    const control = await holdControlSocket(
      { softkey, opened, commands: AGENT_COMMANDS, logRoute },
      { kind: "agent", env: ctx.io.env, runHeld, stop: () => (stopRequested(), undefined) },
    ).catch(async (error: unknown) => {
      await softkey.close();
      throw error;
    });
    if (!stop.fired) {
      ctx.io.stdout(`${JSON.stringify({ agent: control.path, pid: process.pid, store: opened.store })}\n`);
      // Detached, whoever read the line above has gone: a late warning must not end the agent.
      process.stderr.on("error", () => undefined);
      await Promise.race([stop.received, stopped]);
    }
    await control.close(() => softkey.close());
  } finally {
    stop.dispose();
  }
}

/**
 * `agent start --detach`: ask for the passphrase here (a prompt needs this terminal), hand it to a
 * background `agent start` on a pipe (never in its argv or environment), relay its one line, or
 * its error and exit code if it fails to start.
 */
async function startDetached(ctx: CliContext, globals: GlobalOptions): Promise<void> {
  const dir = storeDir(globals);
  if (!(await Keystore.exists(dir))) throw new StoreNotFoundError(dir);
  const passphrase = await resolvePassphrase({ file: globals.passphraseFile, env: ctx.io.env });
  // No secret lives on in the background agent's environment (/proc/PID/environ): it reads none of them.
  const env: NodeJS.ProcessEnv = { ...ctx.io.env };
  for (const secret of [PASSPHRASE_ENV, PIN_ENV, NEW_PIN_ENV, SEED_ENV]) delete env[secret];
  if (globals.enrollSamples) env.SOFTKEY_ENROLL_SAMPLES = globals.enrollSamples.join(",");
  const args = [
    ...process.execArgv,
    process.argv[1]!,
    ...["--store", dir, "--presence", globals.presence, "--uv", globals.uv],
    ...(globals.userActionTimeout !== undefined ? ["--user-action-timeout", globals.userActionTimeout] : []),
    ...(globals.wait !== undefined ? ["--wait", globals.wait] : []),
    "agent",
    "start",
    "--passphrase-on-stdin",
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ["pipe", "pipe", "pipe"], env, cwd: "/" });
  child.stdin.end(`${passphrase}\n`);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const outcome = await new Promise<{ line: string } | { code: number }>((resolve) => {
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      if (stdout.includes("\n")) resolve({ line: stdout.slice(0, stdout.indexOf("\n") + 1) });
    });
    child.on("exit", (code) => resolve({ code: code ?? ExitCode.INTERNAL }));
  });
  if ("code" in outcome) {
    ctx.io.stderr(stderr);
    ctx.exitCode = outcome.code;
    return;
  }
  if (stderr) ctx.io.stderr(stderr);
  ctx.io.stdout(outcome.line);
  child.stdout.destroy();
  child.stderr.destroy();
  child.unref();
}

async function passphraseFromParent(ctx: CliContext): Promise<string> {
  return (await readStream(ctx.io.stdin, 64 * 1024, "the passphrase on stdin is too long")).replace(/\n$/, "");
}

function controlSocketOf(ctx: CliContext, globals: GlobalOptions): { socket: string; dir: string } {
  const dir = storeDir(globals);
  const socket = privateSocketPath(dir, ctx.io.env);
  if (socket === undefined) throw notRunning(dir);
  return { socket, dir };
}

/** The replies to one message; a socket nobody answers on (a holder that died) is no agent. */
async function ask(socket: string, dir: string, message: { t: "status" } | { t: "stop" }) {
  try {
    return await request(socket, message);
  } catch {
    throw notRunning(dir);
  }
}

function notRunning(dir: string): CliError {
  return new CliError(ExitCode.AGENT_NOT_RUNNING, `no agent runs for the store ${dir} (start one with softkey agent start)`);
}

