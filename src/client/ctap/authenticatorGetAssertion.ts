/**
 * authenticatorGetAssertion (0x02) and authenticatorGetNextAssertion (0x08),
 * CTAP 2.2 sections 6.2 and 6.3, seen from the client.
 */
import type { CommandName } from "../../ctap/commands.js";
import { GetAssertionRequest, GetAssertionResponse } from "../../ctap/messages/getAssertion.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { withoutTransports } from "./authenticatorMakeCredential.js";
import { callAuthenticator, readResponse, type CallOptions } from "./command.js";

export type { GetAssertionRequest, GetAssertionResponse };

/** "up" defaults to true, so only an explicit false is sent; "uv" only when true. Empty lists and maps are left out. */
export function encodeGetAssertion(request: GetAssertionRequest): Map<number | string, unknown> {
  const options = new Map<string, boolean>();
  if (request.options?.get("up") === false) options.set("up", false);
  if (request.options?.get("uv") === true) options.set("uv", true);
  return GetAssertionRequest.encodeMap({
    ...request,
    allowList: request.allowList?.length ? request.allowList.map(withoutTransports) : undefined,
    extensions: request.extensions?.size ? request.extensions : undefined,
    options: options.size > 0 ? options : undefined,
  });
}

export async function authenticatorGetAssertion(
  transport: CtapTransport,
  request: GetAssertionRequest,
  call?: CallOptions,
): Promise<GetAssertionResponse> {
  const command = "authenticatorGetAssertion";
  return readAssertion(await callAuthenticator(transport, command, encodeGetAssertion(request), call), command);
}

export async function authenticatorGetNextAssertion(transport: CtapTransport, call?: CallOptions): Promise<GetAssertionResponse> {
  const command = "authenticatorGetNextAssertion";
  return readAssertion(await callAuthenticator(transport, command, undefined, call), command);
}

function readAssertion(map: Awaited<ReturnType<typeof callAuthenticator>>, command: CommandName): GetAssertionResponse {
  return readResponse(GetAssertionResponse, map, command);
}
