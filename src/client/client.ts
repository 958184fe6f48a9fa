/**
 * WebAuthnClient: the browser's role in front of one CTAP2 authenticator.
 * JSON options in (as an RP's server sends them), JSON credential out (as
 * PublicKeyCredential.toJSON() gives it back), and nothing but CTAP bytes in
 * between, so any CtapTransport can stand behind it: the in-process core, a
 * CTAPHID socket, a real key.
 */
import type { CtapTransport } from "../ctap2/transport.js";
import type { CeremonyCallOptions, ClientContext, ClientSettings } from "./context.js";
import { createCredential } from "./createCredential.js";
import { authenticatorGetInfo, type AuthenticatorInfo } from "./ctap/authenticatorGetInfo.js";
import { untilAborted, type CallOptions } from "./ctap/command.js";
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
  /** Accept IP-address origins (browsers refuse them); the RP ID must then be that address. */
  allowIpAddressOrigins?: boolean;
  /** Ceremony timeout when the options carry none, in ms. Default 300000 (WebAuthn L3 section 15.1 recommends it). */
  defaultTimeout?: number;
}

export type CreateCallOptions = CeremonyCallOptions;
export type { GetCallOptions };

const DEFAULT_TIMEOUT_MS = 300_000;

export class WebAuthnClient {
  private readonly context: ClientContext;
  private info: Promise<AuthenticatorInfo> | undefined;

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
    this.context = { transport, settings, getInfo: (call) => this.fetchInfo(call) };
  }

  /** authenticatorGetInfo, asked once per client and cached. */
  async getInfo(options: { signal?: AbortSignal } = {}): Promise<AuthenticatorInfo> {
    try {
      return await this.fetchInfo(options.signal ? { signal: options.signal } : {});
    } catch (error) {
      throw asWebAuthnError(error);
    }
  }

  /** navigator.credentials.create({ publicKey }) → RegistrationResponseJSON. */
  create(options: CreationOptionsInput, call: CreateCallOptions): Promise<RegistrationResponseJSON> {
    return createCredential(this.context, options, call);
  }

  /** navigator.credentials.get({ publicKey }) → AuthenticationResponseJSON. */
  get(options: RequestOptionsInput, call: GetCallOptions): Promise<AuthenticationResponseJSON> {
    return getAssertion(this.context, options, call);
  }

  private fetchInfo(call: CallOptions): Promise<AuthenticatorInfo> {
    if (!this.info) {
      // The first caller's signal governs the shared request; a failure is not cached.
      const pending = authenticatorGetInfo(this.transport, call).then((info) => {
        if (!info.versions.some((v) => v.startsWith("FIDO_2_"))) {
          throw new WebAuthnError("NotAllowedError", `the authenticator does not speak CTAP2 (versions: ${info.versions.join(", ")})`);
        }
        return info;
      });
      this.info = pending;
      pending.catch(() => {
        if (this.info === pending) this.info = undefined;
      });
    }
    return untilAborted(this.info, call.signal);
  }
}
