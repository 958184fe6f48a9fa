/**
 * The virtual-authenticator commands of WebDriver (WebAuthn L3 section 11, "WebAuthn WebDriver
 * Extension Capability"), by the names and shapes selenium-webdriver's driver offers them
 * (`addVirtualAuthenticator(options)`, `addCredential(credential)`, `getCredentials()`,
 * `removeCredential(id)`, `removeAllCredentials()`, `setUserVerified(bool)`,
 * `removeVirtualAuthenticator()`, `virtualAuthenticatorId()`), on the drop-in's softkey devices
 * (./virtualAuthenticators.ts): a Selenium test ports by calling these on the attachment's
 * `webDriver` instead of on the driver. As in Selenium, the methods act on the last authenticator
 * added.
 *
 * Shapes, as selenium-webdriver's lib/virtual_authenticator.js makes and reads them: options by
 * their `toDict()` (or the dictionary itself: protocol "ctap2" | "ctap2_1" | "ctap1/u2f",
 * transport, hasResidentKey, hasUserVerification, isUserConsenting, isUserVerified, extensions);
 * credentials in by `toDict()` (credentialId, privateKey and userHandle base64url) and out with
 * the same getters as Selenium's Credential (`id()` and `userHandle()` bytes, `privateKey()` a
 * binary string of the PKCS#8 key).
 */
import type { CdpCredential } from "../exchange/cdp.js";
import { VirtualAuthenticatorError, type VirtualAuthenticators } from "./virtualAuthenticators.js";
import type { VirtualAuthenticatorOptions } from "./virtualAuthenticator.js";

/** WebDriver's Authenticator Configuration (WebAuthn L3 section 11.3). */
export interface WebDriverAuthenticatorConfiguration {
  protocol?: "ctap1/u2f" | "ctap2" | "ctap2_1";
  transport?: "usb" | "nfc" | "ble" | "smart-card" | "hybrid" | "internal";
  hasResidentKey?: boolean;
  hasUserVerification?: boolean;
  isUserConsenting?: boolean;
  isUserVerified?: boolean;
  /** Extension identifiers: "largeBlob", "credBlob", "minPinLength", "prf". */
  extensions?: string[];
  defaultBackupEligibility?: boolean;
  defaultBackupState?: boolean;
}

/** A credential's parameters as WebDriver's Add Credential takes them (WebAuthn L3 section 11.6): binary members base64url. */
export interface WebDriverCredentialParameters {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle?: string;
  signCount?: number;
}

/** A credential as selenium-webdriver's Credential reads it. */
export interface WebDriverCredential {
  id(): Uint8Array;
  isResidentCredential(): boolean;
  rpId(): string;
  userHandle(): Uint8Array | null;
  /** The PKCS#8 private key as a binary string (Selenium's encoding). */
  privateKey(): string;
  signCount(): number;
  toDict(): Record<string, unknown>;
}

type Dictable<T> = T | { toDict(): T };

const dictOf = <T>(value: Dictable<T>): T =>
  typeof (value as { toDict?: unknown }).toDict === "function" ? (value as { toDict(): T }).toDict() : (value as T);

const TRANSPORTS: Record<string, VirtualAuthenticatorOptions["transport"]> = { usb: "usb", nfc: "nfc", ble: "ble", hybrid: "cable", internal: "internal" };

const b64url = (base64: string): string => Buffer.from(base64, "base64").toString("base64url");
const b64 = (base64url: string): string => Buffer.from(base64url, "base64url").toString("base64");

export class WebDriverVirtualAuthenticator {
  private authenticatorId: string | null = null;

  constructor(private readonly authenticators: VirtualAuthenticators) {}

  /** The authenticator the other methods act on, as Selenium's `virtualAuthenticatorId()`. */
  virtualAuthenticatorId(): string | null {
    return this.authenticatorId;
  }

