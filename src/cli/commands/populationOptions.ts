/**
 * What `softkey population export` and `serve` share: the population's flags
 * and its seed. The seed is read like the store's passphrase (--seed-file,
 * else SOFTKEY_POPULATION_SEED, else a hidden prompt on the terminal), never
 * from the command line, and never printed.
 */
import { Option, type Command } from "commander";
import { COUNTER_MODES, Population, PopulationError, PopulationSeedError, POPULATION_SEED_ENV, type PopulationOptions } from "../../population/index.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { askHiddenOnTerminal, readPassphraseFile } from "../passphrase.js";

export interface PopulationFlags {
  size: string;
  algorithm: "ES256" | "EdDSA";
  counter: "zero" | "clock";
  seedFile?: string;
}

export const NO_SEED_MESSAGE = `no population seed: use --seed-file FILE, set ${POPULATION_SEED_ENV}, or run on a terminal to be prompted`;

export function addPopulationOptions(command: Command): Command {
  return command
    .requiredOption("--size <users>", "the population's size: users 0 to SIZE-1 (at most 2^32)")
    .addOption(new Option("--algorithm <alg>", "the credentials' algorithm").choices(["ES256", "EdDSA"]).default("ES256"))
    .addOption(new Option("--counter <mode>", "signature counters: zero (as synced passkeys) or clock (tenths of a second since 2024)").choices([...COUNTER_MODES]).default("zero"))
    .option("--seed-file <file>", `read the population seed from FILE (else ${POPULATION_SEED_ENV}, else a prompt on the terminal)`);
}

/** The population the flags describe, its seed read as documented; every failure a CliError. */
export async function openPopulation(ctx: CliContext, flags: PopulationFlags, command: Command, extra: Partial<PopulationOptions> = {}): Promise<Population> {
  refuseSeedOnCommandLine(command);
  const size = parseCount(flags.size, "--size");
  const seed = await resolvePopulationSeed(flags.seedFile ?? programSeedFile(command), ctx.io.env);
  try {
    return new Population({ seed, size, algorithm: flags.algorithm, counter: flags.counter, ...extra });
  } catch (error) {
    if (error instanceof PopulationSeedError || error instanceof PopulationError) throw new CliError(ExitCode.INVALID_INPUT, error.message, { cause: error });
    throw error;
  }
}

/** A whole number from a flag: digits, with _ or , allowed between thousands (1_000_000). */
export function parseCount(text: string, flag: string): number {
  if (!/^\d{1,3}([_,]?\d{3})*$/.test(text)) throw new CliError(ExitCode.USAGE, `${flag} must be a whole number, got "${text}"`);
  return Number(text.replace(/[_,]/g, ""));
}

async function resolvePopulationSeed(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (file !== undefined) return readPassphraseFile(file, "population seed");
  const fromEnv = env[POPULATION_SEED_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const answer = await askHiddenOnTerminal("Population seed: ");
  if (answer === undefined) throw new CliError(ExitCode.NO_TERMINAL, NO_SEED_MESSAGE);
  if (answer === "") throw new CliError(ExitCode.INVALID_INPUT, "the population seed must not be empty");
  return answer;
}

/**
 * The program's own --seed-file (deterministic mode, for a store) has the same name, and commander
 * gives it the flag wherever it stands on the line, so this command's option stays empty. A
 * population command has no store: there the flag can only mean the population's seed.
 */
function programSeedFile(command: Command): string | undefined {
  const root = rootOf(command);
  return root.getOptionValueSource("seedFile") === "cli" ? (root.opts().seedFile as string) : undefined;
}

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/**
 * The global --seed is deterministic mode for a store. Given to a population
 * command it would be a secret in argv that does nothing: refuse it, without
 * repeating it.
 */
function refuseSeedOnCommandLine(command: Command): void {
  if (rootOf(command).getOptionValueSource("seed") === "cli") {
    throw new CliError(
      ExitCode.USAGE,
      `--seed is deterministic mode for a store; a population's seed is never a command-line argument: use --seed-file FILE, ${POPULATION_SEED_ENV} or the prompt`,
    );
  }
}
