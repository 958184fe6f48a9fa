/**
 * U2F_REGISTER and U2F_AUTHENTICATE seen from the client (FIDO U2F raw
 * message formats v1.2, sections 4 and 5; CTAP 2.2 section 11.2.9.1.1 for
 * carrying them in CTAPHID_MSG): command APDUs out in the extended form
 * Chrome and python-fido2 send, response APDUs back. A U2F key never holds a
 * request while it waits for a touch: it answers SW_CONDITIONS_NOT_SATISFIED
 * and the client repeats the request until the touch has happened, as
 * Chrome's U2F operations do every 200 ms.
 */
import { AuthenticateControl, encodeCommandApdu, StatusWord, statusWordName, U2fInstruction } from "../../ctap/apdu.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { untilAborted, type CallOptions } from "../ctap/command.js";

/** Delay between repeats of a request that waits for a touch. */
export const U2F_POLL_INTERVAL_MS = 200;

/** The key answered a status word other than SW_NO_ERROR (and not "touch me" while polling). */
export class U2fStatusError extends Error {
  override name = "U2fStatusError";
  constructor(
    readonly sw: number,
    readonly command: "U2F_REGISTER" | "U2F_AUTHENTICATE",
  ) {
    super(`${command}: ${statusWordName(sw)}`);
  }
}

/** U2F_REGISTER with challenge parameter (clientDataHash) and application parameter (SHA-256 of the RP ID), until touched. */
export function u2fRegister(ctap1: CtapTransport, challenge: Uint8Array, application: Uint8Array, call: CallOptions): Promise<Uint8Array> {
  const data = new Uint8Array(64);
  data.set(challenge, 0);
  data.set(application, 32);
  return untilTouched(ctap1, apdu(U2fInstruction.U2F_REGISTER, 0, data), "U2F_REGISTER", call);
}

/** U2F_AUTHENTICATE enforce-user-presence-and-sign, until touched. */
export function u2fAuthenticate(
  ctap1: CtapTransport,
  request: { challenge: Uint8Array; application: Uint8Array; keyHandle: Uint8Array },
  call: CallOptions,
): Promise<Uint8Array> {
  return untilTouched(ctap1, authenticateApdu(AuthenticateControl.enforceUserPresenceAndSign, request), "U2F_AUTHENTICATE", call);
}

/**
 * U2F_AUTHENTICATE check-only: whether `keyHandle` is this key's for
 * `application` (SW_CONDITIONS_NOT_SATISFIED) or not (SW_WRONG_DATA), with
 * nothing signed and no touch.
 */
export async function u2fHoldsKeyHandle(
  ctap1: CtapTransport,
  request: { application: Uint8Array; keyHandle: Uint8Array },
  call: CallOptions,
): Promise<boolean> {
  if (request.keyHandle.length > 255) return false;
  const sw = statusOf(await send(ctap1, authenticateApdu(AuthenticateControl.checkOnly, { ...request, challenge: new Uint8Array(32) }), call));
  if (sw === StatusWord.SW_CONDITIONS_NOT_SATISFIED) return true;
  if (sw === StatusWord.SW_WRONG_DATA) return false;
  throw new U2fStatusError(sw, "U2F_AUTHENTICATE");
}

function authenticateApdu(control: number, request: { challenge: Uint8Array; application: Uint8Array; keyHandle: Uint8Array }): Uint8Array {
  const data = new Uint8Array(65 + request.keyHandle.length);
  data.set(request.challenge, 0);
  data.set(request.application, 32);
  data[64] = request.keyHandle.length;
  data.set(request.keyHandle, 65);
  return apdu(U2fInstruction.U2F_AUTHENTICATE, control, data);
}

function apdu(ins: number, p1: number, data: Uint8Array): Uint8Array {
  return encodeCommandApdu({ cla: 0, ins, p1, p2: 0, data, le: 65536, extended: true });
}

async function untilTouched(
  ctap1: CtapTransport,
  request: Uint8Array,
  command: "U2F_REGISTER" | "U2F_AUTHENTICATE",
  call: CallOptions,
): Promise<Uint8Array> {
  for (;;) {
    const response = await send(ctap1, request, call);
    const sw = statusOf(response);
    if (sw === StatusWord.SW_NO_ERROR) return response.subarray(0, response.length - 2);
    if (sw !== StatusWord.SW_CONDITIONS_NOT_SATISFIED) throw new U2fStatusError(sw, command);
    call.onKeepalive?.("upneeded");
    await untilAborted(new Promise((resolve) => setTimeout(resolve, U2F_POLL_INTERVAL_MS)), call.signal);
  }
}

async function send(ctap1: CtapTransport, request: Uint8Array, call: CallOptions): Promise<Uint8Array> {
  const response = await untilAborted(ctap1.transact(request, call.signal ? { signal: call.signal } : {}), call.signal);
  return new Uint8Array(response.buffer, response.byteOffset, response.byteLength);
}

function statusOf(response: Uint8Array): number {
  if (response.length < 2) return StatusWord.SW_UNKNOWN;
  return (response[response.length - 2]! << 8) | response[response.length - 1]!;
}
