/** `softkey list`: the credentials in the store, as a table or JSON. */
import type { Command } from "commander";
import type { CredentialSummary } from "../../softkey.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";

interface ListFlags {
  rp?: string;
  json?: boolean;
}

export function registerList(program: Command, ctx: CliContext): void {
  program
    .command("list")
    .description("list the credentials in the store (never a private key)")
    .option("--rp <id>", "only the credentials of this RP ID, e.g. example.com")
    .option("--json", "print JSON: { credentials: [...], corrupted: [credential IDs] }")
    .addHelpText(
      "after",
      `
A record that fails its integrity check (tampered with or corrupt) is named on
stderr and the exit code is 9; the other credentials are still listed. A credential
a WebAuthn signal hid (signalUnknownCredential, signalAllAcceptedCredentials) takes
part in no ceremony; a HIDDEN column marks it (hidden: true in --json).

Examples:
  $ softkey list
  $ softkey list --rp example.com --json | jq -r '.credentials[].credentialId'`,
    )
    .action(async (flags: ListFlags, command: Command) => {
      const { credentials, corrupted } = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, (softkey) =>
        softkey.listCredentials(flags.rp === undefined ? {} : { rpId: flags.rp }),
      );
      if (flags.json) writeJson(ctx.io, { credentials, corrupted });
      else ctx.io.stdout(formatTable(credentials, flags.rp));
      for (const id of corrupted) {
        ctx.io.stderr(`softkey: credential ${id} failed its integrity check (tampered with or corrupt) and was skipped\n`);
      }
      if (corrupted.length > 0) ctx.exitCode = ExitCode.INTEGRITY;
    });
}

function formatTable(credentials: CredentialSummary[], rp: string | undefined): string {
  if (credentials.length === 0) return rp === undefined ? "No credentials.\n" : `No credentials for ${rp}.\n`;
  // A column for credentials hidden by a WebAuthn signal, only when there are some.
  const anyHidden = credentials.some((c) => c.hidden);
  const header = ["RP ID", "USER", "CREDENTIAL ID", "ALG", "DISCOVERABLE", ...(anyHidden ? ["HIDDEN"] : []), "COUNTER", "CREATED"];
  const rows = credentials.map((c) => [
    c.rpId,
    user(c),
    c.credentialId,
    c.algorithm,
    c.discoverable ? "yes" : "no",
    ...(anyHidden ? [c.hidden ? "yes" : "no"] : []),
    String(c.signCount),
    c.createdAt.replace("T", " ").replace(/\.\d+Z$/, "Z"),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ") + "\n";
  const count = `${credentials.length} credential${credentials.length === 1 ? "" : "s"}\n`;
  return line(header) + rows.map(line).join("") + count;
}

function user(c: CredentialSummary): string {
  if (c.userName && c.userDisplayName && c.userDisplayName !== c.userName) return `${c.userName} (${c.userDisplayName})`;
  return c.userName || c.userDisplayName || "-";
}
