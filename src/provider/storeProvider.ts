/**
 * A Softkey's store as a credential provider (src/client/provider.ts): the
 * account list immediate and conditional mediation offer, and the signal
 * methods' authenticator actions (WebAuthn L3 section 5.1.10, "Signal Credential Changes to
 * the Authenticator") done as a password manager does them:
 *
 *  - unknownCredentialId: the credential is hidden, not deleted, so a
 *    mistaken signal can be undone (Google Password Manager hides too);
 *  - allAcceptedCredentialIds: the user's discoverable credentials of the RP
 *    that the list leaves out are hidden, those it names that were hidden
 *    come back;
 *  - currentUserDetails: the user's discoverable credentials of the RP take
 *    the new name and display name.
 *
 * Every change is an event on the Softkey; nothing is ever told the caller.
 */
import type { CredentialRecord, CredentialStore } from "../authenticator/store.js";
import { bytesEqual } from "../bytes/equal.js";
import type {
  AllAcceptedCredentialsSignal,
  CredentialProvider,
  CurrentUserDetailsSignal,
  ProviderAccount,
  UnknownCredentialSignal,
} from "../client/provider.js";
import type { ProviderEvents } from "../softkeyEvents.js";

export type ProviderNotify = <K extends keyof ProviderEvents>(name: K, event: ProviderEvents[K]) => void;

export function storeProvider(store: CredentialStore, rpIdHash: (rpId: string) => Uint8Array, notify: ProviderNotify): CredentialProvider {
  /** The RP's discoverable credentials of one user (the spec's credentials map entry), hidden ones included. */
  const credentialsOf = async (rpId: string, userId?: Uint8Array): Promise<CredentialRecord[]> => {
    const { credentials } = await store.scanCredentials(rpIdHash(rpId));
    return credentials.filter((r) => r.rpId === rpId && r.discoverable && r.user && (!userId || bytesEqual(r.user.id, userId)));
  };
  const setHidden = async (record: CredentialRecord, hidden: boolean, reason: HiddenReason): Promise<void> => {
    if ((record.hidden ?? false) === hidden) return;
    await store.updateCredential({ ...record, hidden });
    const credentialId = Buffer.from(record.id).toString("base64url");
    if (hidden) notify("credentialHidden", { credentialId, rpId: record.rpId, reason });
    else notify("credentialRestored", { credentialId, rpId: record.rpId, reason });
  };

  return {
    async accounts(rpId: string): Promise<ProviderAccount[]> {
      const visible = (await credentialsOf(rpId)).filter((r) => !r.hidden).sort((a, b) => b.createdAt - a.createdAt);
      return visible.map((r) => ({
        credentialId: r.id,
        userHandle: r.user!.id,
        ...(r.user!.name !== undefined ? { userName: r.user!.name } : {}),
        ...(r.user!.displayName !== undefined ? { userDisplayName: r.user!.displayName } : {}),
      }));
    },

    async unknownCredential({ rpId, credentialId }: UnknownCredentialSignal): Promise<void> {
      notify("signalReceived", { signal: "signalUnknownCredential", rpId });
      const record = await store.findCredential(credentialId);
      if (record && record.rpId === rpId) await setHidden(record, true, "signalUnknownCredential");
    },

    async allAcceptedCredentials({ rpId, userId, allAcceptedCredentialIds }: AllAcceptedCredentialsSignal): Promise<void> {
      notify("signalReceived", { signal: "signalAllAcceptedCredentials", rpId });
      for (const record of await credentialsOf(rpId, userId)) {
        const accepted = allAcceptedCredentialIds.some((id) => bytesEqual(id, record.id));
        await setHidden(record, !accepted, "signalAllAcceptedCredentials");
      }
    },

    async currentUserDetails({ rpId, userId, name, displayName }: CurrentUserDetailsSignal): Promise<void> {
      notify("signalReceived", { signal: "signalCurrentUserDetails", rpId });
      for (const record of await credentialsOf(rpId, userId)) {
        if (record.user!.name === name && record.user!.displayName === displayName) continue;
        await store.updateCredential({ ...record, user: { ...record.user!, name, displayName } });
        notify("userDetailsUpdated", { credentialId: Buffer.from(record.id).toString("base64url"), rpId, userName: name, userDisplayName: displayName });
      }
    },
  };
}

type HiddenReason = "signalUnknownCredential" | "signalAllAcceptedCredentials";
