/** What a ceremony needs from the client that runs it. */
import type { CtapTransport } from "../ctap/transport.js";
import type { AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import type { CallOptions } from "./ctap/command.js";
import type { OriginPolicy } from "./origin.js";
import type { AuthenticatorAttachment } from "./optionsJSON.js";
import type { AuthenticatorTransport } from "./responseJSON.js";

export interface ClientSettings extends OriginPolicy {
  attachment: AuthenticatorAttachment;
  /** Overrides the transports reported at registration; otherwise getInfo's transports. */
  transports?: AuthenticatorTransport[];
  noneAttestationAaguid: "zero" | "keep";
  /** Pass malformed authenticator data through to the RP instead of refusing it (WebAuthnClientOptions). */
  passThroughBrokenResponses?: boolean;
  defaultTimeoutMs: number;
}

export interface ClientContext {
  transport: CtapTransport;
  settings: ClientSettings;
  /** getInfo, asked afresh for each ceremony (the PIN, alwaysUv and free slots change). */
  getInfo(call: CallOptions): Promise<AuthenticatorInfo>;
  /** Whether the client has a PIN or a PIN provider to ask (Chrome's "can collect a PIN"). */
  pinAvailable: boolean;
  /** The PIN, from the client's option or provider; undefined when the user gives none. */
  getPin(): Promise<string | undefined>;
}

/** Per-call options common to create() and get(). */
export interface CeremonyCallOptions {
  /** The caller's origin, e.g. "https://app.example.com" or "http://localhost:3000". */
  origin: string;
  /** The top-level origin when the caller is an iframe; a different origin makes the ceremony cross-origin. */
  topOrigin?: string;
  signal?: AbortSignal;
  /** Called while the authenticator works or waits for a touch (CTAPHID keepalive). */
  onKeepalive?: CallOptions["onKeepalive"];
}
