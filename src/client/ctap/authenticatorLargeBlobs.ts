/**
 * authenticatorLargeBlobs (0x0C), CTAP 2.1 section 6.10, seen from the
 * platform: read a fragment of the serialized large-blob array (get), or
 * write one (set), the first write announcing the total length.
 */
import { Param, Response } from "../../ctap/messages/largeBlobs.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { callAuthenticator, ResponseReader, type CallOptions } from "./command.js";

export type LargeBlobsRequest =
  | { get: number; offset: number }
  | {
      set: Uint8Array;
      offset: number;
      /** The whole array's length; only with offset 0. */
      length?: number;
      pinUvAuthParam?: Uint8Array;
      pinUvAuthProtocol?: number;
    };

export function encodeLargeBlobs(request: LargeBlobsRequest): Map<number, unknown> {
  if ("get" in request) {
    return new Map<number, unknown>([
      [Param.get, request.get],
      [Param.offset, request.offset],
    ]);
  }
  return new Map<number, unknown>([
    [Param.set, request.set],
    [Param.offset, request.offset],
    [Param.length, request.length],
    [Param.pinUvAuthParam, request.pinUvAuthParam],
    [Param.pinUvAuthProtocol, request.pinUvAuthParam ? request.pinUvAuthProtocol : undefined],
  ]);
}

/** A get answers with the fragment read; a set answers with nothing. */
export async function authenticatorLargeBlobs(
  transport: CtapTransport,
  request: LargeBlobsRequest,
  call?: CallOptions,
): Promise<Uint8Array | undefined> {
  const command = "authenticatorLargeBlobs";
  const map = await callAuthenticator(transport, command, encodeLargeBlobs(request), call);
  if (!("get" in request)) return undefined;
  return new ResponseReader(map, command).bytes(Response.config, "config");
}
