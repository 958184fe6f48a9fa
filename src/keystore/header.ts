/**
 * The store's header: a small file (`SOFTKEY`) beside LevelDB's, holding what unlocks the store
 * (scrypt parameters, salt, the wrapped data key) and a sealed state (the store's generation when
 * it was last closed, generation.ts). It is read before LevelDB opens, so a wrong passphrase is
 * told without LevelDB touching a file; it is written whole to a temporary file, synced, and
 * renamed over the old one, then the directory is synced, so it is always one version or the other.
 *
 * Nothing secret is in the clear: the parameters and salt are public, the data key is wrapped under
 * the passphrase-derived key, and the state is sealed under the data key (AES-GCM), so an edited
 * state is an integrity error, and edited unlock data fails the unwrap like a wrong passphrase.
 */
import type { KeyObject } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { decodeValue, encodeValue } from "./codec.js";
import { seal, unseal, validateScryptParams, KEY_LENGTH, SALT_LENGTH } from "./envelope.js";
import { IntegrityError, StoreFormatError } from "./errors.js";
import { FILE_MODE } from "./permissions.js";
import type { ScryptParams } from "./records.js";

export const HEADER_FILE = "SOFTKEY";
const HEADER_TEMP = `${HEADER_FILE}.tmp`;
export const HEADER_VERSION = 2;
/** The state's additional data: it opens only as this file's state. */
const STATE_AAD = "SOFTKEY!state";

export interface Unlock {
  scrypt: ScryptParams;
  salt: Uint8Array;
  /** The data key sealed under the passphrase-derived key (envelope.ts wrapDataKey). */
  wrappedDataKey: Uint8Array;
}

export interface HeaderState {
  /** The store's generation when it was last closed cleanly (generation.ts). */
  generation: number;
}

export interface Header extends Unlock {
  /** The sealed HeaderState; opened with the data key once the passphrase has unwrapped it. */
  sealedState: Uint8Array;
}

/** The header, or undefined when the store has none (a store written by softkey 0.1.0, before it existed). */
export async function readHeader(dir: string): Promise<Header | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path.join(dir, HEADER_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return decodeHeader(dir, bytes);
}

function decodeHeader(dir: string, bytes: Uint8Array): Header {
  const bad = (why: string, cause?: unknown) => new StoreFormatError(dir, `the store header ${HEADER_FILE} ${why}`, { cause });
  let value: unknown;
  try {
    value = decodeValue(new Uint8Array(bytes));
  } catch (error) {
    throw bad("is not valid CBOR", error);
  }
  if (typeof value !== "object" || value === null) throw bad("is not a map");
  const { version, kdf, scrypt, salt, wrappedDataKey, state } = value as Record<string, unknown>;
  if (version !== HEADER_VERSION) throw bad(`has version ${String(version)} (this softkey reads version ${HEADER_VERSION})`);
  if (kdf !== "scrypt") throw bad(`names an unsupported key derivation ${String(kdf)}`);
  if (typeof scrypt !== "object" || scrypt === null) throw bad("has no scrypt parameters");
  const { N, r, p } = scrypt as Partial<ScryptParams>;
  const params = { N, r, p } as ScryptParams;
  try {
    validateScryptParams(params);
  } catch (error) {
    throw bad(`has bad scrypt parameters: ${(error as Error).message}`, error);
  }
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH) throw bad("has a malformed salt");
  if (!(wrappedDataKey instanceof Uint8Array) || wrappedDataKey.length <= KEY_LENGTH) throw bad("has a malformed wrapped key");
  if (!(state instanceof Uint8Array)) throw bad("has no state");
  return { scrypt: params, salt, wrappedDataKey, sealedState: state };
}

/** The header's state, authenticated with the data key. */
export function openHeaderState(dataKey: KeyObject, header: Header): HeaderState {
  let value: unknown;
  try {
    value = decodeValue(unseal(dataKey, header.sealedState, STATE_AAD));
  } catch (error) {
    throw IntegrityError.forRecord(HEADER_FILE, `the state in the store header ${HEADER_FILE}`, error);
  }
  const generation = (value as Partial<HeaderState> | null)?.generation;
  if (!Number.isSafeInteger(generation) || generation! < 0) {
    throw IntegrityError.forRecord(HEADER_FILE, `the state in the store header ${HEADER_FILE}`, new Error("no generation in it"));
  }
  return { generation: generation! };
}

/** Write the header whole: a temporary file, synced, renamed over the old one, and the directory synced. */
export async function writeHeader(dir: string, dataKey: KeyObject, unlock: Unlock, state: HeaderState): Promise<void> {
  const bytes = encodeValue({
    version: HEADER_VERSION,
    kdf: "scrypt",
    scrypt: { N: unlock.scrypt.N, r: unlock.scrypt.r, p: unlock.scrypt.p },
    salt: unlock.salt,
    wrappedDataKey: unlock.wrappedDataKey,
    state: seal(dataKey, encodeValue({ generation: state.generation }), STATE_AAD),
  });
  const temp = path.join(dir, HEADER_TEMP);
  await unlink(temp).catch(() => undefined); // one a crash left behind
  const file = await open(temp, "wx", FILE_MODE);
  try {
    await file.chmod(FILE_MODE);
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path.join(dir, HEADER_FILE));
  await syncDirectory(dir);
}

/** fsync a directory, so a rename in it survives a power cut (POSIX; a no-op where directories cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
