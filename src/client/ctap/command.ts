/**
 * One CTAP2 request/response over a CtapTransport: command byte plus
 * canonical CBOR parameters out, status byte plus CBOR map back
 * (CTAP 2.1 section 8, "Message Encoding").
 */
import { decodeCbor, encodeCanonical, type CborMap, type CborValue } from "../../ctap/cbor.js";
import type { DecodeFailure, Fields, Shape, Table } from "../../ctap/schema.js";
import { Command, type CommandName } from "../../ctap/commands.js";
import { statusName, Status } from "../../ctap/status.js";
import type { CtapRequestContext, CtapTransport, KeepaliveStatus } from "../../ctap/transport.js";
import { WebAuthnError } from "../errors.js";

/** The authenticator answered with a status other than CTAP2_OK. */
export class CtapStatusError extends Error {
  override name = "CtapStatusError";
  constructor(
    readonly status: number,
    readonly command: CommandName,
  ) {
    super(`${command}: ${statusName(status)}`);
  }
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Relayed from the transport: the authenticator is processing or waiting for a touch. */
  onKeepalive?: (status: KeepaliveStatus) => void;
}

/**
 * Send one command and return the decoded response map. Rejects with
 * CtapStatusError for a non-OK status, WebAuthnError(NotAllowedError) for a
 * response that is not a CBOR map, and with the signal's reason as soon as
 * the signal aborts, even if the transport ignores it.
 */
export async function callAuthenticator(
  transport: CtapTransport,
  command: CommandName,
  params: Map<number | string, unknown> | undefined,
  options: CallOptions = {},
): Promise<CborMap> {
  return decodeResponse(await exchange(transport, command, params, options), command);
}

/** Send one command; the response body (after a CTAP2_OK status byte), still encoded. */
export async function exchange(
  transport: CtapTransport,
  command: CommandName,
  params: Map<number | string, unknown> | undefined,
  options: CallOptions = {},
): Promise<Uint8Array> {
  const body = params && params.size > 0 ? encodeCanonical(params) : new Uint8Array(0);
  const request = new Uint8Array(1 + body.length);
  request[0] = Command[command];
  request.set(body, 1);
  const { signal, onKeepalive } = options;
  const context: CtapRequestContext = {};
  if (signal) context.signal = signal;
  if (onKeepalive) context.onKeepalive = onKeepalive;
  const raw = await untilAborted(transport.transact(request, context), signal);
  // A plain view, so decoded byte strings are plain copies even when the transport answers with a Buffer.
  const response = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (response.length === 0) throw malformed(command, "empty response");
  const status = response[0]!;
  if (status !== Status.CTAP2_OK) throw new CtapStatusError(status, command);
  return response.subarray(1);
}

/** A response body decoded: an empty body is an empty map; anything but a CBOR map is malformed. */
export function decodeResponse(body: Uint8Array, command: CommandName): CborMap {
  if (body.length === 0) return new Map();
  let decoded: CborValue;
  try {
    decoded = decodeCbor(body);
  } catch (cause) {
    throw malformed(command, (cause as Error).message, cause);
  }
  if (!(decoded instanceof Map)) throw malformed(command, "response is not a CBOR map");
  return decoded;
}

export function malformed(command: CommandName, detail: string, cause?: unknown): WebAuthnError {
  // Chrome reports an unparseable authenticator response as NotAllowedError.
  return new WebAuthnError("NotAllowedError", `${command}: malformed authenticator response: ${detail}`, { cause });
}

export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** What a response decoder throws: Chrome reports an unparseable authenticator response as NotAllowedError. */
export function responseFailure(command: CommandName): DecodeFailure {
  return {
    missing: (name) => malformed(command, `the response lacks ${name}`),
    wrongType: (name, expected) => malformed(command, `${name} must be ${expected}`),
  };
}

/** A response map read through its message's field table. */
export function readResponse<F extends Fields>(table: Table<F>, map: CborMap, command: CommandName): Shape<F> {
  return table.decodeMap(map, responseFailure(command));
}

/** A member the message leaves optional but this response must carry. */
export function required<T>(value: T | undefined, name: string, command: CommandName): T {
  if (value === undefined) throw malformed(command, `the response lacks ${name}`);
  return value;
}
