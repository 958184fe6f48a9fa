/**
 * The store and the device as `softkey info --json` and the HTTP service's
 * GET /v1/info show them, including the authenticator's own
 * authenticatorGetInfo answer decoded with the spec's names.
 */
import type { Softkey } from "./softkey.js";
import { decodeCbor, type CborMap, type CborValue } from "./ctap/cbor.js";
import { statusName, Status } from "./ctap/status.js";
import { aaguidToString } from "./authenticator/deviceConfig.js";
import { algorithmName } from "./ctap/cose.js";
import { Command } from "./ctap/commands.js";
import { memberName } from "./ctap/messages/getInfo.js";
import type { RequestCbor } from "./authenticator/params.js";

export interface StoreInfo {
  store: string;
  profile: string;
  aaguid: string;
  attestation: string;
  kdf: { algorithm: "scrypt"; N: number; r: number; p: number };
  /** How the device reads request CBOR: "canonical" refuses non-canonical requests as a key does; "lenient" (a profile's choice) accepts them. */
  requestCbor: RequestCbor;
  credentials: { total: number; discoverable: number; relyingParties: number; corrupted: number };
  /**
   * For a CI job to compare across runs: the store generation (raised by every write, exact after a
   * clean close) and the highest signature counter. Either lower than last time means the store was
   * put back to an older copy, which the store itself cannot tell (SECURITY.md).
   */
  generation: number;
  highestSignCount: number;
  getInfo: Record<string, unknown>;
}

export async function collectInfo(softkey: Softkey): Promise<StoreInfo> {
  // A CTAP1/U2F-only device (a profile without getInfo) has no authenticatorGetInfo to ask.
  const getInfo = softkey.profile.getInfo ? await readGetInfo(softkey) : {};
  const { credentials, corrupted } = await softkey.listCredentials();
  const { scrypt } = softkey.keystore;
  const { generation, highestSignCount } = await softkey.keystore.integrityInfo();
  return {
    store: softkey.keystore.dir,
    profile: softkey.profile.name,
    aaguid: softkey.device.aaguid,
    attestation: softkey.device.attestation,
    kdf: { algorithm: "scrypt", N: scrypt.N, r: scrypt.r, p: scrypt.p },
    requestCbor: softkey.authenticator.context.config.requestCbor,
    credentials: {
      total: credentials.length + corrupted.length,
      discoverable: credentials.filter((c) => c.discoverable).length,
      relyingParties: new Set(credentials.map((c) => c.rpId)).size,
      corrupted: corrupted.length,
    },
    generation,
    highestSignCount,
    getInfo,
  };
}

/** The device's authenticatorGetInfo response map, as the core answers it. */
export async function authenticatorGetInfoMap(softkey: Softkey): Promise<CborMap> {
  const answer = await softkey.authenticator.transact(Uint8Array.of(Command.authenticatorGetInfo));
  if (answer[0] !== Status.CTAP2_OK) throw new Error(`authenticatorGetInfo failed: ${statusName(answer[0] ?? Status.CTAP1_ERR_OTHER)}`);
  const decoded = decodeCbor(answer.subarray(1));
  if (!(decoded instanceof Map)) throw new Error("authenticatorGetInfo did not answer with a CBOR map");
  return decoded;
}

async function readGetInfo(softkey: Softkey): Promise<Record<string, unknown>> {
  const getInfo: Record<string, unknown> = {};
  for (const [key, value] of await authenticatorGetInfoMap(softkey)) {
    const name = typeof key === "number" ? (memberName(key) ?? `0x${key.toString(16).padStart(2, "0")}`) : key;
    getInfo[name] = presentMember(name, value);
  }
  return getInfo;
}

/** A getInfo member as plain JSON: the AAGUID as a UUID, algorithms with their names, bytes in hex. */
function presentMember(name: string, value: CborValue): unknown {
  if (name === "aaguid" && value instanceof Uint8Array && value.length === 16) return aaguidToString(value);
  if (name === "algorithms" && Array.isArray(value)) {
    return value.map((entry) => {
      const plain = toPlain(entry) as Record<string, unknown>;
      return typeof plain.alg === "number" ? { ...plain, name: algorithmName(plain.alg) } : plain;
    });
  }
  return toPlain(value);
}

function toPlain(value: CborValue): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = toPlain(v);
    return out;
  }
  if (value !== null && typeof value === "object") return `(${value.kind})`;
  return value;
}
