/**
 * The platform's side of hmac-secret (CTAP 2.1 section 12.5) and
 * hmac-secret-mc (CTAP 2.2 section 12.7): one or two 32-byte salts go to the
 * authenticator encrypted under a fresh PIN/UV auth protocol shared secret,
 * with saltAuth proving they came from the holder of that secret; the
 * HMAC outputs come back encrypted under the same secret. This is the
 * plumbing of the client extensions built on it (prf, hmacCreateSecret).
 */
import type { CommandName } from "../../ctap/commands.js";
import { HmacSecretInput } from "../../ctap/messages/hmacSecret.js";
import type { CborMap } from "../../ctap/cbor.js";
import type { CtapTransport } from "../../ctap/transport.js";
import type { AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { malformed, type CallOptions } from "../ctap/command.js";
import {
  choosePinUvAuthProtocol,
  decryptFromAuthenticator,
  establishSharedSecret,
  type PinUvAuthProtocolVersion,
  type SharedSecret,
} from "../pin/keyAgreement.js";

const SALT_LENGTH = 32;

export interface HmacSecretRequest {
  /** The extension input map. */
  input: CborMap;
  /** Kept to decrypt the output. */
  shared: SharedSecret;
  /** How many salts were sent (1 or 2). */
  saltCount: number;
}

export interface HmacSecretOutputs {
  first: Uint8Array;
  second?: Uint8Array;
}

/** The PIN/UV auth protocol to speak hmac-secret in, or undefined when the authenticator has no hmac-secret. */
export function hmacSecretProtocol(info: AuthenticatorInfo): PinUvAuthProtocolVersion | undefined {
  return info.extensions.includes("hmac-secret") ? choosePinUvAuthProtocol(info) : undefined;
}

/** Salts → the hmac-secret (or hmac-secret-mc) input map, with a fresh key agreement. */
export async function hmacSecretInput(
  transport: CtapTransport,
  version: PinUvAuthProtocolVersion,
  salts: { first: Uint8Array; second?: Uint8Array },
  call?: CallOptions,
): Promise<HmacSecretRequest> {
  const saltCount = salts.second ? 2 : 1;
  const plain = new Uint8Array(SALT_LENGTH * saltCount);
  plain.set(salts.first, 0);
  if (salts.second) plain.set(salts.second, SALT_LENGTH);
  const shared = await establishSharedSecret(transport, version, call);
  const saltEnc = shared.protocol.encrypt(shared.secret, plain);
  const saltAuth = shared.protocol.authenticate(shared.secret, saltEnc);
  const input = HmacSecretInput.encodeMap({ keyAgreement: shared.platformKey, saltEnc, saltAuth, pinUvAuthProtocol: version }) as CborMap;
  return { input, shared, saltCount };
}

/** Decrypt the authenticator's output into one or two 32-byte results. */
export function hmacSecretOutputs(
  request: HmacSecretRequest,
  output: unknown,
  command: CommandName,
): HmacSecretOutputs {
  if (!(output instanceof Uint8Array)) throw malformed(command, "the hmac-secret output must be a byte string");
  const plain = decryptFromAuthenticator(request.shared, output, "the hmac-secret output", command);
  if (plain.length !== SALT_LENGTH * request.saltCount) {
    throw malformed(command, `the hmac-secret output is ${plain.length} bytes for ${request.saltCount} salt(s)`);
  }
  return {
    first: plain.slice(0, SALT_LENGTH),
    ...(request.saltCount === 2 ? { second: plain.slice(SALT_LENGTH) } : {}),
  };
}
