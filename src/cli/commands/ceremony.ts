/** `softkey create` and `softkey get`: one WebAuthn ceremony, options JSON in, response JSON out. */
import type { Command } from "commander";
import { parseAccountSelector, type AccountSelector } from "../../client/accountChoice.js";
import type { Softkey } from "../../softkey.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { readOptionsJson, writeJson } from "../io.js";

interface CeremonyFlags {
  origin: string;
  options?: string;
  json?: boolean;
}

interface GetFlags extends CeremonyFlags {
  user?: string;
  userHandle?: string;
  credential?: string;
}

type CreateInput = Parameters<Softkey["create"]>[0];
type GetInput = Parameters<Softkey["get"]>[0];

export function registerCeremonies(program: Command, ctx: CliContext): void {
  program
    .command("create")
    .description("register a new credential, as navigator.credentials.create(): creation options JSON in, RegistrationResponseJSON out")
    .requiredOption("--origin <url>", "the origin of the page making the call, e.g. https://example.com")
    .option("--options <file>", "PublicKeyCredentialCreationOptionsJSON (or {publicKey: ...}); - or omitted: stdin")
    .option("--json", "accepted for symmetry: the output is always RegistrationResponseJSON")
    .addHelpText(
      "after",
      `
The options are what the relying party sends the browser (e.g. @simplewebauthn/server's
generateRegistrationOptions()). Only the response JSON is written to stdout.

Examples:
  $ softkey create --origin https://example.com --options reg-options.json > reg-response.json
  $ curl -s https://rp.test/register/options | softkey create --origin https://rp.test`,
    )
    .action(async (flags: CeremonyFlags, command: Command) => {
      const options = await readOptions(ctx, flags);
      const response = await withSoftkey(ctx, globalsOf(command), { ceremonies: true }, (softkey) =>
        softkey.create(options as unknown as CreateInput, { origin: flags.origin }),
      );
      writeJson(ctx.io, response);
    });

  program
    .command("get")
    .description("sign in with a credential, as navigator.credentials.get(): request options JSON in, AuthenticationResponseJSON out")
    .requiredOption("--origin <url>", "the origin of the page making the call, e.g. https://example.com")
    .option("--options <file>", "PublicKeyCredentialRequestOptionsJSON (or {publicKey: ...}); - or omitted: stdin")
    .option("--json", "accepted for symmetry: the output is always AuthenticationResponseJSON")
    .option("--user <name>", "with several passkeys for the RP, sign in as this user name (default: the most recent passkey)")
    .option("--user-handle <base64url>", "with several passkeys for the RP, sign in with this user handle (user.id)")
    .option("--credential <id>", "sign in with this credential (base64url ID, as `softkey list` shows it)")
    .addHelpText(
      "after",
      `
The options are what the relying party sends the browser (e.g. @simplewebauthn/server's
generateAuthenticationOptions()). An empty allowCredentials signs in with a discoverable
credential (passkey) of the RP; when there are several, --user, --user-handle or
--credential choose one, as a user picks an account in the browser's list (the most
recent comes first). No credential matching them is exit code 7. Only the response
JSON is written to stdout.

Examples:
  $ softkey get --origin https://example.com --options auth-options.json > auth-response.json
  $ echo '{"challenge":"dGVzdC1jaGFsbGVuZ2U","rpId":"example.com"}' | softkey get --origin https://example.com --user alice`,
    )
    .action(async (flags: GetFlags, command: Command) => {
      const options = await readOptions(ctx, flags);
      const account = accountOf(flags);
      const response = await withSoftkey(ctx, globalsOf(command), { ceremonies: true }, (softkey) =>
        softkey.get(options as unknown as GetInput, { origin: flags.origin, ...(account ? { account } : {}) }),
      );
      writeJson(ctx.io, response);
    });
}

/** --user, --user-handle, --credential as the client's account selector (checked there: base64url, non-empty). */
function accountOf(flags: GetFlags): AccountSelector | undefined {
  const selector = {
    ...(flags.user !== undefined ? { userName: flags.user } : {}),
    ...(flags.userHandle !== undefined ? { userHandle: flags.userHandle } : {}),
    ...(flags.credential !== undefined ? { credentialId: flags.credential } : {}),
  };
  return parseAccountSelector(Object.keys(selector).length > 0 ? selector : undefined);
}

/** The options JSON, from --options FILE or stdin (which then carries nothing else, no --pin-file -). */
function readOptions(ctx: CliContext, flags: CeremonyFlags): Promise<Record<string, unknown>> {
  if (flags.options === undefined || flags.options === "-") ctx.stdin.claim("the options JSON (--options -)");
  return readOptionsJson(flags.options, ctx.io);
}
