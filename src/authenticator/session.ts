/**
 * What a key keeps in RAM between commands, in one slot: the stateful
 * command in progress (getNextAssertion's queue, a credential-management
 * enumeration, a large-blob write) and the ClientPIN runtime (key agreement
 * keys, the pinUvAuthToken, the run of wrong PINs). A power cycle (a new
 * Authenticator) starts a new session; authenticatorReset clears it; the
 * rules for when a stateful command ends live in `beforeCommand`, once, for
 * CTAP2 and CTAP1 alike (as OpenSK keeps one StatefulCommand with one timer).
 */
import type { CborMap } from "../ctap/cbor.js";
import { Command, standardCommand } from "../ctap/commands.js";
import type { CredentialManagementResponse } from "../ctap/messages/credentialManagement.js";
import { PinRuntime } from "./pin/pinRuntime.js";
import type { CredentialRecord } from "./store.js";

/** Pending credentials of a getAssertion that getNextAssertion hands out one by one. */
export interface AssertionQueue {
  credentials: CredentialRecord[];
  clientDataHash: Uint8Array;
  userPresent: boolean;
  userVerified: boolean;
  /** A discoverable lookup that found more than one account: the platform shows a chooser. */
  severalAccounts: boolean;
  /** The request's extension inputs, applied to every credential handed out. */
  extensions?: CborMap;
  pinUvAuthProtocol?: number;
}

/**
 * What credentialManagement's enumerateRPsGetNextRP / enumerateCredentialsGetNextCredential
 * hand out next (CTAP 2.2 section 6.8): the remaining responses, ready to send.
 */
export interface CredentialEnumeration {
  /** The subCommand that continues it. */
  next: number;
  pending: CredentialManagementResponse[];
}

/** A large-blob write in progress (CTAP 2.2 section 6.10.2): fragments received so far. */
export interface LargeBlobWrite {
  expectedLength: number;
  expectedNextOffset: number;
  fragments: Uint8Array[];
}

/** A fingerprint enrollment in progress (CTAP 2.2 section 6.7.2): the template being made and the good samples still needed. */
export interface BioEnrollmentInProgress {
  templateId: Uint8Array;
  remainingSamples: number;
}

interface Stateful {
  assertions: AssertionQueue;
  enumeration: CredentialEnumeration;
  largeBlobWrite: LargeBlobWrite;
  bioEnrollment: BioEnrollmentInProgress;
}

type StatefulKind = keyof Stateful;

/** The command (a CTAP2 command byte, or "u2f" for any CTAP1 message) that may continue each kind. */
// A large-blob write is abandoned only by a new write at offset 0 (section 6.10.2), a reset or a power cycle.
const CONTINUED_BY: Record<"assertions" | "enumeration" | "bioEnrollment", readonly (number | "u2f")[]> = {
  // getNextAssertion follows getAssertion or itself (section 6.3).
  assertions: [Command.authenticatorGetAssertion, Command.authenticatorGetNextAssertion],
  // Enumerations continue only within credentialManagement (section 6.8); the handler ends one it does not continue.
  enumeration: [Command.authenticatorCredentialManagement],
  // An enrollment continues through bio enrollment requests only (0x40 counts as 0x09); any other command ends it.
  bioEnrollment: [Command.authenticatorBioEnrollment],
};

const ENDED_BY_OTHER_COMMANDS = ["assertions", "enumeration", "bioEnrollment"] as const;

/** The commands that, continuing a stateful command, restart its window: each getNextAssertion resets the timer (CTAP 2.2 section 6.3 step 7). */
const RESTARTS_WINDOW: Partial<Record<StatefulKind, readonly number[]>> = {
  assertions: [Command.authenticatorGetNextAssertion],
};

export class Session {
  readonly poweredUpAt: number;
  /** Key agreement keys, the pinUvAuthToken and the mismatch run of ClientPIN. */
  pin = new PinRuntime();
  private readonly stateful: Partial<Stateful> = {};
  private readonly expiresAt: Partial<Record<StatefulKind, number>> = {};
  private readonly lifetimes: Partial<Record<StatefulKind, number>> = {};

  constructor(private readonly now: () => number) {
    this.poweredUpAt = now();
  }

  /**
   * Ends whatever stateful command `command` does not continue, or that expired; restarts the
   * window of one it continues where the spec says so. A prototype byte counts as its command
   * (0x41 continues a credential-management enumeration as 0x0A does).
   */
  beforeCommand(byte: number | "u2f"): void {
    const command = byte === "u2f" ? byte : standardCommand(byte);
    for (const kind of ENDED_BY_OTHER_COMMANDS) {
      if (!this.stateful[kind]) continue;
      if (this.expired(kind) || !CONTINUED_BY[kind].includes(command)) this.end(kind);
      else if (command !== "u2f" && RESTARTS_WINDOW[kind]?.includes(command)) this.restartWindow(kind);
    }
  }

  private restartWindow(kind: StatefulKind): void {
    const lifetime = this.lifetimes[kind];
    if (lifetime !== undefined) this.expiresAt[kind] = this.now() + lifetime;
  }

  /** Starts (or replaces) a stateful command; it ends by itself `lifetimeMs` later, when given. */
  begin<K extends StatefulKind>(kind: K, state: Stateful[K], lifetimeMs?: number): void {
    this.stateful[kind] = state;
    if (lifetimeMs === undefined) {
      delete this.expiresAt[kind];
      delete this.lifetimes[kind];
    } else {
      this.expiresAt[kind] = this.now() + lifetimeMs;
      this.lifetimes[kind] = lifetimeMs;
    }
  }

  /** The stateful command of that kind, unless there is none or it expired. */
  current<K extends StatefulKind>(kind: K): Stateful[K] | undefined {
    if (this.expired(kind)) this.end(kind);
    return this.stateful[kind];
  }

  private expired(kind: StatefulKind): boolean {
    const expiresAt = this.expiresAt[kind];
    return expiresAt !== undefined && this.now() > expiresAt;
  }

  /** Whether a stateful command of that kind is held, expired or not (for diagnostics that must not end it). */
  holds(kind: StatefulKind): boolean {
    return this.stateful[kind] !== undefined;
  }

  end(kind: StatefulKind): void {
    delete this.stateful[kind];
    delete this.expiresAt[kind];
    delete this.lifetimes[kind];
  }

  /** authenticatorReset: every stateful command ends and ClientPIN starts over. */
  clear(): void {
    for (const kind of Object.keys(this.stateful) as StatefulKind[]) this.end(kind);
    this.pin = new PinRuntime();
  }
}
