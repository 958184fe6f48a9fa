/**
 * What a ceremony needs from the client that runs it: the client's own
 * settings, and for the authenticator it runs on (one of those attached),
 * the doors to it and how it presents itself.
 */
import type { CtapTransport } from "../ctap/transport.js";
import type { AccountSelector } from "./accountChoice.js";
import type { AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import type { CallOptions } from "./ctap/command.js";
import type { MediatedSignIns } from "./mediation.js";
import type { OriginPolicy } from "./origin.js";
import type { AuthenticatorAttachment } from "./optionsJSON.js";
import type { CredentialProvider } from "./provider.js";
import type { RelatedOriginsOptions } from "./relatedOrigins.js";
import type { AuthenticatorTransport } from "./responseJSON.js";

/** How one attached authenticator presents itself. */
export interface AuthenticatorSettings {
  attachment: AuthenticatorAttachment;
  /** Overrides the transports reported at registration; otherwise getInfo's transports. */
  transports?: AuthenticatorTransport[];
  noneAttestationAaguid: "zero" | "keep";
  /** Pass malformed authenticator data through to the RP instead of refusing it (WebAuthnClientOptions). */
  passThroughBrokenResponses?: boolean;
}

/** The client's own settings, the same whichever authenticator answers. */
export interface ClientSettings extends OriginPolicy {
  defaultTimeoutMs: number;
  /** Related origin requests (section 5.11), or false when this client does not make them. */
  relatedOrigins: RelatedOriginsOptions | false;
}

/** One ceremony's view: the client's settings and the authenticator it runs on. */
export interface ClientContext {
  transport: CtapTransport;
  /** The device's CTAP1/U2F door, for a key that speaks only U2F. */
  ctap1?: CtapTransport;
  settings: ClientSettings & AuthenticatorSettings;
  /** getInfo, asked afresh for each ceremony (the PIN, alwaysUv and free slots change). */
  getInfo(call: CallOptions): Promise<AuthenticatorInfo>;
  /** Whether the client has a PIN or a PIN provider to ask (Chrome's "can collect a PIN"). */
  pinAvailable: boolean;
  /** The PIN, from the client's option or provider; undefined when the user gives none. */
  getPin(): Promise<string | undefined>;
  /** The credential provider behind a platform authenticator (immediate mediation, signals). */
  provider?: CredentialProvider;
}

/** Everything a create() or get() chooses among: the attached authenticators, in the order they were attached. */
export interface ClientRuntime {
  settings: ClientSettings;
  authenticators: readonly ClientContext[];
  /** The sign-ins the browser mediated, which conditional create looks for. */
  signIns: MediatedSignIns;
  /** The account the user picks when a get() names none (WebAuthnClient.setAccount); undefined: the most recent. */
  account?: AccountSelector;
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
  /**
   * CredentialCreationOptions / CredentialRequestOptions `mediation`: "conditional" (create and
   * get) and "immediate" (get) have their own rules; "optional", "required" and "silent" run the
   * ceremony as a modal one, as Chrome runs them for public keys.
   */
  mediation?: string;
  /**
   * Whether the caller had transient user activation (a click) when it called. Immediate mediation
   * and create() in a cross-origin frame need it. Default true: a library call acts for its user.
   */
  userActivation?: boolean;
}
