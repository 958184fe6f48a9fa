/**
 * The core's storage interface kept in memory: for tests of the core that are
 * not about persistence, and for throwaway keys. It keeps the interface's
 * promises (counters that never repeat, a reset that keeps the registry's
 * device settings, copies out so callers cannot edit what is stored), and
 * nothing survives the process.
 */
import { toHex } from "../bytes/hex.js";
import type { SettingName } from "./settings.js";
import type { CredentialRecord, CredentialScan, CredentialStore, DeviceCounterName } from "./store.js";

export class MemoryStore implements CredentialStore {
  /** By credential ID (hex); the RP is in the record. */
  private readonly credentials = new Map<string, CredentialRecord>();
  private readonly signCounts = new Map<string, number>();
  private readonly deviceCounts = new Map<DeviceCounterName, number>();
  private readonly settings = new Map<SettingName, unknown>();

  async putCredential(record: CredentialRecord, initialSignCount = 0): Promise<void> {
    const id = toHex(record.id);
    this.credentials.set(id, stored(record));
    this.signCounts.set(id, initialSignCount);
  }

  async getCredential(rpIdHash: Uint8Array, credentialId: Uint8Array): Promise<CredentialRecord | undefined> {
    const record = this.credentials.get(toHex(credentialId));
    return record && Buffer.compare(record.rpIdHash, rpIdHash) === 0 ? forCaller(record) : undefined;
  }

  async findCredential(credentialId: Uint8Array): Promise<CredentialRecord | undefined> {
    const record = this.credentials.get(toHex(credentialId));
    return record && forCaller(record);
  }

  async scanCredentials(rpIdHash?: Uint8Array): Promise<CredentialScan> {
    const credentials: CredentialRecord[] = [];
    for (const record of this.credentials.values()) {
      if (rpIdHash === undefined || Buffer.compare(record.rpIdHash, rpIdHash) === 0) credentials.push(forCaller(record));
    }
    return { credentials, corrupted: [] };
  }

  async findDiscoverable(rpIdHash: Uint8Array, userId: Uint8Array): Promise<CredentialRecord | undefined> {
    for (const record of this.credentials.values()) {
      if (record.discoverable && record.user && Buffer.compare(record.rpIdHash, rpIdHash) === 0 && Buffer.compare(record.user.id, userId) === 0) {
        return forCaller(record);
      }
    }
    return undefined;
  }

  async updateCredential(record: CredentialRecord): Promise<void> {
    const id = toHex(record.id);
    const existing = this.credentials.get(id);
    if (!existing || Buffer.compare(existing.rpIdHash, record.rpIdHash) !== 0) throw new Error(`no credential ${id} to update`);
    this.credentials.set(id, stored(record));
  }

  async deleteCredential(credentialId: Uint8Array): Promise<boolean> {
    const id = toHex(credentialId);
    this.signCounts.delete(id);
    return this.credentials.delete(id);
  }

  async countCredentials(): Promise<{ total: number; discoverable: number }> {
    let discoverable = 0;
    for (const record of this.credentials.values()) if (record.discoverable) discoverable++;
    return { total: this.credentials.size, discoverable };
  }

  async nextSignCount(credentialId: Uint8Array): Promise<number> {
    const id = toHex(credentialId);
    const current = this.signCounts.get(id);
    if (current === undefined) throw new Error(`no credential ${id}`);
    this.signCounts.set(id, current + 1);
    return current + 1;
  }

  /** A credential's signature counter as it stands (0 for one it does not hold). */
  signCount(credentialId: Uint8Array): number {
    return this.signCounts.get(toHex(credentialId)) ?? 0;
  }

  async nextDeviceCount(name: DeviceCounterName): Promise<number> {
    const next = (this.deviceCounts.get(name) ?? 0) + 1;
    this.deviceCounts.set(name, next);
    return next;
  }

  async resetAuthenticator(options: { keep?: readonly SettingName[] } = {}): Promise<void> {
    this.credentials.clear();
    this.signCounts.clear();
    this.deviceCounts.clear();
    for (const name of [...this.settings.keys()]) if (!options.keep?.includes(name)) this.settings.delete(name);
  }

  async getSetting<T>(name: SettingName): Promise<T | undefined> {
    return structuredClone(this.settings.get(name)) as T | undefined;
  }

  async putSetting(name: SettingName, value: unknown): Promise<void> {
    this.settings.set(name, structuredClone(value));
  }
}

/** What is stored shares nothing with the caller's object. */
function stored(record: CredentialRecord): CredentialRecord {
  return structuredClone(record);
}

/**
 * Records handed out are shallow copies, as the keystore's are: byte arrays are shared with
 * what is stored (read-only), which is what lets the core cache parsed keys by them.
 */
function forCaller(record: CredentialRecord): CredentialRecord {
  const copy = { ...record };
  if (record.user !== undefined) copy.user = { ...record.user };
  return copy;
}
