/**
 * The HTTP service: the WebAuthn client as JSON over node:http, for test
 * suites in any language (`softkey serve --http 127.0.0.1:0`). Routes and
 * handlers are in handlers.ts, the token check in auth.ts, bodies in body.ts,
 * error bodies in errors.ts, the connection cap in connectionLimit.ts; this
 * file holds the server: its timeouts, authorization, one log line per
 * request, and a clean stop.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { WebAuthnError } from "../../client/errors.js";
import { isLoopbackHost } from "../ctaphidSpec.js";
import { formatHttpAddress, type HttpAddress } from "./address.js";
import { BearerCheck } from "./auth.js";
import { ClientGoneError, DEFAULT_BODY_LIMIT } from "./body.js";
import { ConnectionLimit } from "./connectionLimit.js";
import { HttpError, toHttpError } from "./errors.js";
import type { Handler, HandlerResult } from "./handlers.js";
import { printablePath, Router, type Route } from "./router.js";

export interface HttpServiceOptions {
  /** The bearer token every request but /healthz must carry. */
  token: string;
  /** One line per request: `http POST /v1/assertions -> 200 (2.1 ms)`. */
  log?: (line: string) => void;
  /** Warnings, which --quiet does not silence (a service reachable from other machines). */
  warn?: (line: string) => void;
  /** Largest request body, in bytes; default 64 KiB. */
  bodyLimit?: number;
  /** How long a stop waits for requests in progress before aborting them; default 3 s. */
  stopGraceMs?: number;
  /** Connections open at once (connectionLimit.ts); default 256. */
  maxConnections?: number;
}

/**
 * Idle or slow clients cannot hold the service: a request's headers must arrive within 5 s of its
 * first byte (or of the connection, for one that sends nothing), the whole request within 10 s, and
 * a keep-alive connection is closed after 5 s without a request. node:http checks these on a timer
 * (30 s by default, which let a slowloris socket live that long): here every 250 ms.
 */
export const HTTP_TIMEOUTS = { headersTimeout: 5_000, requestTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 250 } as const;

