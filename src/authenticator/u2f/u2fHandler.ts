/**
 * The CTAP1/U2F side of the key: CTAPHID_MSG payloads (command APDUs) in,
 * response APDUs out (CTAP 2.1 sections 10 and 11.2.9.1.1). It is the `msg`
 * handler a CTAPHID host is given; it works on the same authenticator context
 * (store, presence, counters, configuration) as the CTAP2 core.
 *
 * Order of checks: a malformed APDU is SW_WRONG_LENGTH, then a CLA other than
 * 0 is SW_CLA_NOT_SUPPORTED, an unknown INS SW_INS_NOT_SUPPORTED; each command
 * then checks its own data. With alwaysUv on, U2F cannot verify the user, so
 * U2F_REGISTER and U2F_AUTHENTICATE answer SW_CONDITIONS_NOT_SATISFIED (0x6985)
 * as a YubiKey does, a touch that never comes, and getInfo leaves "U2F_V2" out
 * (CTAP 2.2 section 7.2). Nothing a client sends makes it throw.
 */
import type { AuthenticatorContext } from "../context.js";
import type { CtapTransport } from "../../ctap/transport.js";
import { loadPinState } from "../pin/pinState.js";
import { ApduError, StatusWord, U2fInstruction, encodeResponseApdu, parseCommandApdu, statusResponse } from "../../ctap/apdu.js";
import { u2fAuthenticate } from "./authenticate.js";
import { u2fRegister } from "./register.js";
import { U2fUserPresence } from "./userPresence.js";
import { u2fVersion } from "./version.js";

export { U2fInstruction };

const INSTRUCTION_NAMES = new Map<number, string>(Object.entries(U2fInstruction).map(([name, ins]) => [ins, name]));

/** `U2F_REGISTER`, or `INS 0x40` for an instruction U2F does not define. */
export function instructionName(ins: number): string {
  return INSTRUCTION_NAMES.get(ins) ?? `INS 0x${ins.toString(16).padStart(2, "0")}`;
}

/** The CTAP1/U2F door of a device (the CTAPHID_MSG handler): APDUs in and out, on the device's one queue. */
export interface U2fHandler extends CtapTransport {
  /** Withdraws a pending presence question (the device is closing). */
  close(): void;
}

/**
 * The U2F commands, run by the device (device.ts) one at a time on the same
 * queue as CTAP2 requests: one key, one queue.
 */
export class U2fCommands {
  private readonly presence = new U2fUserPresence();

  constructor(private readonly ctx: AuthenticatorContext) {}

  /** Withdraws a pending presence question. */
  close(): void {
    this.presence.close();
  }

  /** One command APDU; never throws. */
  async handle(request: Uint8Array): Promise<Uint8Array> {
    const ctx = this.ctx;
    let ins: number | undefined;
    try {
      const apdu = parseCommandApdu(request);
      ins = apdu.ins;
      if (apdu.cla !== 0) throw new ApduError(StatusWord.SW_CLA_NOT_SUPPORTED, `CLA 0x${apdu.cla.toString(16).padStart(2, "0")} is not 0`);
      if (!INSTRUCTION_NAMES.has(apdu.ins)) throw new ApduError(StatusWord.SW_INS_NOT_SUPPORTED, `${instructionName(apdu.ins)} is not a U2F command`);
      ctx.session.beforeCommand("u2f");
      if (apdu.ins !== U2fInstruction.U2F_VERSION && (ctx.session.pin.stored ?? (await loadPinState(ctx))).alwaysUv) {
        throw new ApduError(StatusWord.SW_CONDITIONS_NOT_SATISFIED, "alwaysUv is on: CTAP1/U2F cannot verify the user");
      }
      switch (apdu.ins) {
        case U2fInstruction.U2F_REGISTER:
          return encodeResponseApdu(await u2fRegister(ctx, apdu, this.presence), StatusWord.SW_NO_ERROR);
        case U2fInstruction.U2F_AUTHENTICATE:
          return encodeResponseApdu(await u2fAuthenticate(ctx, apdu, this.presence), StatusWord.SW_NO_ERROR);
        default:
          return encodeResponseApdu(u2fVersion(apdu), StatusWord.SW_NO_ERROR);
      }
    } catch (error) {
      const what = ins === undefined ? "CTAP1" : instructionName(ins);
      if (error instanceof ApduError) {
        // Presence polling repeats several times a second: not worth a log line each.
        if (error.sw !== StatusWord.SW_CONDITIONS_NOT_SATISFIED) ctx.log(`${what}: ${error.message}`);
        return statusResponse(error.sw);
      }
      ctx.log(`${what} failed: ${(error as Error)?.stack ?? String(error)}`);
      return statusResponse(StatusWord.SW_UNKNOWN);
    }
  }
}

/** Anything with a CTAP1 door and a configuration: the Authenticator, or a test double. */
export interface HasU2fDoor {
  readonly context: AuthenticatorContext;
  readonly ctap1: U2fHandler;
}

/** The CTAPHID_MSG handler for `authenticator`'s device. */
export function createU2fHandler(authenticator: HasU2fDoor): U2fHandler {
  return authenticator.ctap1;
}

/**
 * What a CTAPHID host needs to present the device as its profile says
 * (`softkey serve`): a `msg` handler only when the device offers U2F (without
 * one, MSG answers ERR_INVALID_CMD and INIT sets CAPABILITY_NMSG), and `cbor`
 * false for a CTAP1/U2F-only key (INIT then leaves CAPABILITY_CBOR out, so
 * clients such as python-fido2 use CTAP1).
 */
export function u2fDeviceOptions(authenticator: HasU2fDoor): { msg?: U2fHandler; cbor: boolean } {
  const { config } = authenticator.context;
  return { ...(config.u2f ? { msg: authenticator.ctap1 } : {}), cbor: config.ctap2 };
}
