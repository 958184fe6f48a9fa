/** `softkey init`: create a new, empty store. */
import { Option, type Command } from "commander";
import { Softkey } from "../../softkey.js";
import { Keystore } from "../../keystore/store.js";
import { DEFAULT_SCRYPT, validateScryptParams } from "../../keystore/envelope.js";
import { StoreExistsError } from "../../keystore/errors.js";
import { aaguidFromString, aaguidToString, SOFTKEY_AAGUID, type AttestationFormatName } from "../../authenticator/deviceConfig.js";
import { debugLog, globalsOf, storeDir, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { resolvePassphrase } from "../passphrase.js";
import { writeJson } from "../io.js";
import { DEFAULT_PROFILE } from "../../profiles/index.js";
import { loadProfile } from "./profile.js";

interface InitFlags {
  kdfCost: string;
  aaguid?: string;
  attestation?: AttestationFormatName;
  profile?: string;
  enterpriseRpId?: string[];
  json?: boolean;
}

const DEFAULT_KDF_COST = Math.log2(DEFAULT_SCRYPT.N);

export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command("init")
    .description("create a new, empty store (refuses a directory that already holds one)")
    .option("--kdf-cost <n>", "scrypt cost as log2 of N; lower is faster to open and weaker against guessing", String(DEFAULT_KDF_COST))
    .option("--profile <name|file>", "the device to emulate: a built-in profile (softkey profile list) or a profile JSON file", DEFAULT_PROFILE)
    .option("--aaguid <uuid>", `the AAGUID the authenticator reports (default: the profile's; softkey-roaming's is ${SOFTKEY_AAGUID})`)
    .addOption(new Option("--attestation <format>", "attestation statement format (default: the profile's)").choices(["packed", "none", "fido-u2f"]))
    .option(
      "--enterprise-rp-id <rpId>",
      "make the device enterprise attestation capable, with vendor-facilitated enterprise attestation for this RP ID (repeatable)",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--json", "print JSON: { store, profile, aaguid, attestation, kdf }")
    .addHelpText(
      "after",
      `
Examples:
  $ softkey init                                   # ./keystore, asks for the passphrase twice
  $ SOFTKEY_PASSPHRASE=test softkey --store /tmp/ks init --kdf-cost 10   # fast, for CI
  $ softkey init --attestation none --aaguid 00000000-0000-0000-0000-000000000000
  $ softkey init --profile platform-passkey        # a synced passkey provider
  $ softkey init --profile ./my-key.json           # your own (softkey profile show NAME --json)`,
    )
    .action(async (flags: InitFlags, command: Command) => {
      const globals = globalsOf(command);
      const dir = storeDir(globals);
      const cost = parseKdfCost(flags.kdfCost);
      const scrypt = { N: 2 ** cost, r: DEFAULT_SCRYPT.r, p: DEFAULT_SCRYPT.p };
      try {
        validateScryptParams(scrypt);
      } catch (error) {
        throw new CliError(ExitCode.INVALID_INPUT, `--kdf-cost ${flags.kdfCost}: ${(error as Error).message}`);
      }
      // A bad profile is refused before any passphrase prompt.
      const profile = loadProfile(flags.profile ?? DEFAULT_PROFILE);
      let aaguid: string | undefined;
      if (flags.aaguid !== undefined) {
        try {
          aaguid = aaguidToString(aaguidFromString(flags.aaguid));
        } catch {
          throw new CliError(ExitCode.INVALID_INPUT, `--aaguid "${flags.aaguid}" is not a UUID (e.g. ${SOFTKEY_AAGUID})`);
        }
      }
      // Refuse before asking for a passphrase twice; Keystore.create checks again under the lock.
      if (await Keystore.exists(dir)) throw new StoreExistsError(dir);
      const passphrase = await resolvePassphrase({ file: globals.passphraseFile, env: ctx.io.env, confirm: true });
      const softkey = await Softkey.init(dir, passphrase, { scrypt, aaguid, attestation: flags.attestation, enterpriseRpIds: flags.enterpriseRpId, profile }, { log: debugLog(ctx, globals) });
      await softkey.close();
      if (flags.json) {
        return writeJson(ctx.io, {
          store: dir,
          profile: profile.name,
          aaguid: softkey.device.aaguid,
          attestation: softkey.device.attestation,
          kdf: { algorithm: "scrypt", N: scrypt.N, r: scrypt.r, p: scrypt.p },
        });
      }
      ctx.io.stdout(
        `Created a softkey store at ${dir}\n` +
          `  profile      ${profile.name}\n` +
          `  AAGUID       ${softkey.device.aaguid}\n` +
          `  attestation  ${softkey.device.attestation}\n` +
          `  passphrase   scrypt N=2^${cost} r=${scrypt.r} p=${scrypt.p}\n`,
      );
    });
}

function parseKdfCost(value: string): number {
  if (!/^\d+$/.test(value)) throw new CliError(ExitCode.INVALID_INPUT, `--kdf-cost must be a whole number (log2 of scrypt N), got "${value}"`);
  const cost = Number(value);
  if (cost < 1 || cost > 24) throw new CliError(ExitCode.INVALID_INPUT, `--kdf-cost must be between 1 and 24, got ${value}`);
  return cost;
}
