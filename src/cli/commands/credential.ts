/** `softkey credential set-backup`: change one credential's backup flags (BE, BS). */
import type { Command } from "commander";
import { isBase64Url } from "../../bytes/base64url.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";

interface BackupFlags {
  eligible?: string;
  state?: string;
  json?: boolean;
}

export function registerCredential(program: Command, ctx: CliContext): void {
  const credential = program.command("credential").description("change one credential's properties");

  credential
    .command("set-backup")
    .description("set a credential's backup eligibility (BE) and backup state (BS) flags")
    .argument("<id>", "the credential ID (base64url, as softkey list shows)")
    .option("--eligible <bool>", "backup eligible: true or false (BE, authenticator data flag 0x08)")
    .option("--state <bool>", "backed up: true or false (BS, flag 0x10; true needs eligible true)")
    .option("--json", "print the credential's summary as JSON, as one entry of softkey list --json")
    .addHelpText(
      "after",
      `
New credentials get the profile's backup flags. An RP reads BE to tell a
single-device credential from a multi-device (synced) passkey, and BS to see
whether it is backed up now. WebAuthn L3: BS=1 requires BE=1.

Examples:
  $ softkey credential set-backup AbC123-_xyz --eligible true --state true
  $ softkey credential set-backup AbC123-_xyz --state false`,
    )
    .action(async (id: string, flags: BackupFlags, command: Command) => {
      if (id === "" || !isBase64Url(id)) throw new CliError(ExitCode.INVALID_INPUT, `"${id}" is not a credential ID (expected base64url, as softkey list shows)`);
      const eligible = parseBool(flags.eligible, "--eligible");
      const state = parseBool(flags.state, "--state");
      if (eligible === undefined && state === undefined) throw new CliError(ExitCode.USAGE, "give --eligible and/or --state");
      const summary = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, (softkey) =>
        softkey.setBackupFlags(id, { eligible, state }).catch((error: unknown) => {
          if (error instanceof RangeError) throw new CliError(ExitCode.INVALID_INPUT, error.message, { cause: error });
          if ((error as { code?: string }).code === "CREDENTIAL_NOT_FOUND") throw new CliError(ExitCode.INVALID_INPUT, `no credential ${id} in the store`, { cause: error });
          throw error;
        }),
      );
      if (flags.json) return writeJson(ctx.io, summary);
      ctx.io.stdout(`Credential ${summary.credentialId} (${summary.rpId}): backup eligible ${summary.backupEligible}, backup state ${summary.backupState}\n`);
    });
}

function parseBool(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new CliError(ExitCode.INVALID_INPUT, `${flag} must be true or false, got "${value}"`);
}
