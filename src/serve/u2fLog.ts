/**
 * A log line per CTAP1/U2F request for `softkey serve`, beside ctapLog.ts's
 * CTAP2 lines: the instruction and the status word it got, e.g.
 * `ctap1 U2F_AUTHENTICATE -> SW_CONDITIONS_NOT_SATISFIED`. Nothing secret is
 * in a U2F request; only the instruction byte and the status word are logged.
 */
import { statusWordName } from "../ctap/apdu.js";
import { instructionName } from "../authenticator/u2f/u2fHandler.js";
import type { CtapRequestContext, CtapTransport } from "../ctap/transport.js";

/** Wrap a CTAPHID_MSG handler so every request is logged with its outcome. */
export function withU2fLog(transport: CtapTransport, log: (line: string) => void): CtapTransport {
  return {
    async transact(request: Uint8Array, context?: CtapRequestContext): Promise<Uint8Array> {
      const what = request.length >= 2 ? instructionName(request[1]!) : "(malformed APDU)";
      let response: Uint8Array;
      try {
        response = await transport.transact(request, context);
      } catch (error) {
        log(`ctap1 ${what} -> failed: ${(error as Error)?.message ?? String(error)}`);
        throw error;
      }
      const sw = response.length >= 2 ? (response[response.length - 2]! << 8) | response[response.length - 1]! : undefined;
      log(`ctap1 ${what} -> ${sw === undefined ? "(short response)" : statusWordName(sw)}`);
      return response;
    },
  };
}
