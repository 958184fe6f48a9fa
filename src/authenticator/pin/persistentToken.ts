/**
 * The persistent pinUvAuthToken (CTAP 2.2 section 6.5.5.7.2 step 12 and
 * 6.5.5.7.3 step 11, as webauthn4j-ctap quotes CTAP 2.3's text) and what it
 * unlocks: a token that only ever carries the pcmr permission (read-only
 * credential management), kept in the store so it outlives a power cycle, and
 * replaced by a PIN change (resetPersistentPinUvAuthToken, changePIN step 20)
 * and by authenticatorReset.
 *
 * It is also the key to getInfo's encrypted members (encIdentifier, CTAP 2.2;
 * encCredStoreState, CTAP 2.3): iv || AES-128-CBC(key, iv, value) with
 * key = HKDF-SHA-256(salt = 32 zero bytes, IKM = the persistent token, L = 16,
 * info = the member's name), the construction python-fido2 2.x decrypts
 * (Info.get_identifier, get_cred_store_state). A fresh IV each time, so the
 * member itself tracks nobody; only a platform holding the token learns the
 * 16-byte value behind it.
 *
 * These values come from node:crypto, not ctx.randomBytes: they are no part of
 * a ceremony, and drawing them must not shift deterministic mode's stream.
 */
import { createCipheriv, hkdfSync, randomBytes, type Cipher } from "node:crypto";
import type { AuthenticatorContext } from "../context.js";
import type { PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";
import { Setting } from "../settings.js";
import { publicRandomBytes } from "../../bytes/random.js";

interface StoredPersistentToken {
  /** 32 random bytes, handed out encrypted under the platform's shared secret. */
  value: Uint8Array;
  /** Whether pcmr was assigned to it (step 12.1); until then it authenticates nothing. */
  pcmr: boolean;
  /** The device identifier behind encIdentifier: stable until a reset. */
  identifier: Uint8Array;
  /** The credential store state behind encCredStoreState: new on every change to discoverable credentials. */
  credStoreState: Uint8Array;
}

const SETTING = Setting.persistentPinUvAuthToken.name;

async function load(ctx: AuthenticatorContext): Promise<StoredPersistentToken> {
  const stored = await ctx.store.getSetting<StoredPersistentToken>(SETTING);
  if (stored) return stored;
  const fresh = { value: random(32), pcmr: false, identifier: random(16), credStoreState: random(16) };
  await ctx.store.putSetting(SETTING, fresh);
  return fresh;
}

/** Steps 12.1-12.2: pcmr assigned, and the token (the same one until a PIN change or reset) handed out. */
export async function grantPersistentToken(ctx: AuthenticatorContext): Promise<Uint8Array> {
  const stored = await load(ctx);
  if (!stored.pcmr) await ctx.store.putSetting(SETTING, { ...stored, pcmr: true });
  return stored.value;
}

/** resetPersistentPinUvAuthToken(): a new value, no permission; the device identifier stays. */
export async function resetPersistentToken(ctx: AuthenticatorContext): Promise<void> {
  const stored = await ctx.store.getSetting<StoredPersistentToken>(SETTING);
  if (!stored) return;
  await ctx.store.putSetting(SETTING, { ...stored, value: random(32), pcmr: false });
}

/** Whether pinUvAuthParam is authenticate(persistent token, message) under `protocol`, for a token holding pcmr. */
export async function persistentTokenAuthenticates(
  ctx: AuthenticatorContext,
  protocol: PinUvAuthProtocol,
  message: Uint8Array,
  pinUvAuthParam: Uint8Array,
): Promise<boolean> {
  const stored = await ctx.store.getSetting<StoredPersistentToken>(SETTING);
  return stored !== undefined && stored.pcmr && protocol.verify(stored.value, message, pinUvAuthParam);
}

/** A change to the discoverable credentials (made, deleted, updated): encCredStoreState changes with it. */
export async function credentialStoreChanged(ctx: AuthenticatorContext): Promise<void> {
  const stored = await ctx.store.getSetting<StoredPersistentToken>(SETTING);
  // No token was ever made: no platform can hold a state to compare with.
  if (!stored) return;
  await ctx.store.putSetting(SETTING, { ...stored, credStoreState: random(16) });
}

export type EncryptedMember = "encIdentifier" | "encCredStoreState";

/** getInfo's encIdentifier or encCredStoreState: iv || AES-128-CBC(HKDF(token, member name), iv, value). */
export async function encryptedMember(ctx: AuthenticatorContext, member: EncryptedMember): Promise<Uint8Array> {
  const stored = await load(ctx);
  const iv = publicRandomBytes(16); // public once sent: the pool's draw, not an OpenSSL call per getInfo
  const plaintext = member === "encIdentifier" ? stored.identifier : stored.credStoreState;
  // Both values are one AES block, and CBC over one block is the block cipher on (value XOR iv):
  // a cipher kept per key, instead of a new CBC cipher per getInfo (which runs before every ceremony).
  const block = new Uint8Array(16);
  for (let i = 0; i < 16; i++) block[i] = plaintext[i]! ^ iv[i]!;
  const out = new Uint8Array(32);
  out.set(iv, 0);
  out.set(blockCipher(stored.value, member).update(block), 16);
  return out;
}

function random(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

/** AES-128 under the HKDF of the last token seen, per member: getInfo runs before every ceremony, the token rarely changes. */
let derived: { token: string; ciphers: Map<EncryptedMember, Cipher> } | undefined;

function blockCipher(token: Uint8Array, member: EncryptedMember): Cipher {
  const hex = Buffer.from(token).toString("hex");
  if (derived?.token !== hex) derived = { token: hex, ciphers: new Map() };
  let cipher = derived.ciphers.get(member);
  if (!cipher) {
    const key = Buffer.from(hkdfSync("sha256", token, new Uint8Array(32), member, 16));
    // ECB on whole blocks, never finalised: each update() is one independent block encryption.
    derived.ciphers.set(member, (cipher = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false)));
  }
  return cipher;
}
