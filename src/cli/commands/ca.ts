/**
 * `softkey ca init | show | export`: the store's test attestation CA. With
 * one, makeCredential attests packed with an x5c chain (or fido-u2f), and an
 * RP that trusts the exported root and metadata accepts exactly this model.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import type { Softkey } from "../../softkey.js";
import { aaguidToString } from "../../authenticator/deviceConfig.js";
import { isAttestationCa, type AttestationCa } from "../../crypto/attestation/attestationCa.js";
import { ATTESTATION_CA_SETTING } from "../../authenticator/settings.js";
import type { CertificateInfo } from "../../crypto/attestation/certificateInfo.js";
import { describeCa, toPem, type CaDescription } from "../../attestationCa/describeCa.js";
import { attestationSubject, CaSubjectError, DEFAULT_ATTESTATION_SUBJECT, issueAttestationCa } from "../../attestationCa/issueCa.js";
import { metadataStatement } from "../../attestationCa/metadataStatement.js";
import { authenticatorGetInfoMap } from "../../deviceInfo.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";

export function registerCa(program: Command, ctx: CliContext): void {
  const ca = program
    .command("ca")
    .description("the store's test attestation CA: packed/fido-u2f attestation with a certificate chain an RP can trust")
    .addHelpText(
      "after",
      `
Examples:
  $ softkey ca init --subject "C=SE, O=Acme AB, CN=Acme Key 5 NFC"
  $ softkey ca show
  $ softkey ca export --out ./trust     # root.pem and metadata.json for the RP`,
    );

  ca.command("init")
    .description("create a root, an intermediate and the attestation certificates for the store's AAGUID (keys sealed in the store)")
    .option("--subject <dn>", `the attestation certificate's subject; OU=${JSON.stringify("Authenticator Attestation")} is added when absent`, DEFAULT_ATTESTATION_SUBJECT)
    .option("--force", "replace an existing CA (credentials already made keep the old chain)")
    .option("--json", "print the new CA as softkey ca show --json does, plus the attestation format")
    .action(async (flags: { subject: string; force?: boolean; json?: boolean }, command: Command) => {
      await checkSubject(flags.subject); // before any passphrase prompt
      const description = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey) => {
        const existing = await softkey.keystore.getSetting<unknown>(ATTESTATION_CA_SETTING);
        if (existing !== undefined && !flags.force) {
          throw new CliError(ExitCode.STORE_MISSING_OR_EXISTS, "the store already has an attestation CA: pass --force to replace it");
        }
        const aaguid = deviceAaguid(softkey);
        const issued = await issueAttestationCa({ aaguid, subject: flags.subject });
        await softkey.keystore.putSetting(ATTESTATION_CA_SETTING, issued);
        return { ...(await describeCa(issued, aaguid)), format: softkey.authenticator.context.config.attestationFormat };
      });
      if (flags.json) return writeJson(ctx.io, description);
      const c = description.certificates;
      ctx.io.stdout(
        `Created an attestation CA for AAGUID ${description.aaguid}\n` +
          `  root          ${c.root.subject}\n` +
          `  intermediate  ${c.intermediate.subject}\n` +
          `  attestation   ${c.attestation.subject}\n` +
          `  enterprise    ${c.enterprise.subject}\n` +
          (description.format === "none" ? `Note: this device attests "none" (init --attestation); the CA serves enterprise attestation only\n` : "") +
          `Give the RP its trust anchor and metadata: softkey ca export --out DIR\n`,
      );
    });

  ca.command("show")
    .description("the CA's certificates: subjects, serial numbers, validity, SHA-256 fingerprints")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }, command: Command) => {
      const description = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey) =>
        describeCa(await requireCa(softkey), deviceAaguid(softkey)),
      );
      if (flags.json) writeJson(ctx.io, description);
      else ctx.io.stdout(formatCa(description));
    });

  ca.command("export")
    .description("write root.pem (the trust anchor) and metadata.json (a FIDO MDS v3 metadata statement) into DIR")
    .requiredOption("--out <dir>", "the directory to write to (created when missing)")
    .option("--description <text>", "the metadata statement's description")
    .option("--json", "print JSON: { aaguid, root, metadata } (the paths written)")
    .action(async (flags: { out: string; description?: string; json?: boolean }, command: Command) => {
      const { root, statement } = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey) => {
        const ca = await requireCa(softkey);
        const statement = metadataStatement({
          aaguid: ca.aaguid,
          description: flags.description,
          getInfo: await authenticatorGetInfoMap(softkey),
          rootCertificate: ca.root.certificate,
        });
        return { root: ca.root.certificate, statement };
      });
      const dir = path.resolve(flags.out);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, "root.pem"), toPem(root));
        await writeFile(path.join(dir, "metadata.json"), `${JSON.stringify(statement, null, 2)}\n`);
      } catch (error) {
        throw new CliError(ExitCode.INVALID_INPUT, `cannot write to ${dir}: ${(error as Error).message}`, { cause: error });
      }
      if (flags.json) return writeJson(ctx.io, { aaguid: String(statement.aaguid), root: path.join(dir, "root.pem"), metadata: path.join(dir, "metadata.json") });
      ctx.io.stdout(`Wrote ${path.join(dir, "root.pem")} and ${path.join(dir, "metadata.json")} (AAGUID ${String(statement.aaguid)})\n`);
    });
}

async function checkSubject(subject: string): Promise<void> {
  try {
    await attestationSubject(subject);
  } catch (error) {
    if (error instanceof CaSubjectError) throw new CliError(ExitCode.INVALID_INPUT, error.message, { cause: error });
    throw error;
  }
}

function deviceAaguid(softkey: Softkey): string {
  return aaguidToString(softkey.authenticator.context.config.aaguid);
}

async function requireCa(softkey: Softkey): Promise<AttestationCa> {
  const value = await softkey.keystore.getSetting<unknown>(ATTESTATION_CA_SETTING);
  if (value === undefined) throw new CliError(ExitCode.STORE_MISSING_OR_EXISTS, "the store has no attestation CA: run softkey ca init");
  if (!isAttestationCa(value)) throw new CliError(ExitCode.INTEGRITY, `setting "${ATTESTATION_CA_SETTING}" is not an attestation CA`);
  return value;
}

function formatCa(d: CaDescription): string {
  const lines = [
    `AAGUID        ${d.aaguid}${d.matchesDevice ? "" : "  (NOT the device's AAGUID: not used; run softkey ca init --force)"}`,
    `created       ${d.createdAt}`,
    `serial        ${d.serialNumber} (in the enterprise certificate)`,
  ];
  const cert = (label: string, c: CertificateInfo) => {
    lines.push("", `${label}:`);
    lines.push(`  subject     ${c.subject}`, `  issuer      ${c.issuer}`, `  serial      ${c.serialNumber}`);
    lines.push(`  validity    ${c.notBefore} to ${c.notAfter}`);
    lines.push(`  CA          ${c.ca}${c.pathLength !== undefined ? ` (pathLen ${c.pathLength})` : ""}`);
    if (c.aaguid) lines.push(`  AAGUID ext  ${c.aaguid}`);
    lines.push(`  key         ${c.publicKey}`, `  SHA-256     ${c.sha256}`);
  };
  cert("root", d.certificates.root);
  cert("intermediate", d.certificates.intermediate);
  cert("attestation (batch, packed: x5c with the intermediate)", d.certificates.attestation);
  cert("fido-u2f attestation (the batch key, issued by the root)", d.certificates.u2f);
  cert("enterprise attestation", d.certificates.enterprise);
  return lines.join("\n") + "\n";
}
