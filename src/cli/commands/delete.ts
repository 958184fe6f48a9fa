/** `softkey delete ID`: remove one credential. */
import type { Command } from "commander";
import { isBase64Url } from "../../bytes/base64url.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command("delete")
    .description("delete one credential by its ID (base64url, as `softkey list` shows it)")
    .argument("<id>", "the credential ID")
    .option("--json", "print JSON: { deleted, rpId, userName }")
    .addHelpText(
      "after",
      `
Deleting is immediate and final: the relying party's next sign-in with this
credential fails with NotAllowedError. A credential whose record failed its
integrity check can be deleted too.

Example:
  $ softkey delete AbC123-_xyz`,
    )
    .action(async (given: string, flags: { json?: boolean }, command: Command) => {
      if (given === "" || !isBase64Url(given)) {
        throw new CliError(ExitCode.INVALID_INPUT, `"${given}" is not a credential ID (expected base64url, as softkey list shows)`);
      }
      const id = Buffer.from(given, "base64url").toString("base64url"); // canonical: unpadded
      const deleted = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey) => {
        const { credentials } = await softkey.listCredentials();
        const summary = credentials.find((c) => c.credentialId === id);
        return (await softkey.deleteCredential(id)) ? (summary ?? { credentialId: id }) : undefined;
      });
      // The ID as given: "nosuch" is not the canonical form of any ID, and naming another would mislead.
      if (!deleted) throw new CliError(ExitCode.INVALID_INPUT, `no credential ${given} in the store`);
      const summary = "rpId" in deleted ? deleted : undefined;
      if (flags.json) return writeJson(ctx.io, { deleted: id, rpId: summary?.rpId ?? null, userName: summary?.userName ?? null });
      const who = summary ? ` (${summary.rpId}${summary.userName ? `, ${summary.userName}` : ""})` : "";
      ctx.io.stdout(`Deleted credential ${id}${who}\n`);
    });
}
