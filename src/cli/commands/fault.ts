/** `softkey fault list|set`: response faults that make the key answer like a broken one. */
import type { Command } from "commander";
import { FAULT_DESCRIPTIONS, FAULT_NAMES, isFaultName } from "../../authenticator/faultSwitches.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";

export function registerFault(program: Command, ctx: CliContext): void {
  const fault = program
    .command("fault")
    .description("response faults: make the key answer like a broken one, to test that an RP refuses it")
    .addHelpText(
      "after",
      `
Faults are stored with the device and act on every makeCredential and
getAssertion response until switched off. Names follow Chrome DevTools'
WebAuthn.setResponseOverrideBits where they overlap. While one is on, the
client passes broken responses to the RP instead of refusing them.

Faults:
${FAULT_NAMES.map((name) => `  ${name.padEnd(20)} ${FAULT_DESCRIPTIONS[name]}`).join("\n")}`,
    );

  fault
    .command("list")
    .description("show every fault and whether it is on")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, command: Command) => {
      const stored = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, (softkey) => softkey.storedFaults());
      if (flags.json) return writeJson(ctx.io, stored);
      for (const name of FAULT_NAMES) ctx.io.stdout(`${name.padEnd(20)} ${stored[name] ? "on " : "off"}  ${FAULT_DESCRIPTIONS[name]}\n`);
    });

  fault
    .command("set")
    .description("switch one fault on or off")
    .argument("<name>", `one of ${FAULT_NAMES.join(", ")}`)
    .argument("<state>", "on or off")
    .option("--json", "print JSON: every fault and whether it is stored on, as fault list --json")
    .addHelpText(
      "after",
      `
Examples:
  $ softkey fault set isBadUP on
  $ softkey fault set isBadUP off`,
    )
    .action(async (name: string, state: string, flags: { json?: boolean }, command: Command) => {
      if (!isFaultName(name)) throw new CliError(ExitCode.INVALID_INPUT, `unknown fault "${name}" (expected one of ${FAULT_NAMES.join(", ")})`);
      if (state !== "on" && state !== "off") throw new CliError(ExitCode.INVALID_INPUT, `fault state must be on or off, got "${state}"`);
      const fault = { [name]: state === "on" };
      // Stored and switched in the open session too: a store held open (agent, serve) answers its next request with it.
      const stored = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, (softkey) => softkey.controls.faults.store(fault));
      if (flags.json) return writeJson(ctx.io, stored);
      ctx.io.stdout(`${name} ${state}\n`);
    });
}
