/**
 * The assembled virtual security key: an encrypted keystore, the CTAP2
 * authenticator core on top of it, and a WebAuthn client that talks to the
 * core through bytes only. This is what the CLI and the library API hand out.
 */
import { Keystore } from "./keystore/store.js";
import type { ScryptParams, CredentialRecord } from "./keystore/records.js";
import { Authenticator } from "./ctap2/authenticator.js";
import {
  aaguidFromString,
  aaguidToString,
  defaultAuthenticatorConfig,
  SOFTKEY_AAGUID,
  type AttestationFormatName,
  type AuthenticatorConfig,
} from "./ctap2/authenticatorConfig.js";
import { createPresence, type BuiltInUvMode, type PresencePolicyName } from "./presence/index.js";
import type { UserPresence } from "./presence/presence.js";
import { WebAuthnClient } from "./client/client.js";
import { algorithmName } from "./crypto/cose.js";

/** The device settings chosen at `init` and kept in the store. */
export interface DeviceSettings {
  aaguid: string;
  attestation: AttestationFormatName;
}

const DEVICE_SETTING = "device";

export interface InitOptions {
  /** scrypt cost for the passphrase; defaults to DEFAULT_SCRYPT. */
  scrypt?: ScryptParams;
  aaguid?: string;
  attestation?: AttestationFormatName;
}

export interface OpenOptions {
  passphrase: string;
  presence?: PresencePolicyName | UserPresence;
  uv?: BuiltInUvMode;
  /** Diagnostics from the core (skipped corrupt records, refused requests). */
  log?: (message: string) => void;
  /** Overrides of the emulated device, e.g. a shorter reset window in tests. */
  config?: Partial<AuthenticatorConfig>;
}

/** One credential as `softkey list` shows it; no secret in here. */
export interface CredentialSummary {
  credentialId: string;
  rpId: string;
  userName?: string;
  userDisplayName?: string;
  userHandle?: string;
  algorithm: string;
  discoverable: boolean;
  signCount: number;
  createdAt: string;
}

export class Softkey {
  private constructor(
    readonly keystore: Keystore,
    readonly authenticator: Authenticator,
    readonly client: WebAuthnClient,
    readonly device: DeviceSettings,
  ) {}

  /** Create a new store (refusing an existing one) and open it. */
  static async init(dir: string, passphrase: string, init: InitOptions = {}, open: Omit<OpenOptions, "passphrase"> = {}): Promise<Softkey> {
    const device: DeviceSettings = {
      aaguid: aaguidToString(aaguidFromString(init.aaguid ?? SOFTKEY_AAGUID)),
      attestation: init.attestation ?? "packed",
    };
    const keystore = await Keystore.create(dir, passphrase, { scrypt: init.scrypt });
    await keystore.putSetting(DEVICE_SETTING, device);
    return Softkey.assemble(keystore, { ...open, passphrase });
  }

  static async open(dir: string, options: OpenOptions): Promise<Softkey> {
    const keystore = await Keystore.open(dir, options.passphrase);
    try {
      return await Softkey.assemble(keystore, options);
    } catch (error) {
      await keystore.close();
      throw error;
    }
  }

  private static async assemble(keystore: Keystore, options: OpenOptions): Promise<Softkey> {
    const device = (await keystore.getSetting<DeviceSettings>(DEVICE_SETTING)) ?? { aaguid: SOFTKEY_AAGUID, attestation: "packed" };
    const presence =
      typeof options.presence === "object" ? options.presence : createPresence({ policy: options.presence, uv: options.uv });
    const authenticator = new Authenticator({
      store: keystore,
      presence,
      config: defaultAuthenticatorConfig({
        aaguid: aaguidFromString(device.aaguid),
        attestationFormat: device.attestation,
        settingsKeptOnReset: [DEVICE_SETTING],
        ...options.config,
      }),
      log: options.log,
    });
    return new Softkey(keystore, authenticator, new WebAuthnClient(authenticator), device);
  }

  /** navigator.credentials.create(): creation options JSON in, RegistrationResponseJSON out. */
  create(...args: Parameters<WebAuthnClient["create"]>): ReturnType<WebAuthnClient["create"]> {
    return this.client.create(...args);
  }

  /** navigator.credentials.get(): request options JSON in, AuthenticationResponseJSON out. */
  get(...args: Parameters<WebAuthnClient["get"]>): ReturnType<WebAuthnClient["get"]> {
    return this.client.get(...args);
  }

  /** Credentials in the store, optionally of one RP, plus the IDs of records that failed their integrity check. */
  async listCredentials(filter: { rpId?: string } = {}): Promise<{ credentials: CredentialSummary[]; corrupted: string[] }> {
    const rpIdHash = filter.rpId === undefined ? undefined : this.authenticator.context.rpIdHash(filter.rpId);
    const scan = await this.keystore.scanCredentials(rpIdHash);
    const credentials = await Promise.all(scan.credentials.map((record) => this.summarize(record)));
    credentials.sort((a, b) => a.rpId.localeCompare(b.rpId) || a.createdAt.localeCompare(b.createdAt));
    return { credentials, corrupted: scan.corrupted.map((c) => Buffer.from(c.credentialId).toString("base64url")) };
  }

  /** Delete one credential by its base64url ID; false when there is none. */
  async deleteCredential(credentialId: string): Promise<boolean> {
    const id = Buffer.from(credentialId, "base64url");
    const deleted = await this.keystore.deleteCredential(id);
    this.authenticator.context.keyCache.forget(id);
    return deleted;
  }

  private async summarize(record: CredentialRecord): Promise<CredentialSummary> {
    return {
      credentialId: Buffer.from(record.id).toString("base64url"),
      rpId: record.rpId,
      userName: record.user?.name,
      userDisplayName: record.user?.displayName,
      userHandle: record.user ? Buffer.from(record.user.id).toString("base64url") : undefined,
      algorithm: algorithmName(record.alg),
      discoverable: record.discoverable,
      signCount: (await this.keystore.getSignCount(record.id)) ?? 0,
      createdAt: new Date(record.createdAt).toISOString(),
    };
  }

  close(): Promise<void> {
    return this.keystore.close();
  }
}
