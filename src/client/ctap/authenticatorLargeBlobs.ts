/**
 * authenticatorLargeBlobs (0x0C), CTAP 2.2 section 6.10, seen from the
 * platform: read a fragment of the serialized large-blob array (get), or
 * write one (set), the first write announcing the total length.
 */
import { LargeBlobsRequest, LargeBlobsResponse } from "../../ctap/messages/largeBlobs.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { callAuthenticator, readResponse, required, type CallOptions } from "./command.js";

export type { LargeBlobsRequest };

/** A get answers with the fragment read; a set answers with nothing. */
export async function authenticatorLargeBlobs(
  transport: CtapTransport,
  request: LargeBlobsRequest,
  call?: CallOptions,
): Promise<Uint8Array | undefined> {
  const command = "authenticatorLargeBlobs";
  // The protocol goes only with a pinUvAuthParam.
  const params = LargeBlobsRequest.encodeMap({ ...request, pinUvAuthProtocol: request.pinUvAuthParam ? request.pinUvAuthProtocol : undefined });
  const map = await callAuthenticator(transport, command, params, call);
  if (request.get === undefined) return undefined;
  return required(readResponse(LargeBlobsResponse, map, command).config, "config", command);
}
