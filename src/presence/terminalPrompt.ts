/**
 * Asks the person at the terminal to approve. It opens the controlling
 * terminal itself rather than stdin, because stdin often carries the options
 * JSON; with no terminal it fails at once instead of hanging.
 */
import { openSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";
import { createInterface } from "node:readline";

export class NoTerminalError extends Error {
  override name = "NoTerminalError";
  constructor() {
    super("--presence prompt needs a terminal to ask on, and this process has none (use --presence auto or deny)");
  }
}

/** True when a controlling terminal can be opened for prompting. */
export function hasTerminal(): boolean {
  try {
    openTerminal().close();
    return true;
  } catch {
    return false;
  }
}

function openTerminal(): { input: ReadStream; output: WriteStream; close(): void } {
  let fd: number;
  try {
    fd = openSync("/dev/tty", "r+");
  } catch {
    throw new NoTerminalError();
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  return {
    input,
    output,
    close() {
      input.destroy();
      output.destroy();
    },
  };
}

/** Resolves true for y/yes, false for anything else; rejects when the signal aborts. */
export async function askOnTerminal(question: string, signal?: AbortSignal): Promise<boolean> {
  signal?.throwIfAborted();
  const tty = openTerminal();
  const rl = createInterface({ input: tty.input, output: tty.output, terminal: true });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const onAbort = () => reject(signal!.reason ?? new Error("aborted"));
      signal?.addEventListener("abort", onAbort, { once: true });
      rl.question(`softkey: ${question}? [y/N] `, (a) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(a);
      });
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
    tty.close();
  }
}
