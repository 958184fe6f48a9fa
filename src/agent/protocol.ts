/**
 * The control socket's messages: one JSON object a line, both ways. A client sends one request
 * (`run`, `status` or `stop`) first; during a run the agent may ask for stdin (`read-stdin`), and
 * the client answers with `stdin` chunks and `stdin-end`. Built-ins only (see client.ts).
 */
import type { Socket } from "node:net";

/** Run one CLI invocation in the process that holds the store, as if it ran here. */
export interface RunRequest {
  t: "run";
  /** The arguments after `softkey`. */
  args: string[];
  cwd: string;
  /** The caller's SOFTKEY_* variables (never its passphrase, PIN or seed: see client.ts). */
  env: Record<string, string>;
  stdinIsTTY: boolean;
  stdoutIsTerminal: boolean;
  stderrIsTerminal: boolean;
}

export type ClientMessage = RunRequest | { t: "status" } | { t: "stop" } | { t: "stdin"; d: string } | { t: "stdin-end" };

/** What holds the store: `softkey agent start`, or `softkey serve`'s control socket. */
export interface AgentStatus {
  kind: "agent" | "serve";
  pid: number;
  store: string;
  socket: string;
  /** The commands it runs; others run the normal way. */
  commands: string[];
}

export type AgentMessage =
  /** Sent on every connection at once: a client hears within HELLO_TIMEOUT_MS that a softkey agent listens. */
  | { t: "hello" }
  | { t: "out"; d: string }
  | { t: "err"; d: string }
  | { t: "read-stdin" }
  | { t: "exit"; code: number }
  /** The agent cannot run this invocation identically (another command, other options): run it the normal way. */
  | { t: "fallback" }
  | ({ t: "status" } & AgentStatus)
  | { t: "stopping" }
  | { t: "refused"; message: string };

/** How long a client waits for the hello before it runs the command the normal way (a socket that answers nothing). */
export const HELLO_TIMEOUT_MS = 2000;

/** Longest line either side accepts: stdin is capped at 1 MiB by the CLI, base64 and JSON add a third. */
export const MAX_LINE = 2 << 20;

export function send(socket: Socket, message: ClientMessage | AgentMessage): void {
  socket.write(`${JSON.stringify(message)}\n`);
}

/** Call `onMessage` with each JSON line read from `socket`; a line too long or not JSON destroys the socket. */
export function onMessages(socket: Socket, onMessage: (message: Record<string, unknown>) => void): void {
  let buffered = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      if (typeof message === "object" && message !== null) onMessage(message as Record<string, unknown>);
    }
    if (buffered.length > MAX_LINE) socket.destroy();
  });
}
