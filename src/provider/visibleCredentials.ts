/**
 * The credentials the authenticator core may see: the store, minus those
 * the credential provider hid after a signal (CredentialRecord.hidden). A
 * hidden credential is not found by getAssertion, U2F_AUTHENTICATE,
 * excludeList checks or credential management, as a password manager's
 * hidden passkey is offered nowhere; it still takes its place, and comes
 * back when signalAllAcceptedCredentials lists it again. Everything else
 * passes straight through.
 */
import type { CredentialRecord, CredentialScan, CredentialStore } from "../authenticator/store.js";

export function visibleCredentials(store: CredentialStore): CredentialStore {
  const visible = (record: CredentialRecord | undefined) => (record?.hidden ? undefined : record);
  return {
    putCredential: (record, initialSignCount, options) => store.putCredential(record, initialSignCount, options),
    getCredential: async (rpIdHash, credentialId) => visible(await store.getCredential(rpIdHash, credentialId)),
    findCredential: async (credentialId) => visible(await store.findCredential(credentialId)),
    scanCredentials: async (rpIdHash): Promise<CredentialScan> => {
      const scan = await store.scanCredentials(rpIdHash);
      return { ...scan, credentials: scan.credentials.filter((record) => !record.hidden) };
    },
    findDiscoverable: async (rpIdHash, userId) => visible(await store.findDiscoverable(rpIdHash, userId)),
    updateCredential: (record) => store.updateCredential(record),
    deleteCredential: (credentialId) => store.deleteCredential(credentialId),
    countCredentials: () => store.countCredentials(),
    nextSignCount: (credentialId) => store.nextSignCount(credentialId),
    nextDeviceCount: (name) => store.nextDeviceCount(name),
    resetAuthenticator: (options) => store.resetAuthenticator(options),
    getSetting: (name) => store.getSetting(name),
    putSetting: (name, value) => store.putSetting(name, value),
  };
}
