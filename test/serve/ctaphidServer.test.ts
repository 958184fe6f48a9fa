import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { CtaphidCommand as C, CtaphidErrorCode as E, KeepaliveStatusCode as K } from "../../src/ctaphid/packets.js";
import { startCtaphidServer, type CtaphidServer } from "../../src/serve/ctaphidServer.js";
import { ReportSplitter } from "../../src/serve/reportStream.js";
import { CtaphidTestClient, EchoTransport, PresenceWaitTransport } from "../ctaphid/helpers.js";

const big = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 13 + 1) & 0xff);

/** A CTAPHID client over a stream socket; `chunked` writes each report in two pieces to exercise partial reads. */
async function streamClient(target: { path: string } | { port: number }, chunked = false) {
  const socket: Socket = "path" in target ? connect(target.path) : connect(target.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.setNoDelay(true);
  // Chunked writes go through a queue with pauses, in order, so the server sees reports cut mid-way.
  let queue = Promise.resolve();
  const pause = () => new Promise((resolve) => setTimeout(resolve, 1));
  const client = new CtaphidTestClient((report) => {
    if (!chunked) socket.write(report);
    else {
      queue = queue.then(async () => {
        socket.write(report.subarray(0, 13));
        await pause();
        socket.write(report.subarray(13));
      });
    }
  });
  const splitter = new ReportSplitter();
  socket.on("data", (chunk: Buffer) => splitter.push(chunk).forEach((r) => client.onReport(r)));
  return { client, socket };
}

describe("CTAPHID socket servers", () => {
  let dir: string;
  let server: CtaphidServer | undefined;
  const sockets: Socket[] = [];
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "softkey-ctaphid-"));
    lines.length = 0;
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server?.close();
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it("serves PING over a unix socket, owner-only, and removes the socket on close", async () => {
    const path = join(dir, "key.sock");
    server = await startCtaphidServer(`unix:${path}`, new EchoTransport(), { log });
    expect(server.address).toBe(`unix:${path}`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const { client, socket } = await streamClient({ path });
    sockets.push(socket);
    const cid = await client.allocateChannel();
    const payload = big(7609);
    expect(await client.call(cid, C.CTAPHID_PING, payload)).toEqual({ cid, cmd: C.CTAPHID_PING, payload });
    await server.close();
    server = undefined;
    expect(existsSync(path)).toBe(false);
    expect(lines).toContain(`ctaphid: listening on unix:${path}`);
  });

  it("replaces a stale socket file but never a live socket or a regular file", async () => {
    const stale = join(dir, "stale.sock");
    // A process that bound a unix socket and died leaves its file behind.
    execFileSync("/usr/bin/python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", stale]);
    expect(existsSync(stale)).toBe(true);
    server = await startCtaphidServer(`unix:${stale}`, new EchoTransport());
    await expect(startCtaphidServer(`unix:${stale}`, new EchoTransport())).rejects.toThrow(/in use by a running server/);
    const regular = join(dir, "file");
    await writeFile(regular, "keep me");
    await expect(startCtaphidServer(`unix:${regular}`, new EchoTransport())).rejects.toThrow(/not a socket/);
    expect(existsSync(regular)).toBe(true);
  });

  it("serves PING over TCP on 127.0.0.1 port 0, reports split across reads", async () => {
    server = await startCtaphidServer("tcp:0", new EchoTransport(), { log });
    expect(server.address).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`tcp:127.0.0.1:${server.port}`);
    const { client, socket } = await streamClient({ port: server.port! }, true);
    sockets.push(socket);
    const cid = await client.allocateChannel();
    const payload = big(3000);
    expect(await client.call(cid, C.CTAPHID_PING, payload)).toEqual({ cid, cmd: C.CTAPHID_PING, payload });
    expect((await client.call(cid, C.CTAPHID_CBOR, Uint8Array.of(4))).payload).toEqual(Uint8Array.of(0, 4));
    expect(lines.some((line) => line.includes("warning"))).toBe(false);
  });

  it("serves PING over UDP, one report per datagram, answering the sender", async () => {
    server = await startCtaphidServer("udp:127.0.0.1:0", new EchoTransport());
    expect(server.address).toBe(`udp:127.0.0.1:${server.port}`);
    const udp = createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    try {
      const client = new CtaphidTestClient((report) => udp.send(report, server!.port!, "127.0.0.1"));
      udp.on("message", (datagram) => client.onReport(Uint8Array.from(datagram)));
      const cid = await client.allocateChannel();
      const payload = big(1000);
      expect(await client.call(cid, C.CTAPHID_PING, payload)).toEqual({ cid, cmd: C.CTAPHID_PING, payload });
    } finally {
      udp.close();
    }
  });

  it("shares one device between connections: busy across clients, released when a client leaves", async () => {
    const core = new PresenceWaitTransport();
    server = await startCtaphidServer("tcp:127.0.0.1:0", core);
    const a = await streamClient({ port: server.port! });
    const b = await streamClient({ port: server.port! });
    sockets.push(a.socket, b.socket);
    const cidA = await a.client.allocateChannel();
    const cidB = await b.client.allocateChannel();
    a.client.send(cidA, C.CTAPHID_CBOR, Uint8Array.of(0x01, 0xa0));
    await waitFor(() => a.client.keepalives.length > 0);
    expect(a.client.keepalives[0]).toEqual({ cid: cidA, cmd: C.CTAPHID_KEEPALIVE, payload: Uint8Array.of(K.STATUS_UPNEEDED) });
    expect(b.client.keepalives).toEqual([]);
    expect(await b.client.call(cidB, C.CTAPHID_PING, Uint8Array.of(1))).toEqual({
      cid: cidB,
      cmd: C.CTAPHID_ERROR,
      payload: Uint8Array.of(E.ERR_CHANNEL_BUSY),
    });
    a.socket.destroy();
    await waitFor(() => core.contexts[0]!.signal!.aborted);
    await waitFor(async () => (await b.client.call(cidB, C.CTAPHID_PING, Uint8Array.of(2))).cmd === C.CTAPHID_PING);
  });

  it("cancels a presence wait over TCP with CTAP2_ERR_KEEPALIVE_CANCEL", async () => {
    server = await startCtaphidServer("tcp:0", new PresenceWaitTransport());
    const { client, socket } = await streamClient({ port: server.port! });
    sockets.push(socket);
    const cid = await client.allocateChannel();
    client.send(cid, C.CTAPHID_CBOR, Uint8Array.of(0x02, 0xa0));
    await waitFor(() => client.keepalives.length >= 2);
    client.send(cid, C.CTAPHID_CANCEL, new Uint8Array(0));
    expect(await client.next()).toEqual({ cid, cmd: C.CTAPHID_CBOR, payload: Uint8Array.of(0x2d) });
    expect(client.keepalives.every((k) => k.payload[0] === K.STATUS_UPNEEDED)).toBe(true);
  });

  it("warns when listening beyond loopback", async () => {
    server = await startCtaphidServer("tcp:0.0.0.0:0", new EchoTransport(), { log });
    expect(lines.some((line) => line.includes("warning: 0.0.0.0 is not a loopback address"))).toBe(true);
  });

  it("reports a port in use as an error", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      await expect(startCtaphidServer(`tcp:127.0.0.1:${port}`, new EchoTransport())).rejects.toThrow(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
