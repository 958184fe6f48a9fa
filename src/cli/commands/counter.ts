/** `softkey counter get|set`: read or force a signature counter, e.g. to simulate a cloned authenticator. */
import type { Command } from "commander";
import { isBase64Url } from "../../bytes/base64url.js";
import type { Softkey } from "../../softkey.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";

export function registerCounter(program: Command, ctx: CliContext): void {
  const counter = program.command("counter").description("read or set signature counters (simulate a cloned authenticator)");

  counter
    .command("set")
    .description("set a credential's signature counter to N (lower included); the next assertion carries N+1")
    .argument("<id>", 'the credential ID (base64url, as softkey list shows), or "global" for a device with counter: global')
    .argument("<n>", "the new counter value")
    .option("--json", "print JSON: { credentialId, signCount, next }")
    .addHelpText(
      "after",
      `
A counter that goes backwards is what an RP sees from a cloned authenticator:
one that checks counters (WebAuthn L3 section 6.1.1) refuses the next assertion.

Examples:
  $ softkey counter set AbC123-_xyz 0
  $ softkey counter set global 5      # profile with "counter": "global"`,
    )
    .action(async (id: string, n: string, flags: { json?: boolean }, command: Command) => {
      const value = parseCount(n);
      await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey) => {
        const target = checkTarget(softkey, id);
        await softkey.setSignCount(target, value).catch(notFound(id));
      });
      if (flags.json) return writeJson(ctx.io, { credentialId: id, signCount: value, next: value + 1 });
      ctx.io.stdout(`Counter of ${id === "global" ? "the device" : `credential ${id}`} set to ${value}; the next assertion carries ${value + 1}\n`);
    });

  counter
    .command("get")
    .description("print a credential's signature counter (the last value it signed with)")
    .argument("<id>", 'the credential ID, or "global"')
    .option("--json", "print JSON: { credentialId, signCount }")
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const value = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey) => {
        const target = checkTarget(softkey, id);
        if (target === "global") return softkey.keystore.getDeviceCount("global");
        const count = await softkey.keystore.getSignCount(Buffer.from(target, "base64url"));
        if (count === undefined) throw new CliError(ExitCode.INVALID_INPUT, `no credential ${id} in the store`);
        return count;
      });
      if (flags.json) return writeJson(ctx.io, { credentialId: id, signCount: value });
      ctx.io.stdout(`${value}\n`);
    });
}

function checkTarget(softkey: Softkey, id: string): string {
  const mode = softkey.profile.counter;
  if (mode === "zero") throw new CliError(ExitCode.INVALID_INPUT, `profile ${softkey.profile.name} reports counter 0 always ("counter": "zero"): there is no counter to set`);
  if (id === "global") {
    if (mode !== "global") throw new CliError(ExitCode.INVALID_INPUT, `profile ${softkey.profile.name} counts per credential: give a credential ID, not "global"`);
    return id;
  }
  if (mode === "global") throw new CliError(ExitCode.INVALID_INPUT, `profile ${softkey.profile.name} has one counter for the device: use "global" instead of a credential ID`);
  if (id === "" || !isBase64Url(id)) throw new CliError(ExitCode.INVALID_INPUT, `"${id}" is not a credential ID (expected base64url, as softkey list shows)`);
  return Buffer.from(id, "base64url").toString("base64url");
}

function parseCount(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value > 0xfffffffe) {
    throw new CliError(ExitCode.INVALID_INPUT, `counter value must be a whole number from 0 to ${0xfffffffe}, got "${text}"`);
  }
  return value;
}

function notFound(id: string): (error: unknown) => never {
  return (error) => {
    if ((error as { code?: string }).code === "CREDENTIAL_NOT_FOUND") throw new CliError(ExitCode.INVALID_INPUT, `no credential ${id} in the store`, { cause: error });
    throw error;
  };
}
