/** `softkey delete ID`: remove one credential. */
import type { Command } from "commander";
import { isBase64Url } from "../../bytes/base64url.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command("delete")
    .description("delete one credential by its ID (base64url, as `softkey list` shows it)")
    .argument("<id>", "the credential ID")
    .addHelpText(
      "after",
      `
Deleting is immediate and final: the relying party's next sign-in with this
credential fails with NotAllowedError. A credential whose record failed its
integrity check can be deleted too.

Example:
  $ softkey delete AbC123-_xyz`,
    )
    .action(async (given: string, _flags: unknown, command: Command) => {
      if (given === "" || !isBase64Url(given)) {
        throw new CliError(ExitCode.INVALID_INPUT, `"${given}" is not a credential ID (expected base64url, as softkey list shows)`);
      }
      const id = Buffer.from(given, "base64url").toString("base64url"); // canonical: unpadded
      const deleted = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey) => {
        const { credentials } = await softkey.listCredentials();
        const summary = credentials.find((c) => c.credentialId === id);
        return (await softkey.deleteCredential(id)) ? (summary ?? { credentialId: id }) : undefined;
      });
      if (!deleted) throw new CliError(ExitCode.INVALID_INPUT, `no credential ${id} in the store`);
      const who = "rpId" in deleted ? ` (${deleted.rpId}${deleted.userName ? `, ${deleted.userName}` : ""})` : "";
      ctx.io.stdout(`Deleted credential ${id}${who}\n`);
    });
}
