/**
 * WebAuthnClient: the browser's role in front of one CTAP2 authenticator.
 * JSON options in (as an RP's server sends them), JSON credential out (as
 * PublicKeyCredential.toJSON() gives it back), and nothing but CTAP bytes in
 * between, so any CtapTransport can stand behind it: the in-process core, a
 * CTAPHID socket, a real key.
 */
import type { CtapTransport } from "../ctap/transport.js";
import type { CeremonyCallOptions, ClientContext, ClientSettings } from "./context.js";
import { createCredential } from "./createCredential.js";
import { authenticatorGetInfo, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import type { CallOptions } from "./ctap/command.js";
import { asWebAuthnError } from "./ceremony.js";
import { WebAuthnError } from "./errors.js";
import { getAssertion, type GetCallOptions } from "./getAssertion.js";
import type { AuthenticatorAttachment, CreationOptionsInput, RequestOptionsInput } from "./optionsJSON.js";
import type { AuthenticationResponseJSON, AuthenticatorTransport, RegistrationResponseJSON } from "./responseJSON.js";

export interface WebAuthnClientOptions {
  /**
   * How the authenticator presents itself: "cross-platform" (a security key, the default) or
   * "platform". Reported as authenticatorAttachment; an RP asking for the other kind is refused.
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
}

/** A PIN, or where to get one when needed. */
export type PinSource = string | (() => string | undefined | Promise<string | undefined>);

export type CreateCallOptions = CeremonyCallOptions;
export type { GetCallOptions };

const DEFAULT_TIMEOUT_MS = 300_000;

export class WebAuthnClient {
  private readonly context: ClientContext;
  private lastCeremony: Promise<unknown> = Promise.resolve();

  constructor(
    readonly transport: CtapTransport,
    options: WebAuthnClientOptions = {},
  ) {
    const attachment = options.attachment ?? "cross-platform";
    const settings: ClientSettings = {
      attachment,
      noneAttestationAaguid: options.noneAttestationAaguid ?? (attachment === "platform" ? "keep" : "zero"),
      defaultTimeoutMs: options.defaultTimeout ?? DEFAULT_TIMEOUT_MS,
      allowIpAddressOrigins: options.allowIpAddressOrigins ?? false,
    };
    if (options.transports) settings.transports = [...options.transports];
    if (options.passThroughBrokenResponses) settings.passThroughBrokenResponses = true;
    const pin = options.pin;
    this.context = {
      transport,
      settings,
      getInfo: (call) => this.fetchInfo(call),
      pinAvailable: pin !== undefined,
      getPin: async () => (typeof pin === "function" ? await pin() : pin),
    };
  }

  /**
   * authenticatorGetInfo. Asked afresh each time, as Chrome asks each time it finds the device:
   * clientPin, alwaysUv, minPINLength and the free credential slots change under a client.
   */
  async getInfo(options: { signal?: AbortSignal } = {}): Promise<AuthenticatorInfo> {
    try {
      return await this.fetchInfo(options.signal ? { signal: options.signal } : {});
    } catch (error) {
      throw asWebAuthnError(error);
    }
  }

  /**
   * Whether broken authenticator data goes to the RP instead of being refused (see
   * WebAuthnClientOptions.passThroughBrokenResponses); ceremonies that start later see the change.
   */
  setPassThroughBrokenResponses(on: boolean): void {
    if (on) this.context.settings.passThroughBrokenResponses = true;
    else delete this.context.settings.passThroughBrokenResponses;
  }

  /** navigator.credentials.create({ publicKey }) → RegistrationResponseJSON. */
  create(options: CreationOptionsInput, call: CreateCallOptions): Promise<RegistrationResponseJSON> {
    return this.oneAtATime(() => createCredential(this.context, options, call));
  }

  /** navigator.credentials.get({ publicKey }) → AuthenticationResponseJSON. */
  get(options: RequestOptionsInput, call: GetCallOptions): Promise<AuthenticationResponseJSON> {
    return this.oneAtATime(() => getAssertion(this.context, options, call));
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

  private async fetchInfo(call: CallOptions): Promise<AuthenticatorInfo> {
    const info = await authenticatorGetInfo(this.transport, call);
    if (!info.versions.some((v) => v.startsWith("FIDO_2_"))) {
      throw new WebAuthnError("NotAllowedError", `the authenticator does not speak CTAP2 (versions: ${info.versions.join(", ")})`);
    }
    return info;
  }
}
