/**
 * `softkey decode [FILE]`: a RegistrationResponseJSON or AuthenticationResponseJSON,
 * from any authenticator, taken apart for reading. Needs no store.
 */
import type { Command } from "commander";
import { decodeResponse, ResponseDecodeError } from "../../decode/decodeResponse.js";
import { formatDecoded } from "../../decode/formatDecoded.js";
import { checkAssertion, type AssertionCheck } from "../../decode/checkAssertion.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { readFileLimited, readStream, writeJson } from "../io.js";

/** Responses are a few kilobytes; a megabyte is plenty for long certificate chains. */
const MAX_BYTES = 1 << 20;

interface DecodeFlags {
  rp: string[];
  json?: boolean;
  registration?: string;
}

export function registerDecode(program: Command, ctx: CliContext): void {
  program
    .command("decode")
    .argument("[file]", "the response JSON (default or -: stdin)")
    .description("decode a registration or authentication response JSON: client data, flags, counter, AAGUID, key, attestation and its certificates")
    .option("--rp <id>", "an RP ID to match against rpIdHash (repeatable; the origin's host and its parent domains are tried too)", collect, [])
    .option("--json", "print the same as structured JSON")
    .option("--registration <file>", "the RegistrationResponseJSON of the credential: check the assertion's signature with its public key (exit 11 when it does not verify)")
    .addHelpText(
      "after",
      `
Examples:
  $ softkey create --origin https://example.com --options reg-options.json | softkey decode
  $ softkey decode auth-response.json --rp example.com --json | jq .authenticatorData.flags
  $ softkey decode auth-response.json --registration reg-response.json   # does the signature verify?`,
    )
    .action(async (file: string | undefined, flags: DecodeFlags) => {
      const text = await readInput(file, ctx);
      const registration = flags.registration === undefined ? undefined : (await readFileLimited(flags.registration, MAX_BYTES, flags.registration)).toString("utf8");
      let decoded;
      let check: AssertionCheck | undefined;
      try {
        decoded = await decodeResponse(text, { rpIds: flags.rp });
        if (registration !== undefined) check = checkAssertion(text, registration);
      } catch (error) {
        if (error instanceof ResponseDecodeError) throw new CliError(ExitCode.INVALID_INPUT, `cannot decode ${file ?? "stdin"}: ${error.message}`, { cause: error });
        throw error;
      }
      if (flags.json) writeJson(ctx.io, check ? { ...decoded, signatureCheck: check } : decoded);
      else ctx.io.stdout(formatDecoded(decoded) + (check ? formatCheck(check, flags.registration!) : ""));
      if (check && !check.verified) ctx.exitCode = ExitCode.VERIFICATION_FAILED;
    });
}

function formatCheck(check: AssertionCheck, registrationFile: string): string {
  const mark = (ok: boolean) => (ok ? "✓" : "✗");
  const lines = [
    "",
    `Checked against the registration in ${registrationFile}:`,
    `  ${mark(check.credentialId.matches)} credential ID   ${check.credentialId.matches ? `the registered one (${check.credentialId.registration})` : `${check.credentialId.assertion}, but the registration made ${check.credentialId.registration}`}`,
    `  ${mark(check.rpIdHash.matches)} rpIdHash        ${check.rpIdHash.matches ? "the same as at registration" : `${check.rpIdHash.assertion}, not the registration's ${check.rpIdHash.registration}`}`,
    `  ${mark(check.signature.valid)} signature       ${check.signature.detail}`,
    `  ${mark(check.signCount.ok)} counter         ${check.signCount.assertion} after ${check.signCount.registration} at registration${check.signCount.ok ? "" : ": did not increase (a cloned authenticator, or a later registration)"}`,
    `Result: ${check.verified ? "the signature VERIFIES with the registered credential" : "NOT VERIFIED"}`,
  ];
  return lines.join("\n") + "\n";
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function readInput(file: string | undefined, ctx: CliContext): Promise<string> {
  if (file === undefined || file === "-") {
    if (file === undefined && ctx.io.stdin.isTTY) throw new CliError(ExitCode.USAGE, "no response JSON: give a FILE, or pipe it on stdin");
    return readStream(ctx.io.stdin, MAX_BYTES, `the response JSON on stdin is larger than ${MAX_BYTES} bytes`);
  }
  return (await readFileLimited(file, MAX_BYTES, file)).toString("utf8");
}
