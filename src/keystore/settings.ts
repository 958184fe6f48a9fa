/**
 * Named settings (PIN state, configuration, large blobs): one sealed `s!<name>` record each, with
 * the decrypted values cached, since the core may read its configuration on every request.
 *
 * Each record is sealed under its own key, which stops edits and swaps but not a deleted record (a
 * deleted PIN state reads as "no PIN") or an older copy put back (more PIN retries). So the set of
 * settings is bound together by a sealed manifest (`settings`: each name with a digest of its
 * sealed value), written in the same batch as every setting write: a setting the manifest names
 * that is missing, one it does not name, or one whose digest differs is an integrity error.
 * Setting writes are synced (a PIN retry spent must stay spent through a power cut) and run one at
 * a time on their own lane.
 */
import { createHash } from "node:crypto";
import { decodeValue, encodeValue } from "./codec.js";
import type { BatchOp } from "./database.js";
import { seal } from "./envelope.js";
import { IntegrityError } from "./errors.js";
import { commit } from "./generation.js";
import { SETTINGS_MANIFEST_KEY, settingKey } from "./keys.js";
import { sealValue, unsealValue } from "./sealedValue.js";
import { assertOpen, type KeystoreState } from "./state.js";

/** name -> the first 16 bytes of SHA-256 over the setting's sealed value. */
export type SettingsManifest = Record<string, Uint8Array>;

/** Lane of setting writes: not hex, so never a credential's. */
const SETTINGS_LANE = "settings";

export function settingDigest(sealed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(sealed).digest().subarray(0, 16));
}

/** The manifest record's op. */
export function manifestOp(state: KeystoreState, manifest: SettingsManifest): BatchOp {
  return { type: "put", key: SETTINGS_MANIFEST_KEY, value: sealValue(state.dataKey, SETTINGS_MANIFEST_KEY, manifest) };
}

export class Settings {
  /** Decrypted settings by key; undefined for a setting known to be absent. */
  private readonly cache = new Map<string, unknown>();
  private manifest: SettingsManifest | undefined;

  constructor(private readonly state: KeystoreState) {}

  async get<T>(name: string): Promise<T | undefined> {
    assertOpen(this.state);
    const key = settingKey(name);
    // Copies out, so a caller editing the value it got does not edit the cache.
    if (this.cache.has(key)) return structuredClone(this.cache.get(key)) as T;
    // On the settings lane: a write between reading the manifest and reading the record would look like tampering.
    const value = await this.state.queue.run(SETTINGS_LANE, async () => {
      if (this.cache.has(key)) return this.cache.get(key);
      const generation = this.state.cacheGeneration;
      const manifest = await this.readManifest();
      const read = this.openSetting(name, key, await this.state.db.get(key), manifest);
      // Absence is cached too: the core asks for settings (PIN state) on every request.
      if (generation === this.state.cacheGeneration) this.cache.set(key, read);
      return read;
    });
    return structuredClone(value) as T | undefined;
  }

  async put(name: string, value: unknown): Promise<void> {
    assertOpen(this.state);
    if (value === undefined) throw new TypeError(`setting "${name}": use deleteSetting to remove a value`);
    const key = settingKey(name);
    const plaintext = encodeValue(value);
    const sealed = seal(this.state.dataKey, plaintext, key);
    return this.state.queue.run(SETTINGS_LANE, async () => {
      const manifest = { ...(await this.readManifest()), [name]: settingDigest(sealed) };
      await commit(this.state, [{ type: "put", key, value: sealed }, manifestOp(this.state, manifest)], { sync: true });
      this.manifest = manifest;
      this.state.cacheGeneration++;
      this.cache.set(key, decodeValue(plaintext)); // what a read from disk would give
    });
  }

  async delete(name: string): Promise<void> {
    assertOpen(this.state);
    const key = settingKey(name);
    return this.state.queue.run(SETTINGS_LANE, async () => {
      const manifest = { ...(await this.readManifest()) };
      delete manifest[name];
      await commit(this.state, [{ type: "del", key }, manifestOp(this.state, manifest)], { sync: true });
      this.manifest = manifest;
      this.state.cacheGeneration++;
      this.cache.delete(key);
    });
  }

  /** The manifest a reset leaves: the kept settings' entries (call inside the reset's exclusive section). */
  async manifestAfterReset(keptNames: readonly string[]): Promise<SettingsManifest> {
    const manifest = await this.readManifest();
    return Object.fromEntries(Object.entries(manifest).filter(([name]) => keptNames.includes(name)));
  }

  /** After a reset or a close: forget every cached setting and the manifest; they are read again from disk. */
  clear(): void {
    this.cache.clear();
    this.manifest = undefined;
  }

  private async readManifest(): Promise<SettingsManifest> {
    if (this.manifest !== undefined) return this.manifest;
    const sealed = await this.state.db.get(SETTINGS_MANIFEST_KEY);
    const fail = (why: string, cause?: unknown) => IntegrityError.forRecord(SETTINGS_MANIFEST_KEY, `the settings manifest (${why})`, cause);
    if (sealed === undefined) throw fail("it is missing: settings may have been deleted");
    const value = unsealValue(this.state.dataKey, SETTINGS_MANIFEST_KEY, sealed, (cause) => fail("it does not open", cause));
    if (typeof value !== "object" || value === null || Object.values(value).some((d) => !(d instanceof Uint8Array) || d.length !== 16)) {
      throw fail("it is malformed");
    }
    this.manifest = value as SettingsManifest;
    return this.manifest;
  }

  /** The value of one setting as read from disk, checked against the manifest. */
  private openSetting(name: string, key: string, sealed: Uint8Array | undefined, manifest: SettingsManifest): unknown {
    const listed = Object.hasOwn(manifest, name) ? manifest[name] : undefined;
    const fail = (why: string, cause?: unknown) => IntegrityError.forRecord(key, `setting "${name}" (${why})`, cause);
    if (sealed === undefined) {
      if (listed !== undefined) throw fail("it was deleted from the store");
      return undefined;
    }
    if (listed === undefined) throw fail("the store never wrote it: a deleted value put back?");
    if (!Buffer.from(listed).equals(settingDigest(sealed))) throw fail("it is not the value last written: an older copy put back?");
    return unsealValue(this.state.dataKey, key, sealed, (cause) => fail("it does not open", cause));
  }
}
