/**
 * A population's secrets, all from its seed. The seed is read like a
 * passphrase, so it goes through scrypt once (a seed that could be guessed
 * would otherwise be tested offline against any credential ID an RP stores);
 * the four keys below are then expanded from the result with HKDF, one per
 * purpose, so no key serves two.
 *
 *   master            = scrypt(seed, "softkey population v1", N=2^14, r=8, p=1), 32 bytes
 *   idEncryption      = HKDF-SHA-256(master, info "softkey population credential id encryption")
 *   idAuthentication  = HKDF-SHA-256(master, info "softkey population credential id authentication")
 *   credentialKeys    = HKDF-SHA-256(master, info "softkey population credential keys")
 *   userHandles       = HKDF-SHA-256(master, info "softkey population user handles")
 *
 * Whoever holds the seed holds every private key of the population: it is a
 * secret for the relying party under test, and for nothing else.
 */
import { hkdfSync, scryptSync } from "node:crypto";

/** At least this many bytes (UTF-8): a load-test secret is generated, not remembered (e.g. `openssl rand -base64 24`). */
export const MIN_SEED_BYTES = 16;

const SALT = "softkey population v1";
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface PopulationSecrets {
  readonly idEncryption: Buffer;
  readonly idAuthentication: Buffer;
  readonly credentialKeys: Buffer;
  readonly userHandles: Buffer;
}

/** A seed that cannot be used; the message never quotes it. */
export class PopulationSeedError extends RangeError {
  override name = "PopulationSeedError";
}

export function derivePopulationSecrets(seed: string | Uint8Array): PopulationSecrets {
  const bytes = typeof seed === "string" ? Buffer.from(seed, "utf8") : Buffer.from(seed);
  if (bytes.length < MIN_SEED_BYTES) {
    throw new PopulationSeedError(
      `the population seed must be at least ${MIN_SEED_BYTES} bytes (it has ${bytes.length}); make one with: openssl rand -base64 24`,
    );
  }
  const master = scryptSync(bytes, SALT, 32, SCRYPT);
  bytes.fill(0);
  const expand = (purpose: string) => Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), `softkey population ${purpose}`, 32));
  const secrets = {
    idEncryption: expand("credential id encryption"),
    idAuthentication: expand("credential id authentication"),
    credentialKeys: expand("credential keys"),
    userHandles: expand("user handles"),
  };
  master.fill(0);
  return secrets;
}
