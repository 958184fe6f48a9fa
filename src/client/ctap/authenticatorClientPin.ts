/**
 * authenticatorClientPIN (0x06), CTAP 2.1 section 6.5.5, seen from the
 * platform: one request shape for every subCommand, and typed readers for
 * what comes back. The cryptography (key agreement, encrypting the PIN,
 * decrypting the token) lives in ../pin/.
 */
import type { CborMap } from "../../ctap/cbor.js";
import { Param, Response } from "../../ctap/messages/clientPin.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { callAuthenticator, malformed, ResponseReader, type CallOptions } from "./command.js";

export interface ClientPinRequest {
  subCommand: number;
  pinUvAuthProtocol?: number;
  /** The platform's key agreement public key (COSE_Key). */
  keyAgreement?: Map<number, unknown>;
  pinUvAuthParam?: Uint8Array;
  newPinEnc?: Uint8Array;
  pinHashEnc?: Uint8Array;
  permissions?: number;
  rpId?: string;
}

export interface ClientPinResponse {
  /** The authenticator's key agreement public key (COSE_Key). */
  keyAgreement?: CborMap;
  /** Encrypted under the shared secret. */
  pinUvAuthToken?: Uint8Array;
  pinRetries?: number;
  powerCycleState?: boolean;
  uvRetries?: number;
}

export function encodeClientPin(request: ClientPinRequest): Map<number, unknown> {
  return new Map<number, unknown>([
    [Param.pinUvAuthProtocol, request.pinUvAuthProtocol],
    [Param.subCommand, request.subCommand],
    [Param.keyAgreement, request.keyAgreement],
    [Param.pinUvAuthParam, request.pinUvAuthParam],
    [Param.newPinEnc, request.newPinEnc],
    [Param.pinHashEnc, request.pinHashEnc],
    [Param.permissions, request.permissions],
    [Param.rpId, request.rpId],
    // The canonical encoder leaves out undefined members.
  ]);
}

export async function authenticatorClientPin(
  transport: CtapTransport,
  request: ClientPinRequest,
  call?: CallOptions,
): Promise<ClientPinResponse> {
  const command = "authenticatorClientPIN";
  const r = new ResponseReader(await callAuthenticator(transport, command, encodeClientPin(request), call), command);
  const response: ClientPinResponse = {};
  const keyAgreement = r.optional(Response.keyAgreement, (k) => r.subMap(k, "keyAgreement"));
  if (keyAgreement) response.keyAgreement = keyAgreement;
  const token = r.optional(Response.pinUvAuthToken, (k) => r.bytes(k, "pinUvAuthToken"));
  if (token) response.pinUvAuthToken = token;
  const pinRetries = r.optional(Response.pinRetries, (k) => r.uint(k, "pinRetries"));
  if (pinRetries !== undefined) response.pinRetries = pinRetries;
  const powerCycleState = r.optional(Response.powerCycleState, (k) => r.boolean(k, "powerCycleState"));
  if (powerCycleState !== undefined) response.powerCycleState = powerCycleState;
  const uvRetries = r.optional(Response.uvRetries, (k) => r.uint(k, "uvRetries"));
  if (uvRetries !== undefined) response.uvRetries = uvRetries;
  return response;
}

/** The member a subCommand must answer with, or the malformed-response error. */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw malformed("authenticatorClientPIN", `the response lacks ${name}`);
  return value;
}
