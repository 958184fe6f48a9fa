/**
 * The attachment's events for a page's ceremony that succeeded, built from
 * what the page asked and what it got back, with the page and frame it came
 * from (the Softkey's own events know neither).
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "../client/index.js";
import type { CeremonySource, CredentialAssertedEvent, CredentialCreatedEvent } from "./events.js";

/** The RP ID a ceremony is for: the one the options name, else the origin's host. */
export function rpIdFor(named: string | undefined, origin: string): string {
  return named ?? new URL(origin).hostname;
}

export function credentialCreatedEvent<P, F>(
  ceremony: CeremonySource<P, F>,
  options: PublicKeyCredentialCreationOptionsJSON,
  credential: RegistrationResponseJSON,
): CredentialCreatedEvent<P, F> {
  const rk = credential.clientExtensionResults.credProps?.rk;
  return {
    ...ceremony,
    credentialId: credential.id,
    rpId: rpIdFor(options.rp.id, ceremony.origin),
    userName: options.user.name,
    userDisplayName: options.user.displayName,
    userHandle: options.user.id,
    ...(rk === undefined ? {} : { discoverable: rk }),
    response: credential,
  };
}

export function credentialAssertedEvent<P, F>(
  ceremony: CeremonySource<P, F>,
  options: PublicKeyCredentialRequestOptionsJSON,
  credential: AuthenticationResponseJSON,
  conditional: boolean,
): CredentialAssertedEvent<P, F> {
  return {
    ...ceremony,
    credentialId: credential.id,
    rpId: rpIdFor(options.rpId, ceremony.origin),
    ...(credential.response.userHandle === undefined ? {} : { userHandle: credential.response.userHandle }),
    conditional,
    response: credential,
  };
}
