/**
 * U2F_VERSION (INS 0x03), FIDO U2F raw message formats v1.2 section 6: no
 * request data; the response is the ASCII string "U2F_V2" without a terminator.
 */
import { ApduError, StatusWord, type CommandApdu } from "../../ctap/apdu.js";

export const U2F_VERSION = "U2F_V2";

export function u2fVersion(apdu: CommandApdu): Uint8Array {
  if (apdu.data.length !== 0) throw new ApduError(StatusWord.SW_WRONG_LENGTH, `U2F_VERSION carries no data, got ${apdu.data.length} bytes`);
  return new Uint8Array(Buffer.from(U2F_VERSION, "ascii"));
}
