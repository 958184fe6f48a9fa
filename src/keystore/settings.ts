/**
 * Named settings (PIN state, configuration, large blobs): one sealed `s!<name>`
 * record each, with the decrypted values cached, since the core may read its
 * configuration on every request.
 */
import { decodeValue, encodeValue } from "./codec.js";
import { seal } from "./envelope.js";
import { IntegrityError } from "./errors.js";
import { settingKey } from "./keys.js";
import { unsealValue } from "./sealedValue.js";
import { assertOpen, type KeystoreState } from "./state.js";

export class Settings {
  /** Decrypted settings by key; undefined for a setting known to be absent. */
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly state: KeystoreState) {}

  async get<T>(name: string): Promise<T | undefined> {
    assertOpen(this.state);
    const key = settingKey(name);
    // Copies out, so a caller editing the value it got does not edit the cache.
    if (this.cache.has(key)) return structuredClone(this.cache.get(key)) as T;
    const generation = this.state.cacheGeneration;
    const sealed = await this.state.db.get(key);
    // Absence is cached too: the core asks for settings (PIN state) on every request.
    const value = sealed === undefined ? undefined : unsealValue(this.state.dataKey, key, sealed, (cause) => IntegrityError.forRecord(key, `setting "${name}"`, cause));
    if (generation === this.state.cacheGeneration) this.cache.set(key, value);
    return structuredClone(value) as T | undefined;
  }

  async put(name: string, value: unknown): Promise<void> {
    assertOpen(this.state);
    if (value === undefined) throw new TypeError(`setting "${name}": use deleteSetting to remove a value`);
    const key = settingKey(name);
    const plaintext = encodeValue(value);
    const sealed = seal(this.state.dataKey, plaintext, key);
    await this.state.db.put(key, sealed);
    this.state.cacheGeneration++;
    this.cache.set(key, decodeValue(plaintext)); // what a read from disk would give
  }

  async delete(name: string): Promise<void> {
    assertOpen(this.state);
    const key = settingKey(name);
    await this.state.db.del(key);
    this.state.cacheGeneration++;
    this.cache.delete(key);
  }

  /**
   * After a reset, meant to drop the cached settings that were not kept (`kept` holds database keys).
   * The cache is keyed by database key too, so settingKey(name) below never matches and every cached
   * setting goes, kept ones included; those are re-read from disk, where the reset left them unchanged.
   */
  forgetAfterReset(kept: ReadonlySet<string>): void {
    for (const name of [...this.cache.keys()]) if (!kept.has(settingKey(name))) this.cache.delete(name);
  }

  clear(): void {
    this.cache.clear();
  }
}
