/**
 * `softkey info`: the store and the device, including the authenticator's own
 * authenticatorGetInfo answer, decoded with the spec's names.
 */
import type { Command } from "commander";
import { collectInfo, type StoreInfo } from "../../deviceInfo.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { writeJson } from "../io.js";

export function registerInfo(program: Command, ctx: CliContext): void {
  program
    .command("info")
    .description("show the store, the device settings and the authenticator's authenticatorGetInfo")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ softkey info
  $ softkey info --json | jq .getInfo.options`,
    )
    .action(async (flags: { json?: boolean }, command: Command) => {
      const info = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, collectInfo);
      if (flags.json) writeJson(ctx.io, info);
      else ctx.io.stdout(formatInfo(info));
    });
}

function formatInfo(info: StoreInfo): string {
  const lines: string[] = [];
  const row = (label: string, value: string, indent = "") => lines.push(`${indent}${label.padEnd(indent ? 34 : 14)}${value}`);
  const c = info.credentials;
  row("store", info.store);
  row("profile", info.profile);
  row("AAGUID", info.aaguid);
  row("attestation", info.attestation);
  row("passphrase", `scrypt N=2^${Math.log2(info.kdf.N)} r=${info.kdf.r} p=${info.kdf.p}`);
  row(
    "request CBOR",
    info.requestCbor === "canonical"
      ? "canonical only: a non-canonical request is CTAP2_ERR_INVALID_CBOR, as on a key"
      : "lenient: non-canonical requests accepted (the profile's requestCbor)",
  );
  row(
    "credentials",
    `${c.total} (${c.discoverable} discoverable) for ${c.relyingParties} relying part${c.relyingParties === 1 ? "y" : "ies"}` +
      (c.corrupted ? `, ${c.corrupted} failing their integrity check` : ""),
  );
  row("generation", `${info.generation} (raised by every write; lower than last time: an older copy of the store)`);
  row("highest count", `${info.highestSignCount} (the highest signature counter)`);
  if (Object.keys(info.getInfo).length === 0) {
    lines.push("", "authenticatorGetInfo: none (a CTAP1/U2F-only device)");
    return lines.join("\n") + "\n";
  }
  lines.push("", "authenticatorGetInfo (CTAP 2.2 section 6.4):");
  for (const [name, value] of Object.entries(info.getInfo)) row(name, formatMember(name, value), "  ");
  return lines.join("\n") + "\n";
}

function formatMember(name: string, value: unknown): string {
  if (name === "algorithms" && Array.isArray(value)) {
    return value.map((a: { alg?: unknown; name?: unknown; type?: unknown }) => `${String(a.name ?? a.alg)} (${String(a.alg)}, ${String(a.type)})`).join(", ");
  }
  if (name === "options" && value && typeof value === "object") {
    return Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join(" ");
  }
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map(String).join(", ");
  if (value && typeof value === "object") return JSON.stringify(value);
  return String(value);
}
