/**
 * The holder's side of a store's control socket (`softkey agent start`, `softkey serve`): it
 * listens in the private directory (socketPath.ts), runs the invocations sent to it one at a time
 * with the handler the CLI gives, and answers status and stop. Only processes of the same user can
 * connect: the directory is 0700 and the socket 0600, the kernel refuses anyone else.
 */
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { onMessages, send, type AgentStatus, type RunRequest } from "./protocol.js";
import { ensureSocketDir, foreignSocket, UnsafeSocketError } from "./socketPath.js";

/** The streams of one invocation run for a client: what it prints goes back over the socket. */
export interface RunIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface ControlHandlers {
  status: Omit<AgentStatus, "pid" | "socket">;
  /** Run one invocation and return its exit code, or "fallback" when it must run the normal way. */
  run: (request: RunRequest, io: RunIo) => Promise<number | "fallback">;
  /** `softkey agent stop`: start stopping (undefined), or say why this holder is not stopped that way. */
  stop: () => string | undefined;
}

export interface ControlSocket {
  path: string;
  /** Stop listening and remove the socket, then run `afterwards` (close the store) before the `agent stop` callers hear it is done. */
  close: (afterwards?: () => Promise<void>) => Promise<void>;
}

/** Another live process answers on the store's control socket. */
export class ControlSocketInUseError extends Error {
  override name = "ControlSocketInUseError";
}

/** How long stopping waits for the invocation under way. */
const RUNNING_GRACE_MS = 5_000;

export async function listenControlSocket(socketPath: string, handlers: ControlHandlers): Promise<ControlSocket> {
  ensureSocketDir(path.dirname(socketPath));
  await removeStaleSocket(socketPath);
  const connections = new Set<Socket>();
  const stopWaiters = new Set<Socket>();
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((socket) => {
    connections.add(socket);
    send(socket, { t: "hello" });
    socket.on("close", () => connections.delete(socket));
    socket.on("error", () => undefined);
    let started = false;
    let stdin: Readable | undefined;
    onMessages(socket, (message) => {
      if (!started) {
        started = true;
        if (message.t === "run") {
          stdin = stdinFromClient(socket, (message as unknown as RunRequest).stdinIsTTY);
          const input = stdin;
          // One failing invocation (its client sees the connection end) must not stop the ones after it.
          queue = queue.then(() => runOne(socket, message as unknown as RunRequest, input, handlers)).catch(() => undefined);
        } else if (message.t === "status") {
          send(socket, { t: "status", ...handlers.status, pid: process.pid, socket: socketPath });
          socket.end();
        } else if (message.t === "stop") {
          const refused = handlers.stop();
          if (refused !== undefined) {
            send(socket, { t: "refused", message: refused });
            socket.end();
          } else {
            send(socket, { t: "stopping" });
            stopWaiters.add(socket);
          }
        } else socket.destroy();
      } else if (message.t === "stdin" && typeof message.d === "string") stdin?.push(Buffer.from(message.d, "base64"));
      else if (message.t === "stdin-end") stdin?.push(null);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    close: async (afterwards) => {
      // No new connection from here; the server's own close waits for the stop callers, told last.
      const closed = new Promise((resolve) => server.close(resolve));
      // The invocation running now finishes and answers first (a create cut off here would store a
      // credential its caller never hears of); bounded, for one that waits on a stdin that never ends.
      await Promise.race([queue, new Promise((resolve) => setTimeout(resolve, RUNNING_GRACE_MS).unref())]);
      for (const socket of connections) if (!stopWaiters.has(socket)) socket.destroy();
      try {
        await afterwards?.();
      } finally {
        for (const socket of stopWaiters) socket.end();
      }
      await closed;
    },
  };
}

async function runOne(socket: Socket, request: RunRequest, stdin: Readable, handlers: ControlHandlers): Promise<void> {
  if (socket.destroyed) return;
  const write = (t: "out" | "err") => (d: string) => {
    if (!socket.destroyed) send(socket, { t, d });
  };
  try {
    const code = await handlers.run(request, { stdin, stdout: write("out"), stderr: write("err") });
    if (!socket.destroyed) send(socket, code === "fallback" ? { t: "fallback" } : { t: "exit", code });
  } finally {
    socket.end();
  }
}

/** The client's stdin, asked for only when the command reads it; a client that goes away ends it with an error. */
function stdinFromClient(socket: Socket, isTTY: boolean): Readable & { isTTY?: boolean } {
  let asked = false;
  const stdin = new Readable({
    read() {
      if (asked) return;
      asked = true;
      send(socket, { t: "read-stdin" });
    },
  });
  // A reader gets the error; nobody else needs to hear it.
  stdin.on("error", () => undefined);
  socket.on("close", () => {
    if (!stdin.readableEnded) stdin.destroy(new Error("the client went away"));
  });
  return Object.assign(stdin, { isTTY });
}

/** A socket left by a holder that died is removed; one that answers, or that is not ours, is refused. */
async function removeStaleSocket(socketPath: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const why = foreignSocket(socketPath, stat);
  if (why !== undefined) throw new UnsafeSocketError(`refusing the control socket: ${why}`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(socketPath, () => {
      probe.destroy();
      resolve(true);
    });
    probe.on("error", () => resolve(false));
  });
  if (alive) throw new ControlSocketInUseError(`another process answers on the store's control socket ${socketPath}`);
  unlinkSync(socketPath);
}
