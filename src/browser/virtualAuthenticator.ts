/**
 * One authenticator of the virtual-authenticator drop-in (./virtualAuthenticators.ts): a softkey
 * core built from the options of CDP's `WebAuthn.addVirtualAuthenticator` (Chrome DevTools
 * Protocol, WebAuthn domain, `VirtualAuthenticatorOptions`), over an in-memory store, with the
 * user Chrome simulates: presence given at once while `automaticPresenceSimulation` is on (a
 * request otherwise waits, as for a user who never touches), and built-in user verification that
 * succeeds or fails as `isUserVerified` says.
 *
 * The mapping, as Chrome builds its virtual device (content/browser/webauth/
 * virtual_authenticator.cc): protocol "u2f" is a CTAP1-only key; "ctap2" offers CTAP 2.0, or 2.1
 * with ctap2Version "ctap2_1". hasResidentKey, hasUserVerification, hasLargeBlob (largeBlobKey and
 * largeBlobs), hasCredBlob, hasMinPinLength and hasPrf (hmac-secret) turn on what they name;
 * transport "internal" is a platform authenticator; new credentials take defaultBackupEligibility
 * and defaultBackupState.
 */
import { Authenticator } from "../authenticator/device.js";
import { defaultAuthenticatorConfig } from "../authenticator/deviceConfig.js";
import { responseFaults } from "../authenticator/faultSwitches.js";
import type { AttachedAuthenticator, AuthenticatorTransport } from "../client/index.js";
import type { PresenceRequest, UserPresence, UvOutcome } from "../presence/presence.js";
import { VirtualCredentialStore, virtualCredentialProvider, type VirtualCredentialListener } from "./virtualCredentials.js";

/** CDP `WebAuthn.VirtualAuthenticatorOptions`. */
export interface VirtualAuthenticatorOptions {
  protocol: "ctap2" | "u2f";
  ctap2Version?: "ctap2_0" | "ctap2_1";
  transport: "usb" | "nfc" | "ble" | "cable" | "internal";
  hasResidentKey?: boolean;
  hasUserVerification?: boolean;
  hasLargeBlob?: boolean;
  hasCredBlob?: boolean;
  hasMinPinLength?: boolean;
  hasPrf?: boolean;
  automaticPresenceSimulation?: boolean;
  isUserVerified?: boolean;
  defaultBackupEligibility?: boolean;
  defaultBackupState?: boolean;
}

/** The user Chrome's virtual authenticator simulates; both switches can change while it is attached. */
class SimulatedUser implements UserPresence {
  constructor(
    readonly builtInUv: boolean,
    public automaticPresence: boolean,
    public userVerified: boolean,
  ) {}

  get answersImmediately(): boolean {
    return this.automaticPresence;
  }

  requestPresence(request: PresenceRequest): Promise<boolean> {
    return this.automaticPresence ? Promise.resolve(true) : untilAborted(request.signal);
  }

  verifyUser(request: PresenceRequest): Promise<UvOutcome> {
    if (!this.automaticPresence) return untilAborted(request.signal);
    return Promise.resolve(this.userVerified ? "verified" : "failed");
  }
}

/** A user who never answers: pending until the core's timer or the client aborts. */
function untilAborted<T>(signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((_, reject) => {
    if (!signal) return; // nothing will end it: as a user who walked away
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

const CDP_TRANSPORTS: Record<VirtualAuthenticatorOptions["transport"], AuthenticatorTransport> = {
  usb: "usb",
  nfc: "nfc",
  ble: "ble",
  cable: "hybrid",
  internal: "internal",
};

/** CDP `WebAuthn.setResponseOverrideBits`: each absent bit is false. */
export interface ResponseOverrideBits {
  isBogusSignature?: boolean;
  isBadUV?: boolean;
  isBadUP?: boolean;
}

export class VirtualAuthenticator {
  readonly store: VirtualCredentialStore;
  readonly device: Authenticator;
  private readonly user: SimulatedUser;
  private overridden = false;

  constructor(
    readonly id: string,
    readonly options: Readonly<VirtualAuthenticatorOptions>,
    listener: VirtualCredentialListener,
  ) {
    this.store = new VirtualCredentialStore(listener);
    const ctap2 = options.protocol === "ctap2";
    const transport = CDP_TRANSPORTS[options.transport];
    this.user = new SimulatedUser(ctap2 && options.hasUserVerification === true, options.automaticPresenceSimulation ?? true, options.isUserVerified ?? false);
    const extensions = [
      "credProtect",
      ...(options.hasPrf ? ["hmac-secret"] : []),
      ...(options.hasLargeBlob ? ["largeBlobKey"] : []),
      ...(options.hasCredBlob ? ["credBlob"] : []),
      ...(options.hasMinPinLength ? ["minPinLength"] : []),
    ];
    const defaults = defaultAuthenticatorConfig();
    this.device = new Authenticator({
      store: this.store,
      presence: this.user,
      config: defaultAuthenticatorConfig({
        ctap2,
        u2f: !ctap2,
        versions: ctap2 ? (options.ctap2Version === "ctap2_1" ? ["U2F_V2", "FIDO_2_0", "FIDO_2_1"] : ["U2F_V2", "FIDO_2_0"]) : ["U2F_V2"],
        attestationFormat: ctap2 ? "packed" : "fido-u2f",
        algorithms: ctap2 ? defaults.algorithms : [-7],
        transports: [transport],
        residentKeys: ctap2 && options.hasResidentKey === true,
        platformDevice: transport === "internal",
        extensions: ctap2 ? extensions : [],
        optionalFeatures: defaults.optionalFeatures.filter(
          (feature) => (feature !== "largeBlobs" || options.hasLargeBlob === true) && (feature !== "setMinPINLength" || options.hasMinPinLength === true),
        ),
        backupEligible: options.defaultBackupEligibility ?? false,
        backupState: options.defaultBackupState ?? false,
        bogusSignature: "zero",
      }),
    });
  }

  /**
   * How the WebAuthn client sees it: with its credentials as the provider the page's signals
   * reach, and, while override bits are set, with its broken responses passed to the page as
   * Chrome passes them (the RP is what the test is about).
   */
  attached(): AttachedAuthenticator {
    const transport = CDP_TRANSPORTS[this.options.transport];
    return {
      device: this.device,
      attachment: transport === "internal" ? "platform" : "cross-platform",
      transports: [transport],
      provider: virtualCredentialProvider(this.store),
      ...(this.overridden ? { passThroughBrokenResponses: true } : {}),
    };
  }

  /**
   * Chrome's override bits (virtual_ctap2_device.cc): UP and UV cleared in the authenticator data,
   * which is signed as sent; a bogus signature is the one byte 0x00, in assertions and in packed
   * attestation. CTAP2 responses only: a U2F authenticator's are not changed.
   */
  setResponseOverrideBits(bits: ResponseOverrideBits): void {
    const faults = responseFaults({ isBogusSignature: bits.isBogusSignature === true, isBadUV: bits.isBadUV === true, isBadUP: bits.isBadUP === true });
    this.device.setFaults(faults);
    this.overridden = bits.isBogusSignature === true || bits.isBadUV === true || bits.isBadUP === true;
  }

  setUserVerified(verified: boolean): void {
    this.user.userVerified = verified;
  }

  setAutomaticPresenceSimulation(enabled: boolean): void {
    this.user.automaticPresence = enabled;
  }
}
