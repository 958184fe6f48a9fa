/**
 * Where the store's passphrase comes from, in order: --passphrase-file,
 * SOFTKEY_PASSPHRASE, else a hidden prompt on the controlling terminal. The
 * prompt opens /dev/tty itself, not stdin, because stdin may carry the
 * options JSON.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { ReadStream } from "node:tty";
import { CliError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";

export const PASSPHRASE_ENV = "SOFTKEY_PASSPHRASE";

export const NO_PASSPHRASE_MESSAGE =
  `no passphrase: use --passphrase-file FILE, set ${PASSPHRASE_ENV}, or run on a terminal to be prompted`;

export interface PassphraseSources {
  file?: string;
  env: NodeJS.ProcessEnv;
  /** Ask twice and require both to match (softkey init). */
  confirm?: boolean;
}

export async function resolvePassphrase(sources: PassphraseSources): Promise<string> {
  if (sources.file !== undefined) return readPassphraseFile(sources.file);
  const fromEnv = sources.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const terminal = openTerminal();
  if (!terminal) throw new CliError(ExitCode.NO_TERMINAL, NO_PASSPHRASE_MESSAGE);
  try {
    const first = await askHidden(terminal, sources.confirm ? "New passphrase for the store: " : "Passphrase: ");
    if (first === "") throw new CliError(ExitCode.INVALID_INPUT, "the passphrase must not be empty");
    if (sources.confirm) {
      const second = await askHidden(terminal, "Repeat the passphrase: ");
      if (second !== first) throw new CliError(ExitCode.INVALID_INPUT, "the passphrases do not match");
    }
    return first;
  } finally {
    terminal.close();
  }
}

/**
 * Ask one hidden question on the controlling terminal; undefined when there
 * is none (so callers can name their non-interactive alternatives).
 */
export async function askHiddenOnTerminal(question: string): Promise<string | undefined> {
  const terminal = openTerminal();
  if (!terminal) return undefined;
  try {
    return await askHidden(terminal, question);
  } finally {
    terminal.close();
  }
}

/** A passphrase from a file; `what` names it in errors ("passphrase", "bundle passphrase"). */
export async function readPassphraseFile(file: string, what = "passphrase"): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new CliError(ExitCode.INVALID_INPUT, `cannot read ${what} file ${file}: ${why}`, { cause: error });
  }
  // One trailing newline is the file's, not the passphrase's (as `echo secret > file` writes it).
  const passphrase = text.replace(/\r?\n$/, "");
  if (passphrase === "") throw new CliError(ExitCode.INVALID_INPUT, `${what} file ${file} is empty`);
  return passphrase;
}

interface Terminal {
  input: ReadStream;
  write(text: string): void;
  close(): void;
}

/** The controlling terminal, or undefined when the process has none (CI, setsid, cron). */
function openTerminal(): Terminal | undefined {
  let inFd: number;
  let outFd: number;
  try {
    inFd = openSync("/dev/tty", "r");
  } catch {
    return undefined;
  }
  try {
    outFd = openSync("/dev/tty", "w");
  } catch {
    closeSync(inFd);
    return undefined;
  }
  const input = new ReadStream(inFd);
  return {
    input,
    write(text) {
      writeSync(outFd, text);
    },
    close() {
      if (input.isRaw) input.setRawMode(false);
      input.destroy(); // closes inFd
      closeSync(outFd);
    },
  };
}

/**
 * Read one line with echo off. Ctrl-C rejects with INTERRUPTED; Ctrl-D ends
 * the line. Echo goes off before the question is shown, and stays off until
 * the terminal is closed, so nothing typed early is ever echoed.
 */
function askHidden(terminal: Terminal, question: string): Promise<string> {
  const { input } = terminal;
  input.setRawMode(true);
  input.setEncoding("utf8");
  terminal.write(question);
  return new Promise<string>((resolve, reject) => {
    let answer = "";
    const finish = (error?: Error) => {
      input.off("data", onData);
      input.pause();
      terminal.write("\n");
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n" || char === "\u0004") return finish();
        if (char === "\u0003") return finish(new CliError(ExitCode.INTERRUPTED, "interrupted"));
        if (char === "\u007f" || char === "\b") answer = [...answer].slice(0, -1).join("");
        else if (char === "\u0015") answer = ""; // Ctrl-U: kill the line
        else if (char >= " ") answer += char;
      }
    };
    input.on("data", onData);
    input.resume();
  });
}
