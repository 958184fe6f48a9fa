/**
 * The account chooser. When a sign-in finds several discoverable
 * credentials, a browser lists them (Chrome lists the most recent first,
 * which is the order CTAP 2.2 section 6.2.2 has the authenticator return
 * them in) and the user picks one. A test picks by `account` (credential
 * ID, user name, user handle: every field given must match) or with a
 * `selectCredential` function; without either the first, most recent, one
 * answers.
 */
import { fromBase64Url, isBase64Url, toBase64Url } from "../bytes/base64url.js";
import { bytesEqual } from "../bytes/equal.js";
import type { GetAssertionResponse } from "./ctap/authenticatorGetAssertion.js";
import { malformed } from "./ctap/command.js";
import { WebAuthnError } from "./errors.js";
import type { CredentialDescriptor } from "./optionsJSON.js";

/** Which account answers; all fields given must match. */
export interface AccountSelector {
  /** base64url credential ID. */
  credentialId?: string;
  userName?: string;
  /** base64url user handle (user.id at registration). */
  userHandle?: string;
}

/** One discoverable credential offered to the account chooser. */
export interface CredentialCandidate {
  /** base64url credential ID. */
  credentialId: string;
  /** base64url user handle. */
  userHandle: string;
  userName?: string;
  userDisplayName?: string;
}

/** Picks one of several discoverable credentials; returns its index. Throwing cancels (NotAllowedError). */
export type SelectCredential = (candidates: readonly CredentialCandidate[]) => number | Promise<number>;

/** Checks a selector's shape (it comes from a CLI flag, an HTTP body, a test). */
export function parseAccountSelector(value: unknown): AccountSelector | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new WebAuthnError("TypeError", "account must be an object");
  const selector: AccountSelector = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (key !== "credentialId" && key !== "userName" && key !== "userHandle") {
      throw new WebAuthnError("TypeError", `account.${key} is not a selector (credentialId, userName, userHandle)`);
    }
    if (typeof field !== "string" || field === "") throw new WebAuthnError("TypeError", `account.${key} must be a non-empty string`);
    if (key !== "userName" && !isBase64Url(field)) throw new WebAuthnError("EncodingError", `account.${key} must be base64url`);
    selector[key] = field;
  }
  return Object.keys(selector).length > 0 ? selector : undefined;
}

/**
 * With an allowList, the one credential the selector names is all that is
 * asked for, so the authenticator signs with it; a selector that names none
 * of allowCredentials fails at once.
 */
export function narrowAllowList(allowList: CredentialDescriptor[], account: AccountSelector | undefined): CredentialDescriptor[] {
  if (!account?.credentialId || allowList.length === 0) return allowList;
  const id = fromBase64Url(account.credentialId);
  const chosen = allowList.filter((d) => bytesEqual(d.id, id));
  if (chosen.length === 0) throw noAccount(`credential ${account.credentialId} is not in allowCredentials`);
  return chosen;
}

/** The assertion the user (or the test) picks among those the authenticator returned, most recent first. */
export async function chooseAssertion(
  responses: GetAssertionResponse[],
  choice: { account?: AccountSelector; selectCredential?: SelectCredential },
): Promise<GetAssertionResponse> {
  const { account, selectCredential } = choice;
  // One the user already picked on the authenticator needs no chooser.
  if (responses[0]!.userSelected) return responses[0]!;
  if (account) {
    const matching = responses.filter((r) => matches(r, account));
    if (matching.length === 0) throw noAccount(`none of the ${responses.length} credential(s) found matches ${describe(account)}: ${listed(responses)}`);
    return matching[0]!;
  }
  if (responses.length === 1 || !selectCredential) return responses[0]!;
  const candidates = responses.map(candidateOf);
  let index: number;
  try {
    index = await selectCredential(candidates);
  } catch (cause) {
    throw new WebAuthnError("NotAllowedError", "credential selection was cancelled", { cause });
  }
  const picked = Number.isInteger(index) ? responses[index] : undefined;
  if (!picked) throw new WebAuthnError("NotAllowedError", `selectCredential returned ${index}, not an index below ${responses.length}`);
  return picked;
}

function matches(response: GetAssertionResponse, account: AccountSelector): boolean {
  const id = response.credential?.id;
  if (account.credentialId !== undefined && (!id || toBase64Url(id) !== account.credentialId)) return false;
  if (account.userHandle !== undefined && (!response.user || toBase64Url(response.user.id) !== account.userHandle)) return false;
  if (account.userName !== undefined && response.user?.name !== account.userName) return false;
  return true;
}

function candidateOf(r: GetAssertionResponse): CredentialCandidate {
  if (!r.credential || !r.user) throw malformed("authenticatorGetNextAssertion", "a discoverable assertion lacks its credential or user");
  return {
    credentialId: toBase64Url(r.credential.id),
    userHandle: toBase64Url(r.user.id),
    ...(r.user.name !== undefined ? { userName: r.user.name } : {}),
    ...(r.user.displayName !== undefined ? { userDisplayName: r.user.displayName } : {}),
  };
}

function describe(account: AccountSelector): string {
  return Object.entries(account)
    .map(([key, value]) => `${key} "${value as string}"`)
    .join(" and ");
}

function listed(responses: GetAssertionResponse[]): string {
  return responses
    .map((r) => `${r.user?.name ?? "(no user name)"} [${r.credential ? toBase64Url(r.credential.id) : "?"}]`)
    .join(", ");
}

function noAccount(why: string): WebAuthnError {
  return new WebAuthnError("NotAllowedError", `account choice: ${why}`);
}
