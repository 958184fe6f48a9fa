/**
 * The platform's half of a PIN/UV auth protocol (CTAP 2.1 sections 6.5.6
 * and 6.5.7): ask the authenticator for its key agreement key, make a fresh
 * ephemeral P-256 key pair of our own, and derive the shared secret.
 *
 * The protocol classes are the core's own (one implementation of the KDFs,
 * AES-CBC and HMAC for both sides); a new instance per operation gives the
 * platform its own ephemeral key, as the spec's encapsulate() does.
 */
import type { CborMap } from "../../ctap/cbor.js";
import { CtapError } from "../../ctap/status.js";
import { PinUvAuthProtocolOne, PinUvAuthProtocolTwo, type PinUvAuthProtocol } from "../../ctap/pinUvAuthProtocol.js";
import type { CommandName } from "../../ctap/commands.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { option, type AuthenticatorInfo } from "../ctap/authenticatorGetInfo.js";
import { ClientPinSubCommand } from "../../ctap/messages/clientPin.js";
import { authenticatorClientPin, required } from "../ctap/authenticatorClientPin.js";
import { malformed, type CallOptions } from "../ctap/command.js";

export type PinUvAuthProtocolVersion = 1 | 2;

/** A shared secret with the authenticator, and the platform key that the authenticator needs to derive it too. */
export interface SharedSecret {
  version: PinUvAuthProtocolVersion;
  /** The platform's instance of the protocol: encrypt/decrypt/authenticate. */
  protocol: PinUvAuthProtocol;
  secret: Uint8Array;
  /** The platform's COSE_Key, sent as keyAgreement. */
  platformKey: CborMap;
}

/**
 * The protocol to use: two when the authenticator offers it, else one, as
 * Chrome does (it takes the highest it knows). CTAP 2.0 authenticators with
 * clientPin may omit pinUvAuthProtocols; they speak protocol one.
 */
export function choosePinUvAuthProtocol(info: AuthenticatorInfo): PinUvAuthProtocolVersion | undefined {
  if (info.pinUvAuthProtocols.includes(2)) return 2;
  if (info.pinUvAuthProtocols.includes(1)) return 1;
  if (info.pinUvAuthProtocols.length === 0 && option(info, "clientPin") !== undefined) return 1;
  return undefined;
}

export function platformProtocol(version: PinUvAuthProtocolVersion): PinUvAuthProtocol {
  return version === 2 ? new PinUvAuthProtocolTwo() : new PinUvAuthProtocolOne();
}

/** getKeyAgreement, then ECDH with a fresh platform key. */
export async function establishSharedSecret(
  transport: CtapTransport,
  version: PinUvAuthProtocolVersion,
  call?: CallOptions,
): Promise<SharedSecret> {
  const response = await authenticatorClientPin(
    transport,
    { subCommand: ClientPinSubCommand.getKeyAgreement, pinUvAuthProtocol: version },
    call,
  );
  const authenticatorKey: CborMap = required(response.keyAgreement, "keyAgreement");
  const protocol = platformProtocol(version);
  let secret: Uint8Array;
  try {
    secret = protocol.decapsulate(authenticatorKey);
  } catch (cause) {
    if (cause instanceof CtapError) throw malformed("authenticatorClientPIN", cause.message, cause);
    throw cause;
  }
  return { version, protocol, secret, platformKey: protocol.getPublicKey() };
}

/** Decrypt with the shared secret; a ciphertext that does not decrypt is a malformed response. */
export function decryptFromAuthenticator(
  shared: SharedSecret,
  ciphertext: Uint8Array,
  what: string,
  command: CommandName = "authenticatorClientPIN",
): Uint8Array {
  const plaintext = shared.protocol.decrypt(shared.secret, ciphertext);
  if (!plaintext) throw malformed(command, `${what} does not decrypt`);
  return plaintext;
}
