/**
 * softkey pin set | change | status: the authenticator's ClientPIN, driven
 * through the same CTAP commands a platform sends.
 */
import type { Command } from "commander";
import { changePin, getPinStatus, setPin } from "../../client/index.js";
import { globalsOf, openSoftkey, type CliContext } from "../context.js";
import { writeJson } from "../io.js";
import { pinArgument } from "../pin.js";

export function registerPin(program: Command, ctx: CliContext): void {
  const pin = program
    .command("pin")
    .description("set, change or inspect the authenticator PIN (ClientPIN)")
    .addHelpText(
      "after",
      `
Examples:
  $ SOFTKEY_NEW_PIN=1234 softkey pin set
  $ softkey pin change --old 1234 --new 98765
  $ softkey pin status --json
  $ softkey get --origin https://example.com --pin 98765 --options auth-options.json`,
    );

  pin
    .command("set")
    .description("set the first PIN (at least minPINLength characters, at most 63 bytes)")
    .option("--new <pin>", "the new PIN (else SOFTKEY_NEW_PIN, else asked twice on the terminal)")
    .option("--json", "print the PIN status afterwards as JSON, as pin status --json")
    .action(async (options: { new?: string; json?: boolean }, command: Command) => {
      const newPin = await pinArgument(options.new, "SOFTKEY_NEW_PIN", ctx.io.env, "New authenticator PIN: ", true);
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
    .option("--old <pin>", "the current PIN (else SOFTKEY_PIN, else asked on the terminal)")
    .option("--new <pin>", "the new PIN (else SOFTKEY_NEW_PIN, else asked twice on the terminal)")
    .option("--json", "print the PIN status afterwards as JSON, as pin status --json")
    .action(async (options: { old?: string; new?: string; json?: boolean }, command: Command) => {
      const oldPin = await pinArgument(options.old, "SOFTKEY_PIN", ctx.io.env, "Current authenticator PIN: ", false);
      const newPin = await pinArgument(options.new, "SOFTKEY_NEW_PIN", ctx.io.env, "New authenticator PIN: ", true);
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
