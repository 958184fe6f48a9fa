/**
 * The device: the authenticator core's one entry point. CTAP2 request bytes
 * in, status byte + canonical CBOR out (`transact`); CTAP1/U2F command APDUs
 * in, response APDUs out (`ctap1`, the CTAPHID_MSG door). Both run on one
 * queue, one request at a time, as a real key handles them, and nothing a
 * client sends can make either throw.
 */
import type { CborMap } from "../ctap/cbor.js";
import { encodeWithStatus } from "../ctap/cbor.js";
import { createContext, type AuthenticatorContext, type ContextOptions } from "./context.js";
import type { CtapRequestContext, CtapTransport } from "../ctap/transport.js";
import { CtapError, Status } from "../ctap/status.js";
import { StoreIntegrityError } from "./store.js";
import { decodeParameters, type ResponseMap } from "./params.js";
import { Command, commandName, standardCommand } from "../ctap/commands.js";
import { makeCredential } from "./commands/makeCredential.js";
import { getAssertion, getNextAssertion } from "./commands/getAssertion.js";
import { getInfo } from "./commands/getInfo.js";
import { reset } from "./commands/reset.js";
import { selection } from "./commands/selection.js";
import { clientPin } from "./commands/clientPin.js";
import { credentialManagement } from "./commands/credentialManagement.js";
import { authenticatorConfig } from "./commands/config.js";
import { largeBlobs } from "./commands/largeBlobs.js";
import { bioEnrollment } from "./commands/bioEnrollment.js";
import { withResponseFaults } from "./faults.js";
import type { ResponseFaults } from "./faultSwitches.js";
import { U2fCommands, type U2fHandler } from "./u2f/u2fHandler.js";

type Handler = (params: CborMap, ctx: AuthenticatorContext, request: CtapRequestContext) => Promise<ResponseMap | undefined>;

const handlers = new Map<number, Handler>([
  // Response faults (faults.ts) act on these three responses only, and only when a switch is on.
  [Command.authenticatorMakeCredential, withResponseFaults("makeCredential", makeCredential)],
  [Command.authenticatorGetAssertion, withResponseFaults("getAssertion", getAssertion)],
  [Command.authenticatorGetInfo, getInfo],
  [Command.authenticatorReset, reset],
  [Command.authenticatorGetNextAssertion, withResponseFaults("getNextAssertion", getNextAssertion)],
  [Command.authenticatorSelection, selection],
  [Command.authenticatorClientPIN, clientPin],
  [Command.authenticatorCredentialManagement, credentialManagement],
  [Command.authenticatorConfig, authenticatorConfig],
  [Command.authenticatorLargeBlobs, largeBlobs],
  // Answers INVALID_COMMAND itself on a device without a fingerprint sensor.
  [Command.authenticatorBioEnrollment, bioEnrollment],
]);

export type AuthenticatorOptions = ContextOptions;

export class Authenticator implements CtapTransport {
  readonly context: AuthenticatorContext;
  /** The CTAP1/U2F door: command APDUs on the same queue as CTAP2 requests. */
  readonly ctap1: U2fHandler;
  private readonly u2f: U2fCommands;
  /** Requests run one after another; this is the tail of that queue. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: AuthenticatorOptions) {
    this.context = createContext(options);
    this.u2f = new U2fCommands(this.context);
    this.ctap1 = {
      transact: (apdu) => this.enqueue(() => this.u2f.handle(apdu)),
      close: () => this.u2f.close(),
    };
  }

  /**
   * Switch response faults while the device runs, as DevTools' WebAuthn.setResponseOverrideBits
   * does: every request handled after this call sees them. `faults` comes from responseFaults(), so
   * "all off" is NO_FAULTS itself and the fast path stays.
   */
  setFaults(faults: ResponseFaults): void {
    (this.context.config as { faults: ResponseFaults }).faults = faults;
  }

  transact(request: Uint8Array, context: CtapRequestContext = {}): Promise<Uint8Array> {
    return this.enqueue(() => this.handle(request, context));
  }

  private enqueue(task: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const result = this.queue.then(task);
    this.queue = result;
    return result;
  }

  private async handle(request: Uint8Array, context: CtapRequestContext): Promise<Uint8Array> {
    const ctx = this.context;
    try {
      if (request.length === 0) throw new CtapError(Status.CTAP1_ERR_INVALID_LENGTH, "empty request");
      if (request.length > ctx.config.maxMsgSize) throw new CtapError(Status.CTAP2_ERR_REQUEST_TOO_LARGE, `request exceeds maxMsgSize ${ctx.config.maxMsgSize}`);
      // A prototype byte (0x41, as libfido2 before 1.15 sends credential management) runs as its command.
      const command = standardCommand(request[0]!);
      const handler = handlers.get(command);
      if (!handler) throw new CtapError(Status.CTAP1_ERR_INVALID_COMMAND, `${commandName(request[0]!)} is not supported`);
      if (!ctx.config.ctap2) throw new CtapError(Status.CTAP1_ERR_INVALID_COMMAND, "this device speaks CTAP1/U2F only");
      ctx.session.beforeCommand(command);
      const params = decodeParameters(request.subarray(1), ctx.config.requestCbor);
      const response = await handler(params, ctx, context);
      return response ? encodeWithStatus(Status.CTAP2_OK, response) : Uint8Array.of(Status.CTAP2_OK);
    } catch (error) {
      if (error instanceof CtapError) {
        ctx.log(`${commandName(request[0] ?? 0)}: ${error.message}`);
        return Uint8Array.of(error.status);
      }
      // A stored record that failed its integrity check (tampered with or corrupt): the spec's own status for it.
      if (error instanceof StoreIntegrityError) {
        ctx.log(`${commandName(request[0] ?? 0)}: ${error.message}`);
        return Uint8Array.of(Status.CTAP2_ERR_INTEGRITY_FAILURE);
      }
      // A bug or a storage failure: answer as a key would, and say what happened on the log.
      ctx.log(`${commandName(request[0] ?? 0)} failed: ${(error as Error)?.stack ?? String(error)}`);
      return Uint8Array.of(Status.CTAP1_ERR_OTHER);
    }
  }
}
