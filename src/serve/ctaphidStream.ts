/**
 * CTAPHID over a stream socket (unix or tcp): raw 64-byte reports back to back
 * in both directions, as hidraw would carry them. All connections share one
 * virtual device (see sharedDevice.ts).
 */
import { chmod, lstat, unlink } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";

import type { CtapTransport } from "../ctap/transport.js";
import type { CtaphidServer } from "./host.js";
import { formatCtaphidSpec, isLoopbackHost, type CtaphidSpec } from "./ctaphidSpec.js";
import { ReportSplitter } from "./reportStream.js";
import { SharedCtaphidDevice, type CtaphidDeviceOptions, type ReportPeer } from "./sharedDevice.js";

type StreamSpec = Extract<CtaphidSpec, { transport: "unix" | "tcp" }>;

/** A client that never reads its answers is cut off rather than buffered without end. */
const MAX_UNREAD_BYTES = 1 << 20;

export async function listenCtaphidStream(
  spec: StreamSpec,
  transport: CtapTransport,
  deviceOptions: CtaphidDeviceOptions,
  log: (line: string) => void,
): Promise<CtaphidServer> {
  const device = new SharedCtaphidDevice(transport, deviceOptions, log);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => serveConnection(socket, spec.transport === "tcp"));

  function serveConnection(socket: Socket, tcp: boolean): void {
    sockets.add(socket);
    // Reports are tiny and latency-bound: without this Nagle and delayed ACKs cap a client at ~11 requests/s.
    if (tcp) socket.setNoDelay(true);
    const splitter = new ReportSplitter();
    let corked = false;
    const peer: ReportPeer = {
      write(report) {
        if (socket.destroyed || !socket.writable) return;
        if (socket.writableLength > MAX_UNREAD_BYTES) {
          log("ctaphid: closing a connection that does not read its answers");
          socket.destroy();
          return;
        }
        // A message's reports are sent in one go: held until this tick ends, then written with one syscall.
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(() => {
            corked = false;
            socket.uncork();
          });
        }
        socket.write(report);
      },
    };
    socket.on("data", (chunk: Buffer) => {
      for (const report of splitter.push(chunk)) device.receiveFrom(peer, report);
    });
    socket.on("error", (error) => log(`ctaphid: connection error: ${error.message}`));
    socket.on("close", () => {
      sockets.delete(socket);
      device.forgetPeer(peer);
    });
  }

  if (spec.transport === "unix") await removeStaleSocket(spec.path);
  else if (!isLoopbackHost(spec.host)) {
    log(`ctaphid: warning: ${spec.host} is not a loopback address; anyone who reaches it can use this authenticator`);
  }
  try {
    await listen(server, spec.transport === "unix" ? { path: spec.path } : { host: spec.host, port: spec.port });
  } catch (error) {
    device.close();
    throw error;
  }
  // Only this user may talk to the key through the socket file.
  if (spec.transport === "unix") await chmod(spec.path, 0o600);

  const bound = server.address();
  const actual: CtaphidSpec =
    spec.transport === "unix" || bound === null || typeof bound === "string"
      ? spec
      : { transport: "tcp", host: bound.address, port: bound.port };
  const address = formatCtaphidSpec(actual);
  log(`ctaphid: listening on ${address}`);

  let closing: Promise<void> | undefined;
  return {
    address,
    port: actual.transport === "tcp" ? actual.port : undefined,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        device.close();
        await closed;
        if (spec.transport === "unix") await unlink(spec.path).catch(() => {});
      })();
      return closing;
    },
  };
}

function listen(server: Server, options: { path: string } | { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * A socket file left by a server that died blocks listen (EADDRINUSE). Remove
 * it, but only when it is a socket nobody answers on: never a live server's, never a regular file.
 */
async function removeStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!stats) return;
  if (!stats.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
  if (live) throw new Error(`${path} is in use by a running server`);
  await unlink(path);
}
