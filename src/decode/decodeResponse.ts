/**
 * A RegistrationResponseJSON or AuthenticationResponseJSON (WebAuthn L3
 * section 5.1), taken apart for people: client data, authenticator data with
 * its flags spelled out, the credential's COSE key, and for a registration the
 * attestation statement, its certificate chain and whether its signature
 * verifies. Pure: no store, no network. Certificates are parsed by
 * @peculiar/x509, loaded only when there are some.
 */
import { createHash, createPublicKey, verify, constants, type KeyObject } from "node:crypto";
import { decodeCbor, CborUnsupported, type CborMap, type CborValue } from "../ctap/cbor.js";
import { aaguidToString } from "../authenticator/deviceConfig.js";
import { fromBase64Url, toBase64Url } from "../bytes/base64url.js";
import { parseAuthenticatorData, type ParsedAuthenticatorData } from "../ctap/authenticatorData.js";
import { coseToSpki } from "../client/cosePublicKey.js";
import { describeCertificate, certificatePublicKey, type CertificateInfo } from "../crypto/attestation/certificateInfo.js";
import { toHex } from "../bytes/hex.js";
import { mlDsaVerify } from "../crypto/algorithms/index.js";
import { algorithmName, CoseKeyType } from "../ctap/cose.js";

export class ResponseDecodeError extends Error {
  override name = "ResponseDecodeError";
}

export interface DecodeOptions {
  /** RP IDs to try against rpIdHash before the client data origin's host and its parent domains. */
  rpIds?: string[];
}

export interface Named {
  id: number;
  name: string;
}

export interface DecodedClientData {
  type: unknown;
  challenge: unknown;
  origin: unknown;
  crossOrigin?: unknown;
  topOrigin?: unknown;
  /** Any other members (tokenBinding, ...). */
  other?: Record<string, unknown>;
  /** SHA-256 of clientDataJSON (the clientDataHash the authenticator signed), hex. */
  sha256: string;
}

export interface DecodedFlags {
  /** The flags byte. */
  value: number;
  UP: boolean;
  UV: boolean;
  BE: boolean;
  BS: boolean;
  AT: boolean;
  ED: boolean;
}

export interface DecodedCoseKey {
  kty?: Named;
  alg?: Named;
  crv?: Named;
  /** Further parameters by their COSE name (x, y, n, e) or label, byte strings in hex. */
  [parameter: string]: Named | string | number | boolean | undefined;
}

export interface DecodedAuthenticatorData {
  rpIdHash: string;
  /** The candidate RP ID whose SHA-256 is rpIdHash; absent when none matched. */
  rpId?: string;
  rpIdCandidates: string[];
  flags: DecodedFlags;
  signCount: number;
  attestedCredentialData?: {
    aaguid: string;
    credentialId: string;
    credentialIdLength: number;
    publicKey: DecodedCoseKey;
  };
  extensions?: Record<string, unknown>;
}

export interface DecodedAttestation {
  fmt: string;
  alg?: Named;
  signature?: string;
  certificates: CertificateInfo[];
  /** True or false when checked; absent when the format has no signature or is not one this decoder checks. */
  signatureValid?: boolean;
  /** What was checked, with what key, or why nothing was. */
  verification: string;
  /** For x5c: whether the attestation certificate's id-fido-gen-ce-aaguid equals the authenticator data's AAGUID. */
  certificateAaguidMatches?: boolean;
  /** attStmt members not shown above, byte strings in hex. */
  other?: Record<string, unknown>;
}

export interface DecodedResponse {
  kind: "registration" | "authentication";
  id: unknown;
  type: unknown;
  authenticatorAttachment?: unknown;
  clientData: DecodedClientData;
  authenticatorData: DecodedAuthenticatorData;
  attestation?: DecodedAttestation;
  transports?: unknown;
  publicKeyAlgorithm?: Named;
  assertion?: { signature: string; userHandle?: string; userHandleText?: string };
  clientExtensionResults?: unknown;
}

