/**
 * softkey pin set | change | status: the authenticator's ClientPIN, driven
 * through the same CTAP commands a platform sends.
 */
import { Option, type Command } from "commander";
import { changePin, getPinStatus, setPin } from "../../client/index.js";
import { globalsOf, openSoftkey, type CliContext } from "../context.js";
import { writeJson } from "../io.js";
import { NEW_PIN, NEW_PIN_ENV, OLD_PIN, pinArgument, PIN_ENV } from "../pin.js";
import { refuseArgvSecret } from "../secrets.js";

interface PinFlags {
  new?: string;
  old?: string;
  newPinFile?: string;
  oldPinFile?: string;
  json?: boolean;
}

/** The refused argv forms stay parseable, hidden, so that they meet a clear refusal instead of "unknown option". */
const refusedOption = (flag: string) => new Option(`${flag} <pin>`).hideHelp();

export function registerPin(program: Command, ctx: CliContext): void {
  const pin = program
    .command("pin")
    .description("set, change or inspect the authenticator PIN (ClientPIN)")
    .addHelpText(
      "after",
      `
Examples:
  $ SOFTKEY_NEW_PIN=1234 softkey pin set
  $ softkey pin change --old-pin-file old.txt --new-pin-file new.txt
  $ echo 98765 | SOFTKEY_PIN=1234 softkey pin change --new-pin-file -
  $ softkey pin status --json
  $ softkey get --origin https://example.com --pin-file pin.txt --options auth-options.json

PINs never go on the command line (any local user can read it with ps):
--old and --new are refused, as is --pin.`,
    );

  pin
    .command("set")
    .description("set the first PIN (at least minPINLength characters, at most 63 bytes)")
    .option("--new-pin-file <file>", `read the new PIN from FILE, - for stdin (else ${NEW_PIN_ENV}, else asked twice on the terminal)`)
    .addOption(refusedOption("--new"))
    .option("--json", "print the PIN status afterwards as JSON, as pin status --json")
    .action(async (options: PinFlags, command: Command) => {
      refuseArgvSecret(NEW_PIN, options.new);
      const newPin = await pinArgument(NEW_PIN, options.newPinFile, ctx.io, ctx.stdin, "New authenticator PIN: ", true);
      const key = await openSoftkey(ctx, globalsOf(command), { ceremonies: false });
      try {
        await setPin(key.authenticator, newPin);
        if (options.json) writeJson(ctx.io, await getPinStatus(key.authenticator));
        else ctx.io.stderr("softkey: PIN set\n");
      } finally {
        await key.close();
      }
    });

  pin
    .command("change")
    .description("change the PIN; a wrong current PIN costs one of the 8 retries")
    .option("--old-pin-file <file>", `read the current PIN from FILE, - for stdin (else ${PIN_ENV}, else asked on the terminal)`)
    .option("--new-pin-file <file>", `read the new PIN from FILE, - for stdin (else ${NEW_PIN_ENV}, else asked twice on the terminal)`)
    .addOption(refusedOption("--old"))
    .addOption(refusedOption("--new"))
    .option("--json", "print the PIN status afterwards as JSON, as pin status --json")
    .action(async (options: PinFlags, command: Command) => {
      refuseArgvSecret(OLD_PIN, options.old);
      refuseArgvSecret(NEW_PIN, options.new);
      const oldPin = await pinArgument(OLD_PIN, options.oldPinFile, ctx.io, ctx.stdin, "Current authenticator PIN: ", false);
      const newPin = await pinArgument(NEW_PIN, options.newPinFile, ctx.io, ctx.stdin, "New authenticator PIN: ", true);
      const key = await openSoftkey(ctx, globalsOf(command), { ceremonies: false });
      try {
        await changePin(key.authenticator, oldPin, newPin);
        if (options.json) writeJson(ctx.io, await getPinStatus(key.authenticator));
        else ctx.io.stderr("softkey: PIN changed\n");
      } finally {
        await key.close();
      }
    });

  pin
    .command("status")
    .description("whether a PIN is set, the retries left, and the PIN policy")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const key = await openSoftkey(ctx, globalsOf(command), { ceremonies: false });
      try {
        const status = await getPinStatus(key.authenticator);
        if (options.json) writeJson(ctx.io, status);
        else ctx.io.stdout(Object.entries(status).map(([name, value]) => `${name.padEnd(20)} ${String(value)}\n`).join(""));
      } finally {
        await key.close();
      }
    });
}
