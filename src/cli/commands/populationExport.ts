/**
 * `softkey population export`: the population's public credentials at one RP
 * ID as JSON Lines, one user per line, for seeding the RP's database in bulk.
 * Streamed: lines are made and written a batch at a time, waiting for the
 * output to drain, so a million users take the memory of a thousand.
 *
 * With --out FILE the lines go to FILE.partial first and FILE appears only
 * when the last line is written (an interrupted or failed export leaves no
 * half file behind); a summary then goes to stdout, as JSON when stdout is not
 * a terminal or with --json. Without --out, stdout is the export itself (JSON
 * Lines), so --json changes nothing. On a terminal, stderr shows a progress bar.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import path from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";
import { stopSignal } from "../stopSignal.js";
import { addPopulationOptions, openPopulation, parseCount, type PopulationFlags } from "./populationOptions.js";

interface ExportFlags extends PopulationFlags {
  rpId: string;
  first?: string;
  count?: string;
  out?: string;
  discoverable: boolean;
  json?: boolean;
}

const BATCH = 1000;

export function registerPopulationExport(population: Command, ctx: CliContext): void {
  addPopulationOptions(
    population
      .command("export")
      .description("write the population's public credentials at an RP ID as JSON Lines, for seeding the RP's database")
      .requiredOption("--rp-id <id>", "the RP ID the credentials are for (e.g. example.com)")
      .option("--first <user>", "the first user to export (default 0)")
      .option("--count <users>", "how many users to export (default: from --first to the end)")
      .option("--out <file>", "write to FILE (complete or not at all) instead of stdout; a summary then goes to stdout")
      .option("--no-discoverable", "non-discoverable credentials (default: discoverable, as passkeys)")
      .option("--json", "with --out: print the summary as JSON (what it prints anyway when stdout is not a terminal); without --out the export itself, JSON Lines, is stdout"),
  )
    .addHelpText(
      "after",
      `
Each line: {"user","userName","userDisplayName","userHandle","credentialId","publicKey","algorithm","counter","discoverable","transports"}
(userHandle, credentialId and publicKey, a COSE_Key, in base64url). Any generator with the same seed signs in as
these users, discoverable or with allowCredentials.

Examples:
  $ export SOFTKEY_POPULATION_SEED="$(openssl rand -base64 24)"
  $ softkey population export --rp-id example.com --size 1000000 --out users.jsonl
  $ softkey population export --rp-id example.com --size 1000 | head -1`,
    )
    .action(async (flags: ExportFlags, command: Command) => {
      const first = flags.first === undefined ? 0 : parseCount(flags.first, "--first");
      const count = flags.count === undefined ? undefined : parseCount(flags.count, "--count");
      const population = await openPopulation(ctx, flags, command, { keyCacheSize: 0 });
      let records: ReturnType<typeof population.publicCredentials>;
      let total: number;
      try {
        records = population.publicCredentials(flags.rpId, { first, ...(count !== undefined ? { count } : {}), discoverable: flags.discoverable });
        total = count ?? population.size - first;
        // A generator checks its arguments on the first next(): before any file is made.
        const head = records.next();
        records = prepend(head, records);
      } catch (error) {
        throw new CliError(ExitCode.INVALID_INPUT, (error as Error).message, { cause: error });
      }
      const sink = flags.out === undefined ? stdoutSink(ctx) : await fileSink(flags.out);
      const bar = process.stderr.isTTY ? progressBar(total) : undefined;
      const stop = stopSignal();
      const started = performance.now();
      let written = 0;
      try {
        let batch = "";
        for (const record of records) {
          batch += `${JSON.stringify(record)}\n`;
          if (++written % BATCH === 0) {
            await sink.write(batch);
            batch = "";
            bar?.update(written, { rate: rate(written, started) });
            if (stop.fired) throw new CliError(ExitCode.INTERRUPTED, `interrupted after ${written} of ${total} users${flags.out ? `; ${flags.out} was not written` : ""}`);
          }
        }
        if (batch) await sink.write(batch);
        bar?.update(written, { rate: rate(written, started) });
        bar?.stop();
        await sink.finish();
      } catch (error) {
        bar?.stop();
        await sink.abandon();
        throw error;
      } finally {
        stop.dispose();
      }
      const seconds = (performance.now() - started) / 1000;
      const summary = {
        exported: written,
        rpId: flags.rpId,
        first,
        last: first + written - 1,
        algorithm: flags.algorithm,
        counter: flags.counter,
        discoverable: flags.discoverable,
        ...(flags.out ? { out: path.resolve(flags.out) } : {}),
        seconds: Math.round(seconds * 100) / 100,
        usersPerSecond: Math.round(written / seconds),
      };
      const line = `exported ${written} users (${first} to ${summary.last}) for ${flags.rpId} in ${summary.seconds} s (${summary.usersPerSecond}/s)`;
      if (flags.out === undefined) {
        if (process.stderr.isTTY) ctx.io.stderr(`${line}\n`);
      } else if (flags.json || ctx.io.stdoutIsTerminal !== true) writeJson(ctx.io, summary);
      else ctx.io.stdout(`${line} to ${flags.out}\n`);
    });
}

interface Sink {
  write(text: string): Promise<void>;
  finish(): Promise<void>;
  abandon(): Promise<void>;
}

/**
 * stdout as the CLI's io gives it. process.stdout writes to files and pipes
 * synchronously on Linux, so nothing piles up; the pause lets the progress
 * bar draw and a signal arrive.
 */
function stdoutSink(ctx: CliContext): Sink {
  return {
    async write(text) {
      ctx.io.stdout(text);
      await new Promise((resolve) => setImmediate(resolve));
    },
    finish: async () => {},
    abandon: async () => {},
  };
}

/** FILE.partial while writing, renamed to FILE at the end; removed if the export does not finish. */
async function fileSink(file: string): Promise<Sink> {
  const partial = `${file}.partial`;
  const stream: WriteStream = createWriteStream(partial, { flags: "w", mode: 0o644 });
  let failure: Error | undefined;
  stream.on("error", (error) => (failure ??= error));
  try {
    await once(stream, "open");
  } catch (error) {
    throw new CliError(ExitCode.INVALID_INPUT, `cannot write ${partial}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : (error as Error).message}`, { cause: error });
  }
  const failed = () => new CliError(ExitCode.INTERNAL, `cannot write ${partial}: ${failure!.message}`, { cause: failure });
  return {
    async write(text) {
      if (failure) throw failed();
      // Backpressure: wait for the file to take what it has before making more.
      // (events.once rejects if the stream fails while we wait.)
      if (!stream.write(text)) await once(stream, "drain").catch(() => {});
      if (failure) throw failed();
    },
    async finish() {
      await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
      if (failure) throw failed();
      await rename(partial, file);
    },
    async abandon() {
      stream.destroy();
      await unlink(partial).catch(() => {});
    },
  };
}

function progressBar(total: number): SingleBar {
  const bar = new SingleBar({
    stream: process.stderr,
    format: "exporting |{bar}| {percentage}% | {value}/{total} users | {rate} users/s | ETA {eta_formatted}",
    barCompleteChar: "\u2588",
    barIncompleteChar: "\u2591",
    hideCursor: true,
    etaBuffer: 50,
  });
  bar.start(total, 0, { rate: 0 });
  return bar;
}

function rate(done: number, started: number): number {
  return Math.round(done / ((performance.now() - started) / 1000));
}

function* prepend<T>(head: IteratorResult<T>, rest: Generator<T>): Generator<T> {
  if (head.done) return;
  yield head.value;
  yield* rest;
}