/** Names of the algorithms softkey does not make credentials for; its own come from src/ctap/cose.ts. */
const COSE_ALGORITHMS: Record<number, string> = {
  [-37]: "PS256",
  [-38]: "PS384",
  [-39]: "PS512",
  [-47]: "ES256K",
  [-258]: "RS384",
  [-259]: "RS512",
  [-65535]: "RS1",
};
const COSE_KEY_TYPES: Record<number, string> = { 1: "OKP", 2: "EC2", 3: "RSA", 7: "AKP" };
const COSE_CURVES: Record<number, string> = { 1: "P-256", 2: "P-384", 3: "P-521", 6: "Ed25519", 7: "Ed448", 8: "secp256k1" };

export function coseAlgorithmName(alg: number): Named {
  const own = algorithmName(alg);
  return { id: alg, name: own.startsWith("COSE ") ? (COSE_ALGORITHMS[alg] ?? "unknown") : own };
}

/** Decode one response given as JSON text (or an already parsed value). */
export async function decodeResponse(input: string | unknown, options: DecodeOptions = {}): Promise<DecodedResponse> {
  const json = typeof input === "string" ? parseJson(input) : input;
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ResponseDecodeError("expected a JSON object (RegistrationResponseJSON or AuthenticationResponseJSON)");
  const credential = json as Record<string, unknown>;
  const response = credential.response;
  if (typeof response !== "object" || response === null || Array.isArray(response)) {
    throw new ResponseDecodeError('not a RegistrationResponseJSON or AuthenticationResponseJSON: no "response" object');
  }
  const r = response as Record<string, unknown>;
  const clientDataJSON = bytesMember(r, "clientDataJSON", "response.clientDataJSON");
  const clientData = decodeClientData(clientDataJSON);
  const clientDataHash = new Uint8Array(createHash("sha256").update(clientDataJSON).digest());

  const common = {
    id: credential.id,
    type: credential.type,
    ...(credential.authenticatorAttachment !== undefined ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
    clientData,
    ...(credential.clientExtensionResults !== undefined ? { clientExtensionResults: credential.clientExtensionResults } : {}),
  };
  const candidates = rpIdCandidates(options.rpIds ?? [], clientData.origin);

  if (r.attestationObject !== undefined) {
    const attestationObject = decodeAttestationObject(bytesMember(r, "attestationObject", "response.attestationObject"));
    const parsed = parseAuthData(attestationObject.authData, "attestationObject.authData");
    if (!parsed.attestedCredentialData) throw new ResponseDecodeError("attestationObject.authData has no attested credential data (AT flag clear)");
    return {
      kind: "registration",
      ...common,
      authenticatorData: describeAuthenticatorData(parsed, candidates),
      attestation: await describeAttestation(attestationObject, parsed, clientDataHash),
      ...(r.transports !== undefined ? { transports: r.transports } : {}),
      ...(typeof r.publicKeyAlgorithm === "number" ? { publicKeyAlgorithm: coseAlgorithmName(r.publicKeyAlgorithm) } : {}),
    };
  }
  if (r.signature !== undefined || r.authenticatorData !== undefined) {
    const authData = parseAuthData(bytesMember(r, "authenticatorData", "response.authenticatorData"), "response.authenticatorData");
    const signature = bytesMember(r, "signature", "response.signature");
    const assertion: NonNullable<DecodedResponse["assertion"]> = { signature: toHex(signature) };
    if (typeof r.userHandle === "string" && r.userHandle !== "") {
      const handle = bytesMember(r, "userHandle", "response.userHandle");
      assertion.userHandle = toBase64Url(handle);
      const text = printableUtf8(handle);
      if (text !== undefined) assertion.userHandleText = text;
    }
    return { kind: "authentication", ...common, authenticatorData: describeAuthenticatorData(authData, candidates), assertion };
  }
  throw new ResponseDecodeError("not a RegistrationResponseJSON or AuthenticationResponseJSON: response has neither attestationObject nor authenticatorData and signature");
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (cause) {
    throw new ResponseDecodeError(`not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

export function bytesMember(object: Record<string, unknown>, key: string, what: string): Uint8Array {
  const value = object[key];
  if (typeof value !== "string") throw new ResponseDecodeError(`${what} must be a base64url string`);
  try {
    return fromBase64Url(value);
  } catch (cause) {
    throw new ResponseDecodeError(`${what} is ${(cause as Error).message}`, { cause });
  }
}

function decodeClientData(bytes: Uint8Array): DecodedClientData {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new ResponseDecodeError(`response.clientDataJSON is not UTF-8 JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ResponseDecodeError("response.clientDataJSON is not a JSON object");
  const { type, challenge, origin, crossOrigin, topOrigin, ...other } = value as Record<string, unknown>;
  return {
    type,
    challenge,
    origin,
    ...(crossOrigin !== undefined ? { crossOrigin } : {}),
    ...(topOrigin !== undefined ? { topOrigin } : {}),
    ...(Object.keys(other).length > 0 ? { other } : {}),
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

interface AttestationObject {
  fmt: string;
  attStmt: CborMap;
  authData: Uint8Array;
}

export function decodeAttestationObject(bytes: Uint8Array): AttestationObject {
  let value: CborValue;
  try {
    value = decodeCbor(bytes);
  } catch (cause) {
    throw new ResponseDecodeError(`response.attestationObject is not CBOR: ${(cause as Error).message}`, { cause });
  }
  if (!(value instanceof Map)) throw new ResponseDecodeError("response.attestationObject is not a CBOR map");
  const fmt = value.get("fmt");
  const attStmt = value.get("attStmt");
  const authData = value.get("authData");
  if (typeof fmt !== "string") throw new ResponseDecodeError("attestationObject.fmt is not a text string");
  if (!(attStmt instanceof Map)) throw new ResponseDecodeError("attestationObject.attStmt is not a map");
  if (!(authData instanceof Uint8Array)) throw new ResponseDecodeError("attestationObject.authData is not a byte string");
  return { fmt, attStmt, authData };
}

export function parseAuthData(bytes: Uint8Array, what: string): ParsedAuthenticatorData & { raw: Uint8Array } {
  try {
    return { ...parseAuthenticatorData(bytes), raw: bytes };
  } catch (cause) {
    throw new ResponseDecodeError(`${what}: ${(cause as Error).message}`, { cause });
  }
}

/** --rp values first, then the origin's host and each parent domain (login.example.com, example.com, com). */
function rpIdCandidates(given: string[], origin: unknown): string[] {
  const candidates = [...given];
  if (typeof origin === "string") {
    try {
      const host = new URL(origin).hostname.replace(/^\[(.*)\]$/, "$1");
      if (host) {
        const labels = host.split(".");
        if (/^[\d.]+$/.test(host) || host.includes(":")) candidates.push(host);
        else for (let i = 0; i < labels.length; i++) candidates.push(labels.slice(i).join("."));
      }
    } catch {
      // Not a URL (an app origin such as android:apk-key-hash:...): only --rp candidates.
    }
  }
  return [...new Set(candidates)];
}

function describeAuthenticatorData(parsed: ParsedAuthenticatorData, candidates: string[]): DecodedAuthenticatorData {
  const rpIdHash = toHex(parsed.rpIdHash);
  const rpId = candidates.find((candidate) => createHash("sha256").update(candidate).digest("hex") === rpIdHash);
  const f = parsed.flags;
  const out: DecodedAuthenticatorData = {
    rpIdHash,
    ...(rpId !== undefined ? { rpId } : {}),
    rpIdCandidates: candidates,
    flags: {
      value: f.value,
      UP: f.userPresent,
      UV: f.userVerified,
      BE: f.backupEligible,
      BS: f.backupState,
      AT: f.attestedCredentialData,
      ED: f.extensionData,
    },
    signCount: parsed.signCount,
  };
  const attested = parsed.attestedCredentialData;
  if (attested) {
    out.attestedCredentialData = {
      aaguid: aaguidToString(attested.aaguid),
      credentialId: toBase64Url(attested.credentialId),
      credentialIdLength: attested.credentialId.length,
      publicKey: describeCoseKey(attested.cosePublicKey),
    };
  }
  if (parsed.extensions) out.extensions = plain(parsed.extensions) as Record<string, unknown>;
  return out;
}

function describeCoseKey(key: CborMap): DecodedCoseKey {
  const out: DecodedCoseKey = {};
  const kty = key.get(1);
  const alg = key.get(3);
  if (typeof kty === "number") out.kty = { id: kty, name: COSE_KEY_TYPES[kty] ?? "unknown" };
  if (typeof alg === "number") out.alg = coseAlgorithmName(alg);
  const names: Record<number, string> =
    kty === 3 ? { [-1]: "n", [-2]: "e" } : kty === 1 ? { [-1]: "crv", [-2]: "x", [-4]: "d" } : { [-1]: "crv", [-2]: "x", [-3]: "y", [-4]: "d" };
  for (const [label, value] of key) {
    if (label === 1 || label === 3) continue;
    const name = typeof label === "number" ? (names[label] ?? String(label)) : label;
    if (name === "crv" && typeof value === "number") out.crv = { id: value, name: COSE_CURVES[value] ?? "unknown" };
    else out[name] = plain(value) as string | number | boolean;
  }
  return out;
}

async function describeAttestation(
  object: AttestationObject,
  authData: ParsedAuthenticatorData & { raw: Uint8Array },
  clientDataHash: Uint8Array,
): Promise<DecodedAttestation> {
  const { fmt, attStmt } = object;
  const out: DecodedAttestation = { fmt, certificates: [], verification: "" };
  const alg = attStmt.get("alg");
  const sig = attStmt.get("sig");
  const x5cValue = attStmt.get("x5c");
  if (typeof alg === "number") out.alg = coseAlgorithmName(alg);
  if (sig instanceof Uint8Array) out.signature = toHex(sig);
  const x5c = Array.isArray(x5cValue) ? x5cValue : [];
  if (x5cValue !== undefined && (!Array.isArray(x5cValue) || x5c.some((c) => !(c instanceof Uint8Array)))) {
    throw new ResponseDecodeError("attStmt.x5c is not an array of byte strings");
  }
  const chain = x5c as Uint8Array[];
  for (const [i, der] of chain.entries()) {
    try {
      out.certificates.push(await describeCertificate(der));
    } catch (cause) {
      throw new ResponseDecodeError(`attStmt.x5c[${i}] is not an X.509 certificate: ${(cause as Error).message}`, { cause });
    }
  }
  const other: Record<string, unknown> = {};
  for (const [key, value] of attStmt) if (key !== "alg" && key !== "sig" && key !== "x5c") other[String(key)] = plain(value);
  if (Object.keys(other).length > 0) out.other = other;

  const attested = authData.attestedCredentialData!;
  const aaguid = aaguidToString(attested.aaguid);
  if (out.certificates[0]?.aaguid !== undefined) out.certificateAaguidMatches = out.certificates[0].aaguid === aaguid;

  const check = (data: Uint8Array, key: KeyObject, algorithm: number | undefined, by: string) => {
    if (!(sig instanceof Uint8Array)) {
      out.verification = "attStmt has no sig";
      out.signatureValid = false;
      return;
    }
    out.signatureValid = verifySignature(algorithm, data, key, sig);
    out.verification = `${by}${out.signatureValid ? "" : ": the signature does NOT verify"}`;
  };
  const signedPacked = Buffer.concat([authData.raw, clientDataHash]);
  try {
    if (fmt === "none") {
      out.verification = "no attestation statement (none)";
    } else if (fmt === "packed" && chain.length > 0) {
      check(signedPacked, certificatePublicKey(chain[0]!), typeof alg === "number" ? alg : undefined, "full attestation: signature over authData || clientDataHash by x5c[0]'s key");
    } else if (fmt === "packed") {
      const credentialAlg = attested.cosePublicKey.get(3);
      const by = "self attestation: signature over authData || clientDataHash by the credential key";
      if (!(sig instanceof Uint8Array)) {
        out.verification = "attStmt has no sig";
        out.signatureValid = false;
      } else {
        out.signatureValid = verifyWithCoseKey(attested.cosePublicKey, typeof alg === "number" ? alg : undefined, signedPacked, sig);
        out.verification = `${by}${out.signatureValid ? "" : ": the signature does NOT verify"}`;
      }
      if (alg !== credentialAlg) {
        out.signatureValid = false;
        out.verification = `self attestation: attStmt.alg ${String(alg)} is not the credential's algorithm ${String(credentialAlg)}`;
      }
    } else if (fmt === "fido-u2f" && chain.length > 0) {
      const key = attested.cosePublicKey;
      const x = key.get(-2);
      const y = key.get(-3);
      if (!(x instanceof Uint8Array) || !(y instanceof Uint8Array)) {
        out.signatureValid = false;
        out.verification = "fido-u2f needs an EC2 credential key";
      } else {
        const signed = Buffer.concat([Uint8Array.of(0), authData.rpIdHash, clientDataHash, attested.credentialId, Uint8Array.of(4), x, y]);
        check(signed, certificatePublicKey(chain[0]!), -7, "fido-u2f: signature over 0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F by x5c[0]'s key");
      }
    } else {
      out.verification = `the ${fmt} format's signature is not checked by softkey decode`;
    }
  } catch (cause) {
    out.signatureValid = false;
    out.verification = `could not check the signature: ${(cause as Error).message}`;
  }
  return out;
}

export function publicKeyOfCose(key: CborMap): KeyObject {
  const spki = coseToSpki(key);
  if (!spki) throw new Error("the credential key's type is not one softkey decode knows");
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}

/** A signature by a COSE public key: ML-DSA (key type AKP) through @noble/post-quantum, the rest through node:crypto. */
export function verifyWithCoseKey(key: CborMap, alg: number | undefined, data: Uint8Array, signature: Uint8Array): boolean {
  if (key.get(1) === CoseKeyType.AKP) {
    const pub = key.get(-1);
    if (!(pub instanceof Uint8Array) || typeof alg !== "number") throw new Error("an AKP key needs pub (-1) and an algorithm");
    return mlDsaVerify(alg, pub, data, signature);
  }
  return verifySignature(alg, data, publicKeyOfCose(key), signature);
}

/** Verify as COSE algorithm `alg` says; undefined alg: the key decides (SHA-256 unless EdDSA). */
export function verifySignature(alg: number | undefined, data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  if (alg === -8 || alg === -19 || alg === -53 || key.asymmetricKeyType === "ed25519" || key.asymmetricKeyType === "ed448") return verify(null, data, key, signature);
  const hash =
    alg === -35 || alg === -51 || alg === -38 || alg === -258 ? "sha384" : alg === -36 || alg === -52 || alg === -39 || alg === -259 ? "sha512" : alg === -65535 ? "sha1" : "sha256";
  if (alg === -37 || alg === -38 || alg === -39) {
    return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
  }
  return verify(hash, data, key, signature);
}

/** CBOR values as JSON: byte strings in hex, maps as objects. */
function plain(value: CborValue): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = plain(v);
    return out;
  }
  if (value instanceof CborUnsupported) return `(${value.kind})`;
  return value;
}

function printableUtf8(bytes: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    // eslint-disable-next-line no-control-regex
    return /^[^\u0000-\u001f\u007f]+$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}