export interface HttpService {
  /** `http:127.0.0.1:41234` */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Paths that need no token. */
const PUBLIC_PATHS = new Set(["/healthz"]);

/** Serve `routes` (the WebAuthn client's, handlers.ts; a population's, populationRoutes.ts) at `where`. */
export async function startHttpService(where: HttpAddress, routes: Route<Handler>[], options: HttpServiceOptions): Promise<HttpService> {
  const router = new Router<Handler>(routes);
  const bearer = new BearerCheck(options.token);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const log = options.log;
  const inFlight = new Map<Promise<void>, AbortController>();
  let stopping = false;

  const server: Server = createServer({ keepAlive: true, ...HTTP_TIMEOUTS }, (req, res) => {
    const controller = new AbortController();
    const done = serve(req, res, controller.signal);
    inFlight.set(done, controller);
    // A client that hangs up ends its ceremony (and frees the authenticator for the others).
    res.once("close", () => {
      if (!res.writableFinished) controller.abort(new WebAuthnError("AbortError", "the client closed the connection"));
    });
    void done.finally(() => inFlight.delete(done));
  });
  // node:http never listens itself: the listener hands it the connections the cap admits, made as its own
  // listener would make them (half-open allowed, no Nagle, TCP keep-alive).
  const limit = new ConnectionLimit(server, options.maxConnections);
  const listener = createNetServer({ allowHalfOpen: true, noDelay: true, keepAlive: true }, limit.accept);

  async function serve(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const method = req.method ?? "";
    let pathname = "";
    let outcome: string;
    let release: (() => void) | undefined;
    try {
      const url = requestTarget(req.url);
      pathname = url.pathname;
      if (stopping) throw new HttpError(503, "shutting_down", "the service is stopping", { closeConnection: true });
      if (!PUBLIC_PATHS.has(pathname)) bearer.authorize(req.headers.authorization);
      // From here the request is the token holder's: its connection is not one to close for room.
      release = limit.hold(req.socket);
      const { handler, params } = router.match(method, pathname);
      const result = await handler({ req, params, query: url.searchParams, signal, bodyLimit });
      send(res, result);
      outcome = String(result.status);
    } catch (thrown) {
      if (thrown instanceof ClientGoneError || res.destroyed) {
        outcome = "aborted (the client went away)";
      } else {
        const error =
          stopping && thrown instanceof WebAuthnError && thrown.name === "AbortError"
            ? new HttpError(503, "shutting_down", "the service stopped before the ceremony ended")
            : toHttpError(thrown);
        const detail = error.status === 500 && error.cause instanceof Error ? `: ${error.cause.message.replace(/\s+/g, " ")}` : "";
        send(res, { status: error.status, body: error.body, headers: error.extra.headers ?? {} }, error.extra.closeConnection);
        outcome = `${error.status} ${error.code}${detail}`;
      }
    } finally {
      release?.();
    }
    log?.(`http ${printablePath(method)} ${printablePath(pathname || (req.url ?? ""))} -> ${outcome} (${(performance.now() - started).toFixed(1)} ms)`);
  }

  function send(res: ServerResponse, result: HandlerResult, closeConnection = false): void {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = { "cache-control": "no-store", "x-content-type-options": "nosniff", ...result.headers };
    if (closeConnection || stopping) headers.connection = "close";
    if (result.body === undefined) {
      res.writeHead(result.status, headers).end();
      return;
    }
    const json = Buffer.from(JSON.stringify(result.body), "utf8");
    headers["content-type"] = "application/json; charset=utf-8";
    headers["content-length"] = json.length;
    res.writeHead(result.status, headers).end(json);
  }

  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP (or a timeout): a plain 400 or 408 where the socket still takes one, else just close.
    if (error.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
    const status = error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const code = status === 400 ? "invalid_request" : status === 408 ? "request_timeout" : "headers_too_large";
    const body = JSON.stringify({ error: { code, message: status === 400 ? "malformed HTTP request" : status === 408 ? "the request did not arrive in time" : "the request headers are too large" } });
    socket.end(
      `HTTP/1.1 ${status} ${status === 400 ? "Bad Request" : status === 408 ? "Request Timeout" : "Request Header Fields Too Large"}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      // Then closed: a client that never closes its side (a slowloris) must not keep the socket half-open.
      () => socket.destroy(),
    );
  });

  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen({ host: where.host, port: where.port }, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  // node:http starts its timeout checks on 'listening' (it tracks the connections it is handed from then on).
  server.emit("listening");
  const bound = listener.address();
  const actual: HttpAddress = bound !== null && typeof bound === "object" ? { host: bound.address, port: bound.port } : where;
  if (!isLoopbackHost(actual.host)) {
    options.warn?.(`http: warning: ${actual.host} is not a loopback address; anyone who reaches it with the token can use this authenticator`);
  }

  let closing: Promise<void> | undefined;
  return {
    address: formatHttpAddress(actual),
    port: actual.port,
    close() {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
        // node:http was never listening: close() only stops its timeout timer (and reports that it was not running).
        server.close(() => undefined);
        server.closeIdleConnections();
        // Requests in progress may finish (a ceremony takes milliseconds); then whatever is left is aborted.
        const pending = () => Promise.allSettled([...inFlight.keys()]);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([pending(), new Promise((resolve) => (timer = setTimeout(resolve, options.stopGraceMs ?? 3000)))]);
        clearTimeout(timer);
        for (const controller of inFlight.values()) controller.abort(new WebAuthnError("AbortError", "the service is stopping"));
        await pending();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

const NO_QUERY = new URLSearchParams();

/** The path and query of the request target; only origin-form (`/path?query`) is served. Path segments stay percent-encoded. */
function requestTarget(target: string | undefined): { pathname: string; searchParams: URLSearchParams } {
  if (!target?.startsWith("/")) throw new HttpError(400, "invalid_request", "the request target must be a path such as /v1/info");
  const question = target.indexOf("?");
  if (question < 0) return { pathname: target, searchParams: NO_QUERY };
  return { pathname: target.slice(0, question), searchParams: new URLSearchParams(target.slice(question + 1)) };
}
