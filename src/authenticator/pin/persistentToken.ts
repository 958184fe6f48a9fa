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
import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { AuthenticatorContext } from "../context.js";
import type { PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";
import { Setting } from "../settings.js";

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
  const key = memberKey(stored.value, member);
  const iv = random(16);
  const cipher = createCipheriv("aes-128-cbc", key, iv).setAutoPadding(false);
  const plaintext = member === "encIdentifier" ? stored.identifier : stored.credStoreState;
  const out = new Uint8Array(32);
  out.set(iv, 0);
  out.set(Buffer.concat([cipher.update(plaintext), cipher.final()]), 16);
  return out;
}

function random(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

/** The HKDF of the last token seen, per member: getInfo runs before every ceremony, the token rarely changes. */
let derived: { token: string; keys: Map<EncryptedMember, Buffer> } | undefined;

function memberKey(token: Uint8Array, member: EncryptedMember): Buffer {
  const hex = Buffer.from(token).toString("hex");
  if (derived?.token !== hex) derived = { token: hex, keys: new Map() };
  let key = derived.keys.get(member);
  if (!key) derived.keys.set(member, (key = Buffer.from(hkdfSync("sha256", token, new Uint8Array(32), member, 16))));
  return key;
}
