/**
 * How many connections the HTTP service holds, and who gives one up when they run out. Any
 * local process can connect, so idle or slow sockets must not crowd out a client with the token:
 *
 * - at most `max` connections are open at once (each is a file descriptor);
 * - when a new one arrives and all are taken, the oldest connection that is not serving an
 *   authorized request (idle, between keep-alive requests, or still sending its headers:
 *   slowloris) is closed to make room;
 * - only when every connection is serving an authorized request is the newcomer refused, with a
 *   plain 503 and `retry-after`, before the HTTP parser ever sees it.
 *
 * The sockets reach node:http only once admitted (`http.emit("connection")`, the documented way to
 * hand it a socket), so a refused one costs a write and a close.
 */
import type { Server as HttpServer } from "node:http";
import type { Socket } from "node:net";

export const DEFAULT_MAX_CONNECTIONS = 256;

/** How long a refused socket may take to read its 503 before it is closed regardless. */
const REFUSED_LINGER_MS = 1000;

export class ConnectionLimit {
  /** Open connections, oldest first (a Map keeps insertion order), with the authorized requests each is serving. */
  private readonly open = new Map<Socket, number>();
  /** Connections closed to make room, and newcomers refused: for the log and the tests. */
  evicted = 0;
  refused = 0;

  constructor(
    private readonly http: HttpServer,
    readonly max: number = DEFAULT_MAX_CONNECTIONS,
  ) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxConnections must be a positive integer, got ${max}`);
  }

  /** The listening socket's 'connection' listener. */
  readonly accept = (socket: Socket): void => {
    if (this.open.size >= this.max && !this.evictOldestIdle()) {
      this.refuse(socket);
      return;
    }
    this.open.set(socket, 0);
    socket.once("close", () => this.open.delete(socket));
    this.http.emit("connection", socket);
  };

  /** An authorized request runs on `socket` until the returned function is called: its connection is not evicted meanwhile. */
  hold(socket: Socket): () => void {
    const count = this.open.get(socket);
    if (count === undefined) return () => undefined;
    this.open.set(socket, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = this.open.get(socket);
      if (now !== undefined) this.open.set(socket, Math.max(0, now - 1));
    };
  }

  get size(): number {
    return this.open.size;
  }

  private evictOldestIdle(): boolean {
    for (const [socket, serving] of this.open) {
      if (serving > 0) continue;
      this.open.delete(socket);
      socket.destroy();
      this.evicted++;
      return true;
    }
    return false;
  }

  private refuse(socket: Socket): void {
    this.refused++;
    const body = JSON.stringify({
      error: { code: "too_many_connections", message: `the service is serving ${this.max} requests at once; retry shortly` },
    });
    socket.on("error", () => undefined);
    // Read and drop whatever the client sent, so closing does not reset the connection before it reads the answer.
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.end(
      "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\n" +
        `content-length: ${Buffer.byteLength(body)}\r\nretry-after: 1\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
    );
  }
}
