/**
 * The fast path of `softkey` (bin/softkey.js loads this first): when an agent or `softkey serve`
 * holds the store open, hand it the invocation over the store's control socket and print what it
 * answers, instead of starting the CLI, loading its bundle and deriving the store key again. It
 * must stay small and use Node built-ins only (.dependency-cruiser.cjs): it runs on every call.
 */
import { lstatSync } from "node:fs";
import { connect, type Socket } from "node:net";
import path from "node:path";
import { isatty } from "node:tty";
import { HELLO_TIMEOUT_MS, onMessages, send, type AgentMessage, type ClientMessage, type RunRequest } from "./protocol.js";
import { agentSocketPath, foreignSocket, unsafeSocketDir } from "./socketPath.js";

export const STORE_ENV = "SOFTKEY_STORE";
export const DEFAULT_STORE = "./keystore";

/** Never sent to the agent: it holds the store unlocked and needs no passphrase. */
const PASSPHRASE_ENV = "SOFTKEY_PASSPHRASE";
/** Secrets a held store was not opened with: an invocation with one of them runs the normal way. */
const NORMAL_PATH_ENV = ["SOFTKEY_PIN", "SOFTKEY_NEW_PIN", "SOFTKEY_SEED"];

/** Ran by the agent (its exit code), or not: then run the normal way, with the stdin the agent already read. */
export type AgentOutcome = { ran: true; exitCode: number } | { ran: false; stdin?: Buffer };

export async function runViaAgent(args: string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<AgentOutcome> {
  if (NORMAL_PATH_ENV.some((name) => env[name] !== undefined)) return { ran: false };
  const socket = privateSocketPath(path.resolve(cwd, storeArgument(args, env)), env);
  if (socket === undefined) return { ran: false };
  const request: RunRequest = {
    t: "run",
    args,
    cwd,
    env: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith("SOFTKEY_") && entry[0] !== PASSPHRASE_ENV && entry[1] !== undefined)),
    stdinIsTTY: isatty(0),
    stdoutIsTerminal: isatty(1),
    stderrIsTerminal: isatty(2),
  };
  return run(socket, request);
}

/** The store directory an invocation names: --store, else SOFTKEY_STORE, else ./keystore, as the CLI reads them. */
export function storeArgument(args: string[], env: NodeJS.ProcessEnv): string {
  for (let i = 0; i < args.length && args[i] !== "--"; i++) {
    if (args[i] === "--store" && args[i + 1] !== undefined) return args[i + 1]!;
    if (args[i]!.startsWith("--store=")) return args[i]!.slice("--store=".length);
  }
  return env[STORE_ENV] ?? DEFAULT_STORE;
}

/** The store's control socket if one of ours is there, in a private directory; else undefined. */
export function privateSocketPath(storeDir: string, env: NodeJS.ProcessEnv): string | undefined {
  const socket = agentSocketPath(storeDir, env);
  try {
    const dir = path.dirname(socket);
    if (unsafeSocketDir(dir, lstatSync(dir)) !== undefined) return undefined;
    if (foreignSocket(socket, lstatSync(socket)) !== undefined) return undefined;
  } catch {
    return undefined; // no directory or no socket: no agent
  }
  return socket;
}

/** Send one request and collect the answers (status, stop: the agent's replies until it closes). */
export function request(socketPath: string, message: ClientMessage): Promise<AgentMessage[]> {
  return new Promise((resolve, reject) => {
    const replies: AgentMessage[] = [];
    const socket = connect(socketPath, () => send(socket, message));
    const silent = setTimeout(() => socket.destroy(new Error("no answer on the control socket")), HELLO_TIMEOUT_MS);
    onMessages(socket, (reply) => {
      clearTimeout(silent);
      replies.push(reply as AgentMessage);
    });
    // A refused connection (a stale socket) ends here: the timer must not hold the process for its 2 s.
    socket.on("error", (error) => {
      clearTimeout(silent);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(silent);
      resolve(replies);
    });
  });
}

function run(socketPath: string, message: RunRequest): Promise<AgentOutcome> {
  return new Promise((resolve) => {
    let printed = false;
    let settled = false;
    let stdin: Promise<Buffer> | undefined;
    const settle = (outcome: AgentOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(silent);
      socket.destroy();
      resolve(outcome);
    };
    // Whatever stdin the agent read goes to the normal path instead.
    const normalPath = () => void (stdin ?? Promise.resolve(undefined)).then((read) => settle(read ? { ran: false, stdin: read } : { ran: false }));
    const socket = connect(socketPath, () => send(socket, message));
    // A socket that says nothing is no agent of ours: run the normal way.
    const silent = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    onMessages(socket, (reply) => {
      clearTimeout(silent);
      const m = reply as AgentMessage;
      if (m.t === "out" || m.t === "err") {
        printed = true;
        (m.t === "out" ? process.stdout : process.stderr).write(m.d);
      } else if (m.t === "read-stdin") stdin ??= forwardStdin(socket);
      else if (m.t === "exit") {
        if (stdin) process.stdin.destroy(); // the command is done with it (it may have stopped early: too large)
        settle({ ran: true, exitCode: m.code });
      }
      else if (m.t === "fallback") normalPath();
    });
    socket.on("error", () => undefined); // "close" follows
    socket.on("close", () => {
      if (settled) return;
      // Refused (a stale socket) or gone before answering: the normal path.
      if (!printed) return normalPath();
      process.stderr.write("softkey: the agent went away before the command ended\n");
      settle({ ran: true, exitCode: 1 }); // ExitCode.INTERNAL (exitCodes.ts is not loaded on this path)
    });
  });
}

/** Read all of stdin, sending it on as it comes; resolves to what was read. */
function forwardStdin(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      send(socket, { t: "stdin", d: chunk.toString("base64") });
    });
    process.stdin.on("end", () => {
      send(socket, { t: "stdin-end" });
      resolve(Buffer.concat(chunks));
    });
  });
}
