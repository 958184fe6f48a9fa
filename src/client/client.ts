/**
 * WebAuthnClient: the browser's role in front of one or more authenticators.
 * JSON options in (as an RP's server sends them), JSON credential out (as
 * PublicKeyCredential.toJSON() gives it back), and nothing but CTAP bytes in
 * between, so any CtapDevice can stand behind it: the in-process core, a
 * CTAPHID socket, a real key; a key that speaks only CTAP1/U2F is served
 * through its CTAP1 door. Beside create() and get() it answers the
 * PublicKeyCredential statics a page can call (getClientCapabilities,
 * isUserVerifyingPlatformAuthenticatorAvailable, the signal methods).
 */
import type { CtapDevice } from "../ctap/transport.js";
import { parseAccountSelector, type AccountSelector } from "./accountChoice.js";
import { clientCapabilities, userVerifyingPlatformAuthenticatorAvailable } from "./capabilities.js";
import { asWebAuthnError } from "./ceremony.js";
import type { AuthenticatorSettings, CeremonyCallOptions, ClientContext, ClientRuntime, ClientSettings } from "./context.js";
import { createCredential } from "./createCredential.js";
import { authenticatorGetInfo, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { getAssertion, type GetCallOptions } from "./getAssertion.js";
import { MediatedSignIns, type MediatedSignIn } from "./mediation.js";
import type { AuthenticatorAttachment, CreationOptionsInput, RequestOptionsInput } from "./optionsJSON.js";
import { detectProtocol } from "./protocol.js";
import type { CredentialProvider } from "./provider.js";
import type { RelatedOriginsOptions } from "./relatedOrigins.js";
import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from "./responseJSON.js";
import { signalCredentials, type SignalCallOptions, type SignalName } from "./signals.js";

/** How one authenticator presents itself to the client. */
export interface AuthenticatorOptions {
  /**
   * "cross-platform" (a security key, the default) or "platform". Reported as
   * authenticatorAttachment; an RP asking for the other kind is refused.
   */
  attachment?: AuthenticatorAttachment;
  /** Transports reported at registration; default: getInfo's, else ["usb"] ("internal" for platform). */
  transports?: AuthenticatorTransport[];
  /**
   * The AAGUID when attestation "none" strips the statement: "zero" as Chrome does for security
   * keys (WebAuthn L2), "keep" as WebAuthn L3 and Chrome for platform authenticators do.
   * Default: "zero" for cross-platform, "keep" for platform.
   */
  noneAttestationAaguid?: "zero" | "keep";
  /**
   * Hand the authenticator's response to the RP even when its authenticator data is broken (UP
   * clear, wrong rpIdHash, cut short), instead of refusing it as Chrome does: for testing how an RP
   * treats a faulty key (softkey's response faults turn this on).
   */
  passThroughBrokenResponses?: boolean;
  /** The credential provider behind it (a Softkey's store): immediate and conditional mediation, the signal methods. */
  provider?: CredentialProvider;
}

/** One more authenticator attached to the client, beside the first. */
export interface AttachedAuthenticator extends AuthenticatorOptions {
  device: CtapDevice;
}

export interface WebAuthnClientOptions extends AuthenticatorOptions {
  /** Authenticators attached beside the first (the constructor's), in the order a user would try them. */
  authenticators?: AttachedAuthenticator[];
  /** Accept IP-address origins (browsers refuse them); the RP ID must then be that address. */
  allowIpAddressOrigins?: boolean;
  /** Ceremony timeout when the options carry none, in ms. Default 300000 (WebAuthn L3 section 15.1 recommends it). */
  defaultTimeout?: number;
  /**
   * The authenticator's PIN, or a function asked for it when a ceremony needs it (a prompt); it
   * may answer undefined for "no PIN". Without one, a PIN-protected key can only be used where
   * user verification is not needed, as in a browser whose user dismisses the PIN dialog.
   */
  pin?: PinSource;
  /**
   * Related origin requests (WebAuthn L3 section 5.11): how to fetch `https://RPID/.well-known/webauthn`
   * (default the global fetch; a test serves the file itself), or false to make none (an RP ID the
   * origin cannot claim is then a SecurityError at once).
   */
  relatedOrigins?: RelatedOriginsOptions | false;
  /** How long a recorded sign-in counts for conditional create, in ms; default 300000. */
  mediatedSignInWindow?: number;
  /** Entries of getClientCapabilities() to set whatever the authenticators say, e.g. { hybridTransport: true }. */
  capabilities?: Record<string, boolean>;
  /**
   * The account the user picks in the account chooser when a get() finds several discoverable
   * credentials and the call names none (WebAuthn L3 section 6.3.3 step 6; setAccount changes it).
   */
  account?: AccountSelector;
}

/** A PIN, or where to get one when needed. */
export type PinSource = string | (() => string | undefined | Promise<string | undefined>);

export type CreateCallOptions = CeremonyCallOptions;
export type { GetCallOptions, SignalCallOptions };

const DEFAULT_TIMEOUT_MS = 300_000;

export class WebAuthnClient {
  /** The first authenticator's device (the constructor's). */
  readonly transport: CtapDevice;
  private readonly runtime: ClientRuntime;
  private capabilityOverrides: Readonly<Record<string, boolean>>;
  private lastCeremony: Promise<unknown> = Promise.resolve();

  constructor(device: CtapDevice, options: WebAuthnClientOptions = {}) {
    this.transport = device;
    const settings: ClientSettings = {
      defaultTimeoutMs: options.defaultTimeout ?? DEFAULT_TIMEOUT_MS,
      allowIpAddressOrigins: options.allowIpAddressOrigins ?? false,
      relatedOrigins: options.relatedOrigins ?? {},
    };
    const pin = options.pin;
    const getPin = async (): Promise<string | undefined> => (typeof pin === "function" ? await pin() : pin);
    const attach = (entry: AttachedAuthenticator): ClientContext => {
      const attachment = entry.attachment ?? "cross-platform";
      const own: AuthenticatorSettings = {
        attachment,
        noneAttestationAaguid: entry.noneAttestationAaguid ?? (attachment === "platform" ? "keep" : "zero"),
        ...(entry.transports ? { transports: [...entry.transports] } : {}),
        ...(entry.passThroughBrokenResponses ? { passThroughBrokenResponses: true } : {}),
      };
      const { device: d } = entry;
      return {
        transport: d,
        ...(d.ctap1 ? { ctap1: d.ctap1 } : {}),
        settings: { ...settings, ...own },
        getInfo: (call) => authenticatorGetInfo(d, call),
        pinAvailable: pin !== undefined,
        getPin,
        ...(entry.provider ? { provider: entry.provider } : {}),
      };
    };
    const { authenticators = [], ...first } = options;
    this.runtime = {
      settings,
      authenticators: [attach({ ...first, device }), ...authenticators.map(attach)],
      signIns: new MediatedSignIns(options.mediatedSignInWindow),
    };
    this.capabilityOverrides = { ...options.capabilities };
    this.setAccount(options.account);
  }

  /** The entries of getClientCapabilities() set whatever the authenticators say (WebAuthnClientOptions.capabilities). */
  get capabilities(): Readonly<Record<string, boolean>> {
    return { ...this.capabilityOverrides };
  }

  /** Replace the capability overrides; calls from then on answer with them. */
  setCapabilities(overrides: Readonly<Record<string, boolean>>): void {
    this.capabilityOverrides = { ...overrides };
  }

  /** The account the user picks when a get() names none (WebAuthnClientOptions.account); undefined: the most recent. */
  get account(): AccountSelector | undefined {
    return this.runtime.account ? { ...this.runtime.account } : undefined;
  }

  /** Change the account the user picks, from the next get() on; undefined: the most recent again. Checked as a call's `account` is. */
  setAccount(account: AccountSelector | undefined): void {
    const parsed = parseAccountSelector(account);
    if (parsed) this.runtime.account = parsed;
    else delete this.runtime.account;
  }

  /**
   * authenticatorGetInfo of the first authenticator. Asked afresh each time, as Chrome asks each
   * time it finds the device: clientPin, alwaysUv, minPINLength and the free credential slots change.
   */
  async getInfo(options: { signal?: AbortSignal } = {}): Promise<AuthenticatorInfo> {
    try {
      const protocol = await detectProtocol(this.runtime.authenticators[0]!, options.signal ? { signal: options.signal } : {});
      return protocol.info;
    } catch (error) {
      throw asWebAuthnError(error);
    }
  }

  /**
   * Whether broken authenticator data goes to the RP instead of being refused (see
   * WebAuthnClientOptions.passThroughBrokenResponses) for the client's own authenticator; ceremonies
   * that start later see the change.
   */
  setPassThroughBrokenResponses(on: boolean): void {
    // The client's own authenticator (the first attached): the one a Softkey's faults act on.
    const own = this.runtime.authenticators[0]!.settings;
    if (on) own.passThroughBrokenResponses = true;
    else delete own.passThroughBrokenResponses;
  }

  /** navigator.credentials.create({ publicKey }) → RegistrationResponseJSON. */
  create(options: CreationOptionsInput, call: CreateCallOptions): Promise<RegistrationResponseJSON> {
    return this.oneAtATime(() => createCredential(this.runtime, options, call));
  }

  /** navigator.credentials.get({ publicKey }) → AuthenticationResponseJSON. */
  get(options: RequestOptionsInput, call: GetCallOptions): Promise<AuthenticationResponseJSON> {
    return this.oneAtATime(() => getAssertion(this.runtime, options, call));
  }

  /** PublicKeyCredential.getClientCapabilities(), for the authenticators attached (./capabilities.ts). */
  getClientCapabilities(options: { signal?: AbortSignal } = {}): Promise<Record<string, boolean>> {
    const call = options.signal ? { signal: options.signal } : {};
    return clientCapabilities(this.runtime.authenticators, this.runtime.settings.relatedOrigins !== false, this.capabilityOverrides, call);
  }

  /** PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable(). */
  isUserVerifyingPlatformAuthenticatorAvailable(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (this.capabilityOverrides.userVerifyingPlatformAuthenticator !== undefined) {
      return Promise.resolve(this.capabilityOverrides.userVerifyingPlatformAuthenticator);
    }
    return userVerifyingPlatformAuthenticatorAvailable(this.runtime.authenticators, options.signal ? { signal: options.signal } : {});
  }

  /** PublicKeyCredential.signalUnknownCredential({ rpId, credentialId }). */
  signalUnknownCredential(options: { rpId: string; credentialId: string }, call: SignalCallOptions): Promise<void> {
    return this.signal("signalUnknownCredential", options, call);
  }

  /** PublicKeyCredential.signalAllAcceptedCredentials({ rpId, userId, allAcceptedCredentialIds }). */
  signalAllAcceptedCredentials(
    options: { rpId: string; userId: string; allAcceptedCredentialIds: string[] },
    call: SignalCallOptions,
  ): Promise<void> {
    return this.signal("signalAllAcceptedCredentials", options, call);
  }

  /** PublicKeyCredential.signalCurrentUserDetails({ rpId, userId, name, displayName }). */
  signalCurrentUserDetails(options: { rpId: string; userId: string; name: string; displayName: string }, call: SignalCallOptions): Promise<void> {
    return this.signal("signalCurrentUserDetails", options, call);
  }

  /** Any of the three signal methods by name (what a page shim forwards). */
  signal(name: SignalName, options: unknown, call: SignalCallOptions): Promise<void> {
    return signalCredentials(this.runtime, name, options, call);
  }

  /**
   * The browser mediated a sign-in on `origin` (the user autofilled a saved password, say): a
   * conditional create there, for that user name when one is given, may follow within
   * `mediatedSignInWindow`. What a real browser learns from its user, a test states here.
   */
  recordMediatedSignIn(signIn: MediatedSignIn): void {
    this.runtime.signIns.record(signIn);
  }

  /**
   * Ceremonies run one after another, as a browser runs one at a time per
   * authenticator: a ceremony takes several CTAP round trips, and a second
   * one's pinUvAuthToken would replace the first's between its steps.
   */
  private oneAtATime<T>(ceremony: () => Promise<T>): Promise<T> {
    const result = this.lastCeremony.then(ceremony, ceremony);
    this.lastCeremony = result.catch(() => undefined);
    return result;
  }
}
