/**
 * The real `softkey serve --http` (the built binary) as a child process, and
 * a small JSON client for its API. Independent of serveProcess.ts so the HTTP
 * tests only depend on the CLI's documented behaviour.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { BIN, ROOT, runCli } from "../cli/run.js";

export const HTTP_PASSPHRASE = "http passphrase";

/** `softkey init --kdf-cost 10` in `store`. */
export async function initHttpStore(store: string): Promise<void> {
  const result = await runCli(["--store", store, "init", "--kdf-cost", "10"], { env: { SOFTKEY_PASSPHRASE: HTTP_PASSPHRASE } });
  if (result.code !== 0) throw new Error(`softkey init failed (${result.code}): ${result.stderr}`);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HttpServe {
  child: ChildProcessWithoutNullStreams;
  listening: string[];
  /** `http://127.0.0.1:PORT` of the first http: address. */
  baseUrl: string;
  token: string;
  stderr(): string;
  stdout(): string;
  exited: Promise<Exit>;
  stop(signal?: NodeJS.Signals): Promise<Exit>;
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

const running = new Set<HttpServe>();

export interface StartOptions {
  /** Arguments after `serve`; default `--http 127.0.0.1:0 --token-file TOKENFILE`. */
  args?: string[];
  tokenFile?: string;
  env?: Record<string, string>;
}

export function startHttpServe(store: string, options: StartOptions = {}): Promise<HttpServe> {
  const args = options.args ?? ["--http", "127.0.0.1:0", "--token-file", options.tokenFile!];
  const child = spawn(process.execPath, [BIN, "--store", store, "serve", ...args], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", SOFTKEY_PASSPHRASE: HTTP_PASSPHRASE, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return new Promise<HttpServe>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`softkey serve did not report listening within 15 s; stderr: ${stderr}`));
    }, 15_000);
    child.stdout.on("data", (chunk: string) => {
      const first = !stdout.includes("\n");
      stdout += chunk;
      if (!first || !stdout.includes("\n")) return;
      clearTimeout(timer);
      const { listening } = JSON.parse(stdout.slice(0, stdout.indexOf("\n"))) as { listening: string[] };
      const http = listening.find((address) => address.startsWith("http:"));
      const baseUrl = http ? `http://${http.slice("http:".length)}` : "";
      const token = options.env?.SOFTKEY_TOKEN ?? (options.tokenFile ? readFileSync(options.tokenFile, "utf8").trim() : "");
      const serve: HttpServe = {
        child,
        listening,
        baseUrl,
        token,
        stderr: () => stderr,
        stdout: () => stdout,
        exited,
        async stop(signal = "SIGTERM") {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
        call: (method, path, callOptions = {}) => call(baseUrl, token, method, path, callOptions),
      };
      running.add(serve);
      void exited.then(() => running.delete(serve));
      resolve(serve);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`softkey serve ended before listening (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

export async function stopAllHttpServes(): Promise<void> {
  await Promise.all([...running].map((serve) => serve.stop("SIGKILL")));
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
