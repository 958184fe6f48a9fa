/**
 * The real `softkey serve --http` (the built binary) as a child process, and
 * a small JSON client for its API. The process part is serveChild.ts's, not
 * serveProcess.ts's, so the HTTP tests only depend on the CLI's documented
 * behaviour, not on the CTAPHID test client.
 */
import { readFileSync } from "node:fs";
import { initServeStore, RunningServes, spawnServe, type ServeChild } from "./serveChild.js";

export type { Exit } from "./serveChild.js";

export const HTTP_PASSPHRASE = "http passphrase";

/** `softkey init --kdf-cost 10` in `store`. */
export async function initHttpStore(store: string): Promise<void> {
  await initServeStore(store, HTTP_PASSPHRASE);
}

export interface HttpServe extends ServeChild {
  /** `http://127.0.0.1:PORT` of the first http: address. */
  baseUrl: string;
  token: string;
  /** A request with the token (unless `token: null`), JSON in and out. */
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
}

export interface CallOptions {
  /** A JSON body (stringified) or raw text. */
  json?: unknown;
  raw?: string | Buffer;
  contentType?: string | null;
  /** The token to send; null sends no Authorization header. Default: the server's. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

const running = new RunningServes<HttpServe>();

export interface StartOptions {
  /** Arguments after `serve`; default `--http 127.0.0.1:0 --token-file TOKENFILE`. */
  args?: string[];
  tokenFile?: string;
  env?: Record<string, string>;
  /** The child's limit on open files (ulimit -n). */
  openFiles?: number;
}

export async function startHttpServe(store: string, options: StartOptions = {}): Promise<HttpServe> {
  const args = options.args ?? ["--http", "127.0.0.1:0", "--token-file", options.tokenFile!];
  const serve = await spawnServe(store, args, { SOFTKEY_PASSPHRASE: HTTP_PASSPHRASE, ...options.env }, { openFiles: options.openFiles });
  const http = serve.listening.find((address) => address.startsWith("http:"));
  const baseUrl = http ? `http://${http.slice("http:".length)}` : "";
  const token = options.env?.SOFTKEY_TOKEN ?? (options.tokenFile ? readFileSync(options.tokenFile, "utf8").trim() : "");
  return running.add({
    ...serve,
    baseUrl,
    token,
    call: (method, path, callOptions = {}) => call(baseUrl, token, method, path, callOptions),
  });
}

export async function stopAllHttpServes(): Promise<void> {
  await running.stopAll();
}

async function call(baseUrl: string, serverToken: string, method: string, path: string, options: CallOptions): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? serverToken : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | Buffer | undefined;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  else if (options.raw !== undefined) body = options.raw;
  const contentType = options.contentType === undefined ? (body === undefined ? null : "application/json") : options.contentType;
  if (contentType !== null) headers["content-type"] = contentType;
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
