/**
 * authenticatorClientPIN (0x06), CTAP 2.2 section 6.5.5, seen from the
 * platform: one request shape for every subCommand, read back through the
 * same table. The cryptography (key agreement, encrypting the PIN,
 * decrypting the token) lives in ../pin/.
 */
import { ClientPinRequest, ClientPinResponse } from "../../ctap/messages/clientPin.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { callAuthenticator, readResponse, required as requiredMember, type CallOptions } from "./command.js";

export type { ClientPinRequest, ClientPinResponse };

export async function authenticatorClientPin(
  transport: CtapTransport,
  request: ClientPinRequest,
  call?: CallOptions,
): Promise<ClientPinResponse> {
  const command = "authenticatorClientPIN";
  return readResponse(ClientPinResponse, await callAuthenticator(transport, command, ClientPinRequest.encodeMap(request), call), command);
}

/** The member a subCommand must answer with, or the malformed-response error. */
export function required<T>(value: T | undefined, name: string): T {
  return requiredMember(value, name, "authenticatorClientPIN");
}
