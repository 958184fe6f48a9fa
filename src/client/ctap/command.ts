/**
 * One CTAP2 request/response over a CtapTransport: command byte plus
 * canonical CBOR parameters out, status byte plus CBOR map back
 * (CTAP 2.1 section 8, "Message Encoding").
 */
import { decodeCbor, encodeCanonical, type CborMap, type CborValue } from "../../ctap/cbor.js";
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
  params: Map<number, unknown> | undefined,
  options: CallOptions = {},
): Promise<CborMap> {
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
  if (response.length === 1) return new Map();
  let decoded: CborValue;
  try {
    decoded = decodeCbor(response.subarray(1));
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

/** Typed readers for response maps; each throws the malformed-response error. */
export class ResponseReader {
  constructor(
    private readonly map: CborMap,
    private readonly command: CommandName,
  ) {}

  has(key: number): boolean {
    return this.map.has(key);
  }

  bytes(key: number, name: string): Uint8Array {
    const value = this.map.get(key);
    if (!(value instanceof Uint8Array)) throw malformed(this.command, `${name} (${key}) must be a byte string`);
    return value;
  }

  text(key: number, name: string): string {
    const value = this.map.get(key);
    if (typeof value !== "string") throw malformed(this.command, `${name} (${key}) must be a text string`);
    return value;
  }

  uint(key: number, name: string): number {
    const value = this.map.get(key);
    if (typeof value !== "number" || value < 0) throw malformed(this.command, `${name} (${key}) must be an unsigned integer`);
    return value;
  }

  boolean(key: number, name: string): boolean {
    const value = this.map.get(key);
    if (typeof value !== "boolean") throw malformed(this.command, `${name} (${key}) must be a boolean`);
    return value;
  }

  subMap(key: number, name: string): CborMap {
    const value = this.map.get(key);
    if (!(value instanceof Map)) throw malformed(this.command, `${name} (${key}) must be a map`);
    return value;
  }

  array(key: number, name: string): CborValue[] {
    const value = this.map.get(key);
    if (!Array.isArray(value)) throw malformed(this.command, `${name} (${key}) must be an array`);
    return value;
  }

  optional<T>(key: number, read: (key: number) => T): T | undefined {
    return this.map.has(key) ? read(key) : undefined;
  }
}
