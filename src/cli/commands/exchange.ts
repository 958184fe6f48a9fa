/**
 * `softkey export` / `softkey import`: credentials out to, and in from, an
 * encrypted softkey bundle, Chrome's virtual authenticator (CDP) or
 * Playwright's context.credentials. See src/exchange/.
 */
import { open, unlink, type FileHandle } from "node:fs/promises";
import { Option, type Command } from "commander";
import { isBase64Url } from "../../bytes/base64url.js";
import { validateScryptParams } from "../../keystore/envelope.js";
import { StoreNotFoundError } from "../../keystore/errors.js";
import { Keystore } from "../../keystore/store.js";
import { EXCHANGE_FORMATS, PLAINTEXT_FORMATS, type ExchangeFormat } from "../../exchange/entry.js";
import { ExchangeError, type ExchangeErrorCode } from "../../exchange/errors.js";
import { exportCredentials } from "../../exchange/exportCredentials.js";
import { decodeCredentials } from "../../exchange/importCredentials.js";
import { DEFAULT_BUNDLE_SCRYPT } from "../../exchange/softkeyBundle.js";
import { writeEntries } from "../../exchange/writeEntries.js";
import { globalsOf, storeDir, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { readFileLimited, readStream, writeJson, type CliIo } from "../io.js";
import { askHiddenOnTerminal, readPassphraseFile } from "../passphrase.js";
import { startProgress, type Progress } from "../progress.js";

export const BUNDLE_PASSPHRASE_ENV = "SOFTKEY_BUNDLE_PASSPHRASE";

/** Exports are a few hundred bytes per credential; this allows a few hundred thousand. */
const MAX_INPUT_BYTES = 256 << 20;

const PLAINTEXT_WARNING =
  "softkey: warning: this export contains private keys in plaintext: whoever reads it can sign in with these credentials; keep it private and delete it after use\n";

interface ExportFlags {
  format: ExchangeFormat;
  rp?: string;
  id?: string;
  out?: string;
  plaintext?: boolean;
  skipUnsupported?: boolean;
  rescue?: boolean;
  bundlePassphraseFile?: string;
  kdfCost: string;
  json?: boolean;
}

interface ImportFlags {
  format: ExchangeFormat;
  replace?: boolean;
  plaintext?: boolean;
  bundlePassphraseFile?: string;
  json?: boolean;
}

const EXCHANGE_EXIT: Record<ExchangeErrorCode, number> = {
  INVALID: ExitCode.INVALID_INPUT,
  UNSUPPORTED: ExitCode.INVALID_INPUT,
  DUPLICATE: ExitCode.INVALID_INPUT,
  WRONG_PASSPHRASE: ExitCode.WRONG_PASSPHRASE,
  INTEGRITY: ExitCode.INTEGRITY,
};

const formatOption = () =>
  new Option("--format <format>", "softkey: encrypted bundle; cdp: Chrome's WebAuthn.Credential list; playwright: context.credentials objects")
    .choices([...EXCHANGE_FORMATS])
    .makeOptionMandatory();

export function registerExchange(program: Command, ctx: CliContext): void {
  program
    .command("export")
    .description("export credentials with their private keys: an encrypted softkey bundle, or plaintext for Chrome (CDP) or Playwright")
    .addOption(formatOption())
    .option("--rp <id>", "only the credentials of this RP ID")
    .option("--id <credentialId>", "only this credential (base64url, as softkey list shows)")
    .option("--out <file>", "write to FILE, which must not exist yet (created with mode 0600), instead of stdout (-)")
    .option("--plaintext", "confirm a plaintext export of private keys (required for --format cdp and playwright)")
    .option("--skip-unsupported", "cdp, playwright: leave out credentials the format cannot hold (EdDSA) instead of refusing")
    .option("--rescue", "a store that fails its integrity checks: export what still verifies, from a copy, warning about the rest (exit 9 if anything failed)")
    .option("--bundle-passphrase-file <file>", `softkey: read the bundle's own passphrase from FILE (else ${BUNDLE_PASSPHRASE_ENV}, else a prompt)`)
    .option("--kdf-cost <n>", "softkey: scrypt cost of the bundle passphrase, as log2 of N", String(Math.log2(DEFAULT_BUNDLE_SCRYPT.N)))
    .option("--json", "with --out: print the summary as JSON { format, exported, out, skipped, warnings } (without --out the export itself is the JSON on stdout)")
    .addHelpText(
      "after",
      `
--format softkey is lossless (user, discoverability, extension state, counter,
backup flags) and encrypted with its own passphrase: use it to move credentials
between softkey stores. cdp and playwright carry private keys in plaintext and
need --plaintext; they hold ES256 credentials only.

Examples:
  $ softkey export --format softkey --out backup.skb
  $ softkey export --format cdp --rp localhost --plaintext --out chrome.json
  $ softkey export --format playwright --plaintext | jq '.[0].id'
  $ softkey export --format softkey --rescue --out rescued.skb   # a damaged store: what still verifies

--rescue never writes to the store: it reads a copy, replaces device settings
that fail their check with defaults, leaves out each credential whose record or
counter fails its check, and says on stderr what it left out.`,
    )
    .action(async (flags: ExportFlags, command: Command) => {
      const globals = globalsOf(command);
      if (PLAINTEXT_FORMATS.includes(flags.format) && !flags.plaintext) {
        throw new CliError(
          ExitCode.INVALID_INPUT,
          `--format ${flags.format} writes private keys in plaintext: add --plaintext to confirm, or use --format softkey for an encrypted bundle`,
        );
      }
      if (flags.id !== undefined && (flags.id === "" || !isBase64Url(flags.id))) {
        throw new CliError(ExitCode.INVALID_INPUT, `--id "${flags.id}" is not a credential ID (expected base64url, as softkey list shows)`);
      }
      const scrypt = flags.format === "softkey" ? bundleScrypt(flags.kdfCost) : undefined;
      // Say "no store" before asking for any passphrase.
      const dir = storeDir(globals);
      if (!(await Keystore.exists(dir))) throw new StoreNotFoundError(dir);
      const passphrase = flags.format === "softkey" ? await bundlePassphrase(ctx.io, flags.bundlePassphraseFile, true) : undefined;
      // The file is created first, so that one in the way fails before the store is opened.
      const out = flags.out === undefined || flags.out === "-" ? undefined : await SecretFile.create(flags.out);
      let result;
      try {
        const rescue = flags.rescue === true;
        result = await withSoftkey(ctx, globals, { ceremonies: false, rescue }, async (softkey) => {
          const exported = await withProgress(ctx, "reading", (progress) =>
            exchangeErrors(() =>
            exportCredentials(softkey, {
              format: flags.format,
              ...(flags.rp !== undefined ? { rpId: flags.rp } : {}),
              ...(flags.id !== undefined ? { credentialId: flags.id } : {}),
              ...(passphrase !== undefined ? { passphrase } : {}),
              ...(scrypt ? { scrypt } : {}),
              skipUnsupported: flags.skipUnsupported === true,
              rescue,
              onProgress: (done, total) => progress.update(done, total),
            }),
            ),
          );
          return { ...exported, damaged: [...softkey.damage, ...exported.damaged] };
        });
      } catch (error) {
        await out?.discard();
        throw error;
      }
      if (PLAINTEXT_FORMATS.includes(flags.format)) ctx.io.stderr(PLAINTEXT_WARNING);
      for (const skipped of result.skipped) ctx.io.stderr(`softkey: skipped credential ${skipped.credentialId} (${skipped.rpId}): ${skipped.reason}\n`);
      for (const warning of result.warnings) ctx.io.stderr(`softkey: warning: ${warning}\n`);
      for (const damaged of result.damaged) ctx.io.stderr(`softkey: warning: left out or replaced: ${damaged}\n`);
      if (result.damaged.length > 0) ctx.exitCode = ExitCode.INTEGRITY;
      const text = `${JSON.stringify(result.data, null, 2)}\n`;
      const count = `${result.exported.length} credential${result.exported.length === 1 ? "" : "s"}`;
      if (out === undefined) {
        ctx.io.stdout(text);
        ctx.io.stderr(`softkey: exported ${count} (${flags.format})\n`);
      } else {
        await out.write(text);
        if (flags.json) writeJson(ctx.io, { format: flags.format, exported: result.exported.length, out: out.file, skipped: result.skipped, warnings: result.warnings });
        else ctx.io.stdout(`Exported ${count} (${flags.format}) to ${out.file}\n`);
      }
    });

  program
    .command("import")
    .description("import credentials from a softkey bundle, a CDP WebAuthn.Credential list or Playwright credentials; all or nothing")
    .argument("[file]", "the export to read; - or nothing for stdin")
    .addOption(formatOption())
    .option("--replace", "overwrite credentials whose ID is already in the store (otherwise the import is refused)")
    .option("--plaintext", "accepted for symmetry with export; importing plaintext needs no confirmation")
    .option("--bundle-passphrase-file <file>", `softkey: read the bundle's passphrase from FILE (else ${BUNDLE_PASSPHRASE_ENV}, else a prompt)`)
    .option("--json", "print JSON: { format, imported: [{ credentialId, rpId, userName?, replaced }], warnings }")
    .addHelpText(
      "after",
      `
Every entry is checked first (the key parses and is P-256 for ES256, IDs and
base64 are valid, the RP ID is a domain); one bad entry, or an ID already in
the store without --replace, refuses the whole import and nothing is written.

Examples:
  $ softkey import --format softkey backup.skb
  $ softkey import --format cdp chrome.json --replace
  $ node save-passkeys.js | softkey import --format playwright -`,
    )
    .action(async (file: string | undefined, flags: ImportFlags, command: Command) => {
      const globals = globalsOf(command);
      const { text, label } = await readInput(file, ctx.io);
      const data = parseInput(text, label);
      const dir = storeDir(globals);
      if (!(await Keystore.exists(dir))) throw new StoreNotFoundError(dir);
      const passphrase = flags.format === "softkey" ? await bundlePassphrase(ctx.io, flags.bundlePassphraseFile, false) : undefined;
      // Everything is validated before the store is opened.
      const { entries, warnings } = await withProgress(ctx, "checking", (progress) =>
        exchangeErrors(() =>
          decodeCredentials(data, { format: flags.format, ...(passphrase !== undefined ? { passphrase } : {}), onProgress: (done, total) => progress.update(done, total) }),
        ),
      );
      const imported = await withSoftkey(ctx, globals, { ceremonies: false }, (softkey) =>
        withProgress(ctx, "importing", (progress) =>
          exchangeErrors(() => writeEntries(softkey, entries, { replace: flags.replace === true, onProgress: (done, total) => progress.update(done, total) })),
        ),
      );
      for (const warning of warnings) ctx.io.stderr(`softkey: warning: ${warning}\n`);
      if (flags.json) return writeJson(ctx.io, { format: flags.format, imported, warnings });
      const lines = imported.map((c) => `  ${c.credentialId}  ${c.rpId}${c.userName ? `  ${c.userName}` : ""}${c.replaced ? "  (replaced)" : ""}\n`);
      ctx.io.stdout(`Imported ${imported.length} credential${imported.length === 1 ? "" : "s"} (${flags.format})${imported.length ? ":" : ""}\n${lines.join("")}`);
    });
}

/** Run `body` with a progress bar on a terminal (see progress.ts). */
async function withProgress<T>(ctx: CliContext, label: string, body: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = await startProgress(ctx.io, label, 0);
  try {
    return await body(progress);
  } finally {
    progress.stop();
  }
}

async function exchangeErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof ExchangeError) throw new CliError(EXCHANGE_EXIT[error.code] ?? ExitCode.INVALID_INPUT, error.message, { cause: error });
    throw error;
  }
}

