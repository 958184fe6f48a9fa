/**
 * The CLI's streams and environment, injectable so tests can run `main()` in
 * process, and reading input: the options JSON of `create` / `get`, stdin up
 * to a limit, and the error for a file that cannot be read.
 */
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";

export interface CliIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: long commands draw a progress bar there (progress.ts). */
  stderrIsTerminal?: boolean;
  /** stdout is a terminal: summaries are for people; otherwise they are JSON for scripts. */
  stdoutIsTerminal?: boolean;
}

let stdoutGuarded = false;

export function processIo(): CliIo {
  if (!stdoutGuarded) {
    stdoutGuarded = true;
    // `softkey list | head -1`: a reader that goes away is not an error worth a stack trace.
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
  }
  return {
    stdin: process.stdin,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    stderrIsTerminal: process.stderr.isTTY === true,
    stdoutIsTerminal: process.stdout.isTTY === true,
  };
}

/** Limit on options JSON: real options are a few kilobytes. */
const MAX_OPTIONS_BYTES = 1 << 20;

/**
 * Read the options JSON from FILE, or from stdin for `-` or when no file is
 * given. Returns the parsed value; throws CliError (INVALID_INPUT) for
 * anything that is not one JSON object.
 */
export async function readOptionsJson(source: string | undefined, io: CliIo): Promise<Record<string, unknown>> {
  let text: string;
  let label: string;
  if (source === undefined || source === "-") {
    if (source === undefined && io.stdin.isTTY) {
      throw new CliError(ExitCode.USAGE, "no options JSON: pass --options FILE, or pipe the JSON on stdin (--options -)");
    }
    label = "stdin";
    text = await readStream(io.stdin, MAX_OPTIONS_BYTES, `options JSON on stdin is larger than ${MAX_OPTIONS_BYTES} bytes`);
  } else {
    label = source;
    text = (await readFileLimited(source, MAX_OPTIONS_BYTES, `options file ${source}`)).toString("utf8");
  }
  if (text.trim() === "") throw new CliError(ExitCode.INVALID_INPUT, `no options JSON on ${label}: it is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new CliError(ExitCode.INVALID_INPUT, `options from ${label} are not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(ExitCode.INVALID_INPUT, `options from ${label} must be a JSON object, got ${Array.isArray(value) ? "an array" : typeof value === "object" ? "null" : typeof value}`);
  }
  return value as Record<string, unknown>;
}

/** Everything on `stream` as UTF-8; past `maxBytes` it stops with INVALID_INPUT and the message `tooLarge`. */
export async function readStream(stream: Readable, maxBytes: number, tooLarge: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes) throw new CliError(ExitCode.INVALID_INPUT, tooLarge);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The bytes of `file`, refusing one larger than `maxBytes` before reading it: its size is checked
 * on the open handle, and reading stops past the limit (a FIFO or /dev/zero has no size to check).
 * `what` names the file in errors, e.g. "options file auth.json".
 */
export async function readFileLimited(file: string, maxBytes: number, what: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    throw unreadableFile(what, error);
  }
  const tooLarge = () => new CliError(ExitCode.INVALID_INPUT, `${what} is larger than ${maxBytes} bytes`);
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw unreadableFile(what, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
    if (stat.size > maxBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(); // it grew, or it is a device with no size
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, length);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw unreadableFile(what, error);
  } finally {
    await handle.close();
  }
}

/** INVALID_INPUT for a file that could not be read: `cannot read WHAT: no such file` (or is a directory, or the system's reason). */
export function unreadableFile(what: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (error as Error).message;
  return new CliError(ExitCode.INVALID_INPUT, `cannot read ${what}: ${why}`, { cause: error });
}

/** Print one JSON document on stdout. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
