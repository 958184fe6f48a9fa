/** `softkey profile list` and `softkey profile show`: the device profiles softkey can emulate. */
import type { Command } from "commander";
import { BUILT_IN_PROFILES, DEFAULT_PROFILE, ProfileFileError, resolveProfile, type Profile } from "../../profiles/index.js";
import { type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";

export function registerProfile(program: Command, ctx: CliContext): void {
  const profile = program
    .command("profile")
    .description("the device profiles softkey emulates (use one with softkey init --profile NAME|FILE)")
    .addHelpText(
      "after",
      `
A profile is a JSON file describing a device: AAGUID, attestation, algorithms,
transports, what getInfo says, U2F, counter mode, backup flags, attachment.
Start from a built-in one:

  $ softkey profile show platform-passkey --json > my-key.json   # edit, then
  $ softkey init --profile ./my-key.json`,
    );

  profile
    .command("list")
    .description("list the built-in profiles")
    .option("--json", "print JSON")
    .action((flags: { json?: boolean }) => {
      if (flags.json) return writeJson(ctx.io, BUILT_IN_PROFILES.map((p) => ({ name: p.name, description: p.description ?? "" })));
      const width = Math.max(...BUILT_IN_PROFILES.map((p) => p.name.length));
      for (const p of BUILT_IN_PROFILES) {
        ctx.io.stdout(`${p.name.padEnd(width)}  ${p.description ?? ""}${p.name === DEFAULT_PROFILE ? " (default)" : ""}\n`);
      }
    });

  profile
    .command("show")
    .description("show a built-in profile, or check and show a profile file")
    .argument("<name|file>", "a built-in profile's name, or a profile JSON file")
    .option("--json", "print the profile JSON (a starting point for your own)")
    .action((given: string, flags: { json?: boolean }) => {
      const found = loadProfile(given);
      if (flags.json) writeJson(ctx.io, found);
      else ctx.io.stdout(formatProfile(found));
    });
}

/** A profile by name or file; a bad file is invalid input (exit code 3), named in one line. */
export function loadProfile(nameOrFile: string): Profile {
  try {
    return resolveProfile(nameOrFile);
  } catch (error) {
    if (error instanceof ProfileFileError) throw new CliError(ExitCode.INVALID_INPUT, error.message, { cause: error });
    throw error;
  }
}

export function formatProfile(p: Profile): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(28)}${value}`);
  row("name", p.name);
  if (p.description) row("description", p.description);
  row("AAGUID", p.aaguid);
  row("attestation", p.attestation.format + (p.attestation.subject ? ` (subject ${p.attestation.subject})` : ""));
  row("algorithms", p.algorithms.join(", "));
  row("transports", p.transports.join(", "));
  row("attachment", p.attachment);
  row("U2F (CTAP1)", p.u2f ? "yes" : "no");
  row("counter", p.counter);
  row("backup", `eligible ${p.backup.eligible}, state ${p.backup.state}`);
  if (p.enterpriseRpIds) row("enterprise RP IDs", p.enterpriseRpIds.join(", ") || "(none)");
  if (!p.getInfo) {
    row("getInfo", "none: CTAP1/U2F only");
  } else {
    const info = p.getInfo;
    if (info.versions) row("getInfo.versions", info.versions.join(", "));
    if (info.options) row("getInfo.options", Object.entries(info.options).map(([k, v]) => `${k}=${v}`).join(" "));
    row("getInfo.extensions", info.extensions ? info.extensions.join(", ") || "(none)" : "(all implemented)");
    for (const key of ["maxCredentialCountInList", "maxCredentialIdLength", "maxDiscoverableCredentials", "firmwareVersion"] as const) {
      if (info[key] !== undefined) row(`getInfo.${key}`, String(info[key]));
    }
  }
  return lines.join("\n") + "\n";
}