function bundleScrypt(kdfCost: string): { N: number; r: number; p: number } {
  const cost = Number(kdfCost);
  if (!/^\d+$/.test(kdfCost) || !Number.isSafeInteger(cost)) throw new CliError(ExitCode.INVALID_INPUT, `--kdf-cost must be an integer (log2 of scrypt N), got "${kdfCost}"`);
  const scrypt = { N: 2 ** cost, r: DEFAULT_BUNDLE_SCRYPT.r, p: DEFAULT_BUNDLE_SCRYPT.p };
  try {
    validateScryptParams(scrypt);
  } catch (error) {
    throw new CliError(ExitCode.INVALID_INPUT, `--kdf-cost ${kdfCost}: ${(error as Error).message}`);
  }
  if (cost > 20) throw new CliError(ExitCode.INVALID_INPUT, `--kdf-cost ${kdfCost}: at most 20 (an import refuses bundles that need more than 1 GiB)`);
  return scrypt;
}

/** The bundle's own passphrase: --bundle-passphrase-file, else SOFTKEY_BUNDLE_PASSPHRASE, else a hidden prompt (twice for a new bundle). */
async function bundlePassphrase(io: CliIo, file: string | undefined, confirm: boolean): Promise<string> {
  if (file !== undefined) return readPassphraseFile(file, "bundle passphrase");
  const fromEnv = io.env[BUNDLE_PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const noTerminal = () =>
    new CliError(ExitCode.NO_TERMINAL, `no bundle passphrase: use --bundle-passphrase-file FILE, set ${BUNDLE_PASSPHRASE_ENV}, or run on a terminal to be prompted`);
  const first = await askHiddenOnTerminal(confirm ? "New passphrase for the bundle: " : "Bundle passphrase: ");
  if (first === undefined) throw noTerminal();
  if (first === "") throw new CliError(ExitCode.INVALID_INPUT, "the bundle passphrase must not be empty");
  if (confirm) {
    const second = await askHiddenOnTerminal("Repeat the bundle passphrase: ");
    if (second === undefined) throw noTerminal();
    if (second !== first) throw new CliError(ExitCode.INVALID_INPUT, "the bundle passphrases do not match");
  }
  return first;
}

async function readInput(file: string | undefined, io: CliIo): Promise<{ text: string; label: string }> {
  if (file === undefined || file === "-") {
    if (file === undefined && io.stdin.isTTY) throw new CliError(ExitCode.USAGE, "nothing to import: give a FILE, or pipe the export on stdin (-)");
    return { text: await readStream(io.stdin, MAX_INPUT_BYTES, `the input on stdin is larger than ${MAX_INPUT_BYTES >> 20} MiB`), label: "stdin" };
  }
  return { text: (await readFileLimited(file, MAX_INPUT_BYTES, file)).toString("utf8"), label: file };
}

function parseInput(text: string, label: string): unknown {
  if (text.trim() === "") throw new CliError(ExitCode.INVALID_INPUT, `nothing to import: ${label} is empty`);
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new CliError(ExitCode.INVALID_INPUT, `${label} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A file that will hold keys: created by this process or not at all (O_CREAT | O_EXCL, which also
 * refuses a symbolic link planted at the name, even a dangling one), mode 0600 whatever the umask,
 * and removed again when the export fails, so nothing half-written is left.
 */
class SecretFile {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(file: string): Promise<SecretFile> {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.chmod(0o600); // the umask may have narrowed it further; exactly 0600 is the promise
      return new SecretFile(file, handle);
    } catch (error) {
      throw cannotWrite(file, error);
    }
  }

  async write(text: string): Promise<void> {
    try {
      await this.handle.writeFile(text, "utf8");
      await this.handle.sync();
    } catch (error) {
      await this.discard();
      throw cannotWrite(this.file, error);
    }
    await this.handle.close();
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.file).catch(() => undefined);
  }
}

function cannotWrite(file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "EEXIST"
      ? "it already exists (an export never overwrites a file: remove it or choose another name)"
      : code === "ENOENT"
        ? "no such directory"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : (error as Error).message;
  return new CliError(ExitCode.INVALID_INPUT, `cannot write ${file}: ${why}`, { cause: error });
}
