/**
 * `softkey serve --http` under a local process that tries to hold it: hundreds of idle sockets,
 * slowloris sockets that never finish their headers, unauthorized requests that never finish their
 * body, more of them than the service may keep open, against a server whose open-file limit they
 * could otherwise exhaust. A client with the token still gets answers within a second, the CTAPHID
 * socket of the same process keeps working, the slow sockets are closed within seconds, and past
 * the connection cap (all taken by requests in progress) a newcomer gets a clear 503. Loopback only;
 * every socket the test opens is counted and closed by the test, which ends on its own.
 */
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CtaphidSocketClient } from "../helpers/ctaphidClient.js";
import { initHttpStore, startHttpServe, stopAllHttpServes, type HttpServe } from "../helpers/httpService.js";
import { assertBuilt } from "../cli/run.js";

/** The service's cap (connectionLimit.ts DEFAULT_MAX_CONNECTIONS) and timeouts (server.ts HTTP_TIMEOUTS). */
const MAX_CONNECTIONS = 256;
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

let tmp: string;
let store: string;

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "softkey-http-held-"));
  store = path.join(tmp, "store");
  await initHttpStore(store);
});
afterAll(async () => {
  await stopAllHttpServes();
  rmSync(tmp, { recursive: true, force: true });
});

/** The attacker's sockets: each remembers when the server closed it, and the test closes whatever is left. */
class Attack {
  readonly sockets: { socket: Socket; closedAt?: number; timer?: NodeJS.Timeout }[] = [];

  open(port: number, behave: (socket: Socket) => NodeJS.Timeout | undefined): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      const entry: (typeof this.sockets)[number] = { socket };
      this.sockets.push(entry);
      socket.on("error", () => undefined);
      // Read (and drop) what the server sends, so that its close is seen here.
      socket.resume();
      socket.on("close", () => {
        entry.closedAt ??= Date.now();
        clearInterval(entry.timer);
      });
      socket.once("connect", () => {
        entry.timer = behave(socket);
        resolve();
      });
      socket.once("close", () => resolve());
    });
  }

  stillOpen(): number {
    return this.sockets.filter((s) => s.closedAt === undefined).length;
  }

  end(): void {
    for (const { socket, timer } of this.sockets) {
      clearInterval(timer);
      socket.destroy();
    }
  }
}

const idle = (): undefined => undefined;
/** Headers one line every 500 ms, never the blank line that ends them. */
const slowHeaders = (socket: Socket): NodeJS.Timeout => {
  socket.write("GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  return setInterval(() => socket.write(`X-Slow-${Date.now()}: 1\r\n`), 500);
};
/** An unauthorized POST whose body never finishes. */
const slowBody = (socket: Socket): NodeJS.Timeout => {
  socket.write("POST /v1/assertions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{");
  return setInterval(() => socket.write(" "), 500);
};

/** One request on a connection of its own (no pooled socket to hide behind), with the time it took. */
function freshRequest(port: number, token: string, method = "GET", target = "/v1/info"): Promise<{ status: number; ms: number; body: string; headers: Record<string, unknown> }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: target, agent: false, headers: { authorization: `Bearer ${token}` }, timeout: 5_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body, headers: res.headers }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
    req.end();
  });
}

const portOf = (serve: HttpServe, scheme: "http" | "tcp") => Number(serve.listening.find((a) => a.startsWith(`${scheme}:`))!.split(":").at(-1));

describe("serve --http held open by idle and slow clients", () => {
  it("hundreds of idle, slowloris and slow-body sockets: token holders are answered within a second, CTAPHID works, the slow ones are closed within seconds", async () => {
    // Few enough open files that the attack alone would exhaust them without the cap.
    const serve = await startHttpServe(store, { args: ["--http", "127.0.0.1:0", "--ctaphid", "tcp:127.0.0.1:0", "--token-file", path.join(tmp, "token"), "-q"], tokenFile: path.join(tmp, "token"), openFiles: 400 });
    const http = portOf(serve, "http");
    const attack = new Attack();
    try {
      const started = Date.now();
      for (const [count, behave] of [[300, idle], [100, slowHeaders], [50, slowBody]] as const) {
        for (let i = 0; i < count; i += 25) await Promise.all(Array.from({ length: Math.min(25, count - i) }, () => attack.open(http, behave)));
      }
      expect(attack.sockets).toHaveLength(450);

      for (let i = 0; i < 5; i++) {
        const { status, ms } = await freshRequest(http, serve.token);
        expect(status).toBe(200);
        expect(ms).toBeLessThan(1000);
      }
      const ctaphid = await CtaphidSocketClient.connect(serve.listening.find((a) => a.startsWith("tcp:"))!);
      try {
        expect((await ctaphid.call(0x04)).status).toBe(0); // authenticatorGetInfo
      } finally {
        ctaphid.close();
      }

      // Nothing the attack opened outlives the request timeout (and the check interval) by much.
      const deadline = started + REQUEST_TIMEOUT_MS + 3_000;
      while (attack.stillOpen() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(attack.stillOpen()).toBe(0);
      const slowest = Math.max(...attack.sockets.map((s) => s.closedAt! - started));
      expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS + 3_000);
      expect((await freshRequest(http, serve.token)).status).toBe(200);
    } finally {
      attack.end();
      await serve.stop();
    }
  }, 40_000);

  it("past the cap, when every connection serves a token holder's request, a newcomer gets 503 with retry-after; service resumes when they end", async () => {
    const serve = await startHttpServe(store, { args: ["--http", "127.0.0.1:0", "--token-file", path.join(tmp, "token2"), "-q"], tokenFile: path.join(tmp, "token2") });
    const http = portOf(serve, "http");
    const holders = new Attack();
    try {
      // Authorized requests whose bodies are still arriving: in progress, so not closed to make room.
      const authorizedSlowBody = (socket: Socket): NodeJS.Timeout => {
        socket.write(`POST /v1/assertions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${serve.token}\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{`);
        return setInterval(() => socket.write(" "), 500);
      };
      for (let i = 0; i < MAX_CONNECTIONS; i += 32) await Promise.all(Array.from({ length: 32 }, () => holders.open(http, authorizedSlowBody)));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(holders.stillOpen()).toBe(MAX_CONNECTIONS);

      const refused = await freshRequest(http, serve.token);
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("1");
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "too_many_connections" } });
      expect(refused.ms).toBeLessThan(1000);

      // The request timeout ends the held requests (408), and the service answers again.
      const deadline = Date.now() + REQUEST_TIMEOUT_MS + HEADERS_TIMEOUT_MS;
      let status = 503;
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = (await freshRequest(http, serve.token)).status;
      }
      expect(status).toBe(200);
    } finally {
      holders.end();
      await serve.stop();
    }
  }, 40_000);
});
