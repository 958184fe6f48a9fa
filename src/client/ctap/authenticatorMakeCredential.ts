/** authenticatorMakeCredential (0x01), CTAP 2.2 section 6.1, seen from the client. */
import { MakeCredentialRequest, MakeCredentialResponse } from "../../ctap/messages/makeCredential.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { callAuthenticator, readResponse, type CallOptions } from "./command.js";

export type { MakeCredentialRequest, MakeCredentialResponse };

/** Only what differs from CTAP's defaults is sent: empty lists and maps are left out, and options only when true. */
export function encodeMakeCredential(request: MakeCredentialRequest): Map<number | string, unknown> {
  return MakeCredentialRequest.encodeMap({
    ...request,
    excludeList: request.excludeList?.length ? request.excludeList.map(withoutTransports) : undefined,
    extensions: request.extensions?.size ? request.extensions : undefined,
    options: trueOptions(request.options),
  });
}

export async function authenticatorMakeCredential(
  transport: CtapTransport,
  request: MakeCredentialRequest,
  call?: CallOptions,
): Promise<MakeCredentialResponse> {
  const command = "authenticatorMakeCredential";
  const map = await callAuthenticator(transport, command, encodeMakeCredential(request), call);
  return readResponse(MakeCredentialResponse, map, command);
}

/** A descriptor as CTAP carries it: type and id only (transports are the platform's concern). */
export function withoutTransports(d: { type: string; id: Uint8Array }): { type: string; id: Uint8Array } {
  return { type: d.type, id: d.id };
}

/** The options that are true, or undefined when none is. */
export function trueOptions(options: ReadonlyMap<string, boolean> | undefined): Map<string, boolean> | undefined {
  const on = new Map([...(options ?? [])].filter(([, value]) => value));
  return on.size > 0 ? on : undefined;
}