  async addVirtualAuthenticator(options: Dictable<WebDriverAuthenticatorConfiguration>): Promise<void> {
    const config = dictOf(options);
    const protocol = config.protocol ?? "ctap2";
    if (!["ctap1/u2f", "ctap2", "ctap2_1"].includes(protocol)) throw new VirtualAuthenticatorError(`protocol: "ctap1/u2f", "ctap2" or "ctap2_1", got ${JSON.stringify(protocol)}`);
    const transport = TRANSPORTS[config.transport ?? "usb"];
    if (!transport) throw new VirtualAuthenticatorError(`transport: softkey has no ${JSON.stringify(config.transport)} authenticator (usb, nfc, ble, hybrid, internal)`);
    const extensions = config.extensions ?? [];
    for (const extension of extensions) {
      if (!["largeBlob", "credBlob", "minPinLength", "prf"].includes(extension)) throw new VirtualAuthenticatorError(`extensions: "${extension}" is not one WebDriver can switch on`);
    }
    await this.authenticators.enable();
    const { authenticatorId } = await this.authenticators.addVirtualAuthenticator({
      options: {
        protocol: protocol === "ctap1/u2f" ? "u2f" : "ctap2",
        ...(protocol === "ctap2_1" ? { ctap2Version: "ctap2_1" } : {}),
        transport,
        hasResidentKey: config.hasResidentKey ?? false,
        hasUserVerification: config.hasUserVerification ?? false,
        // A user who does not consent never gives presence, as in chromedriver.
        automaticPresenceSimulation: config.isUserConsenting ?? true,
        isUserVerified: config.isUserVerified ?? false,
        hasLargeBlob: extensions.includes("largeBlob"),
        hasCredBlob: extensions.includes("credBlob"),
        hasMinPinLength: extensions.includes("minPinLength"),
        hasPrf: extensions.includes("prf"),
        ...(config.defaultBackupEligibility !== undefined ? { defaultBackupEligibility: config.defaultBackupEligibility } : {}),
        ...(config.defaultBackupState !== undefined ? { defaultBackupState: config.defaultBackupState } : {}),
      },
    });
    this.authenticatorId = authenticatorId;
  }

  async removeVirtualAuthenticator(): Promise<void> {
    await this.authenticators.removeVirtualAuthenticator({ authenticatorId: this.current() });
    this.authenticatorId = null;
  }

  async addCredential(credential: WebDriverCredentialParameters | { toDict(): object }): Promise<void> {
    const dict = dictOf(credential as Dictable<Record<string, unknown>>);
    const text = (name: string): string => {
      if (typeof dict[name] !== "string") throw new VirtualAuthenticatorError(`credential.${name}: a base64url string is required`);
      return dict[name] as string;
    };
    const cdp: CdpCredential = {
      credentialId: b64(text("credentialId")),
      isResidentCredential: dict.isResidentCredential === true,
      rpId: text("rpId"),
      privateKey: b64(text("privateKey")),
      signCount: typeof dict.signCount === "number" ? dict.signCount : 0,
      ...(typeof dict.userHandle === "string" ? { userHandle: b64(dict.userHandle) } : {}),
    };
    await this.authenticators.addCredential({ authenticatorId: this.current(), credential: cdp });
  }

  async getCredentials(): Promise<WebDriverCredential[]> {
    const { credentials } = await this.authenticators.getCredentials({ authenticatorId: this.current() });
    return credentials.map(webDriverCredential);
  }

  /** By ID: bytes (as Selenium takes an array) or base64url. */
  async removeCredential(credentialId: Uint8Array | number[] | string): Promise<void> {
    const id = typeof credentialId === "string" ? b64(credentialId) : Buffer.from(credentialId).toString("base64");
    await this.authenticators.removeCredential({ authenticatorId: this.current(), credentialId: id });
  }

  async removeAllCredentials(): Promise<void> {
    await this.authenticators.clearCredentials({ authenticatorId: this.current() });
  }

  async setUserVerified(verified: boolean): Promise<void> {
    await this.authenticators.setUserVerified({ authenticatorId: this.current(), isUserVerified: verified });
  }

  private current(): string {
    if (this.authenticatorId === null) throw new VirtualAuthenticatorError("no virtual authenticator: call addVirtualAuthenticator first");
    return this.authenticatorId;
  }
}

function webDriverCredential(credential: CdpCredential): WebDriverCredential {
  const dict = {
    credentialId: b64url(credential.credentialId),
    isResidentCredential: credential.isResidentCredential,
    rpId: credential.rpId ?? "",
    privateKey: b64url(credential.privateKey),
    signCount: credential.signCount,
    ...(credential.userHandle !== undefined ? { userHandle: b64url(credential.userHandle) } : {}),
  };
  return {
    id: () => new Uint8Array(Buffer.from(credential.credentialId, "base64")),
    isResidentCredential: () => credential.isResidentCredential,
    rpId: () => dict.rpId,
    userHandle: () => (credential.userHandle === undefined ? null : new Uint8Array(Buffer.from(credential.userHandle, "base64"))),
    privateKey: () => Buffer.from(credential.privateKey, "base64").toString("binary"),
    signCount: () => credential.signCount,
    toDict: () => ({ ...dict }),
  };
}
