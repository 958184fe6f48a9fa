/**
 * ISO 7816-4 command and response APDUs as CTAP1/U2F carries them in
 * CTAPHID_MSG (FIDO U2F raw message formats v1.2, section 3; CTAP 2.1
 * section 11.2.9.1.1).
 *
 * A command is CLA INS P1 P2, then one of the ISO cases:
 *
 *   case 1              (nothing)
 *   case 2 short        Le(1)                  Le 00 means 256
 *   case 3 short        Lc(1) data             Lc 01..FF
 *   case 4 short        Lc(1) data Le(1)
 *   case 2 extended     00 Le(2)               Le 0000 means 65536
 *   case 3 extended     00 Lc(2) data          Lc 0001..FFFF
 *   case 4 extended     00 Lc(2) data Le(2)
 *
 * U2F clients use the extended form (python-fido2 and Chrome send
 * `00 Lc(2) data 00 00`, even with no data, i.e. Lc 0000 followed by Le),
 * which is accepted as well. Le only caps the response length; U2F responses
 * are always sent in full, as U2F keys do.
 *
 * A response is data || SW1 SW2.
 */

/** U2F instruction bytes (raw message formats v1.2, section 3.1). */
export const U2fInstruction = {
  U2F_REGISTER: 0x01,
  U2F_AUTHENTICATE: 0x02,
  U2F_VERSION: 0x03,
} as const;

/** U2F_AUTHENTICATE's control byte, P1 (raw message formats v1.2, section 5.1). */
export const AuthenticateControl = {
  enforceUserPresenceAndSign: 0x03,
  checkOnly: 0x07,
  dontEnforceUserPresenceAndSign: 0x08,
} as const;

/** ISO 7816-4 status words used by U2F (raw message formats v1.2, section 3.3). */
export const StatusWord = {
  SW_NO_ERROR: 0x9000,
  SW_WRONG_LENGTH: 0x6700,
  SW_CONDITIONS_NOT_SATISFIED: 0x6985,
  SW_COMMAND_NOT_ALLOWED: 0x6986,
  SW_WRONG_DATA: 0x6a80,
  SW_INS_NOT_SUPPORTED: 0x6d00,
  SW_CLA_NOT_SUPPORTED: 0x6e00,
  /** "No precise diagnosis": a storage failure or a bug. */
  SW_UNKNOWN: 0x6f00,
} as const;

const NAMES = new Map<number, string>(Object.entries(StatusWord).map(([name, sw]) => [sw, name]));

/** `SW_WRONG_DATA`, or `SW 0x6a81` for a status word without a name here. */
export function statusWordName(sw: number): string {
  return NAMES.get(sw) ?? `SW 0x${sw.toString(16).padStart(4, "0")}`;
}

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** The command data (empty when there is none). */
  data: Uint8Array;
  /** Ne, the most response bytes expected (256 or 65536 for a zero Le); undefined without Le. */
  le?: number;
  /** Whether the command used the extended length encoding. */
  extended: boolean;
}

/** A status word, thrown by the U2F commands and turned into a response by the handler. */
export class ApduError extends Error {
  override name = "ApduError";
  constructor(
    readonly sw: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parse a command APDU; a malformed one throws ApduError(SW_WRONG_LENGTH). */
export function parseCommandApdu(bytes: Uint8Array): CommandApdu {
  if (bytes.length < 4) throw wrongLength(`an APDU has a 4-byte header, got ${bytes.length} bytes`);
  const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const header = { cla, ins, p1, p2 };
  const body = bytes.subarray(4);
  const none = new Uint8Array(0);
  if (body.length === 0) return { ...header, data: none, extended: false };
  if (body.length === 1) return { ...header, data: none, le: body[0]! || 256, extended: false };
  if (body[0] !== 0) {
    // Short Lc.
    const lc = body[0]!;
    if (body.length === 1 + lc) return { ...header, data: body.subarray(1), extended: false };
    if (body.length === 2 + lc) return { ...header, data: body.subarray(1, 1 + lc), le: body[1 + lc]! || 256, extended: false };
    throw wrongLength(`short Lc ${lc} does not match the ${body.length - 1} bytes that follow it`);
  }
  // Extended: 00 then two bytes of Le (case 2E) or of Lc.
  if (body.length < 3) throw wrongLength("an extended length needs 3 bytes");
  const length = (body[1]! << 8) | body[2]!;
  if (body.length === 3) return { ...header, data: none, le: length || 65536, extended: true };
  const rest = body.length - 3;
  if (length > 0 && rest === length) return { ...header, data: body.subarray(3), extended: true };
  if (rest === length + 2) {
    const le = (body[3 + length]! << 8) | body[4 + length]!;
    return { ...header, data: body.subarray(3, 3 + length), le: le || 65536, extended: true };
  }
  throw wrongLength(`extended Lc ${length} does not match the ${rest} bytes that follow it`);
}

/** Encode a command APDU (for tests and clients): extended when asked or when the data needs it. */
export function encodeCommandApdu(apdu: Omit<CommandApdu, "extended"> & { extended?: boolean }): Uint8Array {
  const { cla, ins, p1, p2, data, le } = apdu;
  const extended = apdu.extended ?? (data.length > 255 || (le !== undefined && le > 256));
  const parts: number[] = [cla, ins, p1, p2];
  if (extended) {
    if (data.length > 0) parts.push(0, data.length >> 8, data.length & 0xff, ...data);
    if (le !== undefined) {
      const value = le === 65536 ? 0 : le;
      if (data.length === 0) parts.push(0);
      parts.push(value >> 8, value & 0xff);
    }
  } else {
    if (data.length > 255) throw new RangeError("short APDUs carry at most 255 bytes of data");
    if (data.length > 0) parts.push(data.length, ...data);
    if (le !== undefined) parts.push(le === 256 ? 0 : le);
  }
  return Uint8Array.from(parts);
}

/** data || SW1 SW2. */
export function encodeResponseApdu(data: Uint8Array, sw: number): Uint8Array {
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

/** A bare status word. */
export function statusResponse(sw: number): Uint8Array {
  return Uint8Array.of(sw >> 8, sw & 0xff);
}

function wrongLength(message: string): ApduError {
  return new ApduError(StatusWord.SW_WRONG_LENGTH, message);
}
