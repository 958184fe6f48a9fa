/** A decoded response as text for a terminal (`softkey decode` without --json). */
import type { CertificateInfo } from "../crypto/attestation/certificateInfo.js";
import type { DecodedCoseKey, DecodedFlags, DecodedResponse, Named } from "./decodeResponse.js";

const FLAG_NAMES: Record<keyof Omit<DecodedFlags, "value">, string> = {
  UP: "user present",
  UV: "user verified",
  BE: "backup eligible",
  BS: "backed up",
  AT: "attested credential data",
  ED: "extension data",
};

export function formatDecoded(d: DecodedResponse): string {
  const lines: string[] = [];
  const row = (label: string, value: unknown, indent = "  ") => lines.push(`${indent}${label.padEnd(22 - indent.length)}${text(value)}`);

  lines.push(`${d.kind} ${text(d.id)}`);
  if (d.authenticatorAttachment !== undefined) row("attachment", d.authenticatorAttachment);
  if (d.transports !== undefined) row("transports", Array.isArray(d.transports) ? d.transports.join(", ") : d.transports);
  if (d.publicKeyAlgorithm) row("publicKeyAlgorithm", named(d.publicKeyAlgorithm));

  lines.push("", "clientData");
  const c = d.clientData;
  row("type", c.type);
  row("challenge", c.challenge);
  row("origin", c.origin);
  row("crossOrigin", c.crossOrigin ?? "(absent)");
  if (c.topOrigin !== undefined) row("topOrigin", c.topOrigin);
  if (c.other) row("other", JSON.stringify(c.other));
  row("SHA-256", c.sha256);

  lines.push("", "authenticatorData");
  const a = d.authenticatorData;
  row("rpIdHash", a.rpIdHash);
  row("rpId", a.rpId !== undefined ? `${a.rpId} (SHA-256 matches)` : `no match among ${a.rpIdCandidates.length ? a.rpIdCandidates.join(", ") : "(no candidates)"}; try --rp ID`);
  const set = (Object.keys(FLAG_NAMES) as (keyof typeof FLAG_NAMES)[]).filter((f) => a.flags[f]);
  row("flags", `0x${a.flags.value.toString(16).padStart(2, "0")} ${set.join(" ") || "(none)"}`);
  for (const flag of Object.keys(FLAG_NAMES) as (keyof typeof FLAG_NAMES)[]) row(flag, `${a.flags[flag] ? "1" : "0"}  ${FLAG_NAMES[flag]}`, "    ");
  row("signCount", a.signCount);
  const acd = a.attestedCredentialData;
  if (acd) {
    row("AAGUID", acd.aaguid);
    row("credentialId", `${acd.credentialId} (${acd.credentialIdLength} bytes)`);
    formatCoseKey(acd.publicKey, row);
  }
  if (a.extensions) row("extensions", JSON.stringify(a.extensions));

  if (d.attestation) {
    const att = d.attestation;
    lines.push("", "attestation");
    row("fmt", att.fmt);
    if (att.alg) row("alg", named(att.alg));
    if (att.signature !== undefined) row("signature", att.signature);
    const verdict = att.signatureValid === undefined ? "not checked" : att.signatureValid ? "VALID" : "INVALID";
    row("signature check", `${verdict}: ${att.verification}`);
    if (att.other) row("other", JSON.stringify(att.other));
    att.certificates.forEach((cert, i) => {
      lines.push(`  x5c[${i}]${i === 0 ? " (attestation certificate)" : ""}`);
      formatCertificate(cert, row, i === 0 ? att.certificateAaguidMatches : undefined);
    });
  }
  if (d.assertion) {
    lines.push("", "assertion");
    row("signature", d.assertion.signature);
    row("signature check", "not checked (needs the credential's public key, which an assertion does not carry)");
    if (d.assertion.userHandle !== undefined) {
      row("userHandle", d.assertion.userHandle + (d.assertion.userHandleText !== undefined ? ` ("${d.assertion.userHandleText}")` : ""));
    }
  }
  if (d.clientExtensionResults !== undefined) {
    lines.push("", `clientExtensionResults ${JSON.stringify(d.clientExtensionResults)}`);
  }
  return lines.join("\n") + "\n";
}

type Row = (label: string, value: unknown, indent?: string) => void;

function formatCoseKey(key: DecodedCoseKey, row: Row): void {
  const parts = [key.kty && `kty ${named(key.kty)}`, key.alg && `alg ${named(key.alg)}`, key.crv && `crv ${named(key.crv)}`].filter(Boolean);
  row("publicKey", parts.join(", "));
  for (const [name, value] of Object.entries(key)) {
    if (name === "kty" || name === "alg" || name === "crv") continue;
    row(name, value, "    ");
  }
}

function formatCertificate(c: CertificateInfo, row: Row, aaguidMatches: boolean | undefined): void {
  const indent = "    ";
  row("subject", c.subject, indent);
  row("issuer", c.issuer, indent);
  row("serial", c.serialNumber, indent);
  row("validity", `${c.notBefore} to ${c.notAfter}`, indent);
  row("CA", `${c.ca}${c.pathLength !== undefined ? ` (pathLen ${c.pathLength})` : ""}`, indent);
  if (c.aaguid !== undefined) {
    const match = aaguidMatches === undefined ? "" : aaguidMatches ? " (equals authData's AAGUID)" : " (DIFFERS from authData's AAGUID)";
    row("AAGUID extension", c.aaguid + match, indent);
  }
  row("key", c.publicKey, indent);
  row("SHA-256", c.sha256, indent);
}

function named(n: Named): string {
  return `${n.name} (${n.id})`;
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "(absent)";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
