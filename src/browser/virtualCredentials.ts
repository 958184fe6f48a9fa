/**
 * The credentials of one authenticator of the virtual-authenticator drop-in
 * (./virtualAuthenticator.ts), kept as Chrome's virtual device keeps them and reporting
 * what Chrome's DevTools WebAuthn domain reports about them (content/browser/webauth/
 * virtual_authenticator.cc, device/fido/virtual_fido_device.cc):
 *
 *  - added: a credential the page made (makeCredential, U2F register); not one put in
 *    with WebAuthn.addCredential;
 *  - asserted: a credential that signed an assertion, with its new counter;
 *  - deleted: removed by WebAuthn.removeCredential or clearCredentials, or by a signal;
 *  - updated: new user details from PublicKeyCredential.signalCurrentUserDetails.
 *
 * The signals act as Chrome's virtual authenticator acts on them (no password manager
 * behind it to hide a credential): signalUnknownCredential deletes the credential,
 * signalAllAcceptedCredentials deletes the user's credentials it leaves out, and
 * signalCurrentUserDetails renames every credential of the user.
 */
import { MemoryStore } from "../authenticator/memoryStore.js";
import type { CredentialRecord } from "../authenticator/store.js";
import { bytesEqual } from "../bytes/equal.js";
import type { CredentialProvider, ProviderAccount } from "../client/provider.js";

/** What a virtual authenticator's credentials tell the drop-in; the record is as stored. */
export interface VirtualCredentialListener {
  added(record: CredentialRecord, signCount: number): void;
  asserted(record: CredentialRecord, signCount: number): void;
  updated(record: CredentialRecord, signCount: number): void;
  deleted(credentialId: Uint8Array): void;
}

/** The store, telling its listener what Chrome's virtual authenticator sends events for (getCredentials reads `signCount`). */
export class VirtualCredentialStore extends MemoryStore {
  constructor(private readonly listener: VirtualCredentialListener) {
    super();
  }

  /** `newId` marks a credential the device itself just made: the page's, not WebAuthn.addCredential's. */
  override async putCredential(record: CredentialRecord, initialSignCount = 0, options?: { newId?: boolean }): Promise<void> {
    await super.putCredential(record, initialSignCount);
    if (options?.newId) this.listener.added(record, initialSignCount);
  }

  override async nextSignCount(credentialId: Uint8Array): Promise<number> {
    const next = await super.nextSignCount(credentialId);
    // Only an assertion asks for the next count (src/authenticator/signCount.ts), after presence, UV and
    // extensions and right before its authenticator data is signed: the event names an assertion being made.
    const record = await this.findCredential(credentialId);
    if (record) this.listener.asserted(record, next);
    return next;
  }

  override async updateCredential(record: CredentialRecord): Promise<void> {
    await super.updateCredential(record);
    this.listener.updated(record, this.signCount(record.id));
  }

  /** WebAuthn.setCredentialProperties: Chrome changes the flags without an event. */
  async setBackupFlags(record: CredentialRecord, flags: { backupEligible?: boolean; backupState?: boolean }): Promise<void> {
    await super.updateCredential({ ...record, ...flags });
  }

  override async deleteCredential(credentialId: Uint8Array): Promise<boolean> {
    const deleted = await super.deleteCredential(credentialId);
    if (deleted) this.listener.deleted(credentialId);
    return deleted;
  }
}

/** The store as the credential provider the client hands the page's signals to (src/client/signals.ts). */
export function virtualCredentialProvider(store: VirtualCredentialStore): CredentialProvider {
  /** Chrome matches a user's credentials by RP ID and user handle, discoverable or not. */
  const credentialsOf = async (rpId: string, userId?: Uint8Array): Promise<CredentialRecord[]> => {
    const { credentials } = await store.scanCredentials();
    return credentials.filter((r) => r.rpId === rpId && r.user && (!userId || bytesEqual(r.user.id, userId)));
  };
  return {
    async accounts(rpId: string): Promise<ProviderAccount[]> {
      return (await credentialsOf(rpId))
        .filter((r) => r.discoverable)
        .map((r) => ({
          credentialId: r.id,
          userHandle: r.user!.id,
          ...(r.user!.name !== undefined ? { userName: r.user!.name } : {}),
          ...(r.user!.displayName !== undefined ? { userDisplayName: r.user!.displayName } : {}),
        }));
    },
    async unknownCredential({ rpId, credentialId }): Promise<void> {
      const record = await store.findCredential(credentialId);
      if (record && record.rpId === rpId) await store.deleteCredential(record.id);
    },
    async allAcceptedCredentials({ rpId, userId, allAcceptedCredentialIds }): Promise<void> {
      for (const record of await credentialsOf(rpId, userId)) {
        if (!allAcceptedCredentialIds.some((id) => bytesEqual(id, record.id))) await store.deleteCredential(record.id);
      }
    },
    async currentUserDetails({ rpId, userId, name, displayName }): Promise<void> {
      for (const record of await credentialsOf(rpId, userId)) await store.updateCredential({ ...record, user: { ...record.user!, name, displayName } });
    },
  };
}
