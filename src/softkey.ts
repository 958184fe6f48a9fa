/**
 * The assembled virtual security key: an encrypted keystore, the CTAP2
 * authenticator core on top of it, and a WebAuthn client that talks to the
 * core through bytes only. This is what the CLI and the library API hand out.
 * It emits events (softkeyEvents.ts) for the ceremonies and deletions run
 * through it, so adapters such as Playwright's attach listen instead of
 * wrapping its methods.
 */
import { Keystore } from "./keystore/store.js";
import type { CredentialRecord } from "./authenticator/store.js";
import type { ScryptParams } from "./keystore/records.js";
import { Authenticator } from "./authenticator/device.js";
import {
  aaguidFromString,
  aaguidToString,
  defaultAuthenticatorConfig,
  SOFTKEY_AAGUID,
  type AttestationFormatName,
  type AuthenticatorConfig,
} from "./authenticator/deviceConfig.js";
import { createPresence, type BuiltInUvMode, type PresencePolicyName } from "./presence/index.js";
import type { UserPresence } from "./presence/presence.js";
import { WebAuthnClient, type CreateCallOptions, type PinSource } from "./client/client.js";
import type { GetCallOptions } from "./client/getAssertion.js";
import type { CreationOptionsInput, RequestOptionsInput } from "./client/optionsJSON.js";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "./client/responseJSON.js";
import { algorithmName } from "./ctap/cose.js";
import { Setting } from "./authenticator/settings.js";
import { deterministicKeyFactory } from "./crypto/deterministicKeys.js";
import { NO_FAULTS, responseFaults, type ResponseFaults } from "./authenticator/faultSwitches.js";
import { CredentialNotFoundError, IntegrityError } from "./keystore/errors.js";
import { defaultProfile, profileClientOptions, profileConfig, profileHasBuiltInUv, resolveProfile, type Profile } from "./profiles/index.js";
import { ceremonyEvent, errorName, type CeremonyName, type SoftkeyEvents } from "./softkeyEvents.js";
import { TypedEvents } from "./typedEvents.js";

/** The device settings chosen at `init` and kept in the store. */
export interface DeviceSettings {
  aaguid: string;
  attestation: AttestationFormatName;
  /** RP IDs for vendor-facilitated enterprise attestation; present (even empty) makes the device capable of it. */
  enterpriseRpIds?: string[];
  /** The device profile chosen at init (a copy, so the store does not depend on the file); absent in older stores: softkey-roaming. */
  profile?: Profile;
}

const DEVICE_SETTING = Setting.device.name;
/** The response faults switched on with `softkey fault set` (a partial ResponseFaults); kept on reset, as a broken key stays broken. */
const FAULTS_SETTING = Setting.faults.name;

export interface InitOptions {
  /** scrypt cost for the passphrase; defaults to DEFAULT_SCRYPT. */
  scrypt?: ScryptParams;
  aaguid?: string;
  attestation?: AttestationFormatName;
  enterpriseRpIds?: string[];
  /** The emulated device: a profile, or a built-in profile's name or a profile file; default softkey-roaming. aaguid, attestation and enterpriseRpIds above override its own. */
  profile?: Profile | string;
}

export interface OpenOptions {
  passphrase: string;
  presence?: PresencePolicyName | UserPresence;
  uv?: BuiltInUvMode;
  /** Diagnostics from the core (skipped corrupt records, refused requests). */
  log?: (message: string) => void;
  /** Overrides of the emulated device, e.g. a shorter reset window in tests. */
  config?: Partial<AuthenticatorConfig>;
  /**
   * Deterministic mode, for fixtures and never for anything real: credential IDs, key pairs and
   * signatures derived from this seed and the inputs (see crypto/deterministicKeys.ts).
   */
  seed?: string | Uint8Array;
  /** Response faults for this session, on top of those stored with `softkey fault set` (see authenticator/faults.ts). */
  faults?: Partial<ResponseFaults>;
  /** The key's PIN, or a function asked only when a ceremony needs it (the WebAuthn client's PIN flow). */
  pin?: PinSource;
  /**
   * Open a damaged store to rescue what still verifies (`softkey export --rescue`): read-only, from a
   * scratch copy (Keystore.open's rescue), with device settings that fail their check replaced by
   * defaults; `damage` says what failed.
   */
  rescue?: boolean;
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
  backupEligible: boolean;
  backupState: boolean;
}

/**
 * A ceremony's call options, plus the client to run it with: default `softkey.client`; another one
 * (built over `softkey.authenticator` with a PIN, "platform" attachment, ...) still reports to this
 * Softkey's listeners.
 */
export type SoftkeyCall<C> = C & { client?: WebAuthnClient };

const CEREMONY_EVENTS = ["ceremonyStart", "ceremonySuccess", "ceremonyFailure"] as const;

export class Softkey extends TypedEvents<SoftkeyEvents> {
  private ceremonies = 0;

  private constructor(
    readonly keystore: Keystore,
    readonly authenticator: Authenticator,
    readonly client: WebAuthnClient,
    readonly device: DeviceSettings,
    /** Opened with `rescue`: what failed its integrity check when the store was opened (empty if nothing). */
    readonly damage: readonly string[] = [],
  ) {
    super();
  }

  /** Create a new store (refusing an existing one) and open it. */
  static async init(dir: string, passphrase: string, init: InitOptions = {}, open: Omit<OpenOptions, "passphrase"> = {}): Promise<Softkey> {
    const profile = typeof init.profile === "string" ? resolveProfile(init.profile) : structuredClone(init.profile ?? defaultProfile());
    const enterpriseRpIds = init.enterpriseRpIds ?? profile.enterpriseRpIds;
    const device: DeviceSettings = {
      aaguid: aaguidToString(aaguidFromString(init.aaguid ?? profile.aaguid)),
      attestation: init.attestation ?? profile.attestation.format,
      ...(enterpriseRpIds ? { enterpriseRpIds: [...enterpriseRpIds] } : {}),
      profile,
    };
    const keystore = await Keystore.create(dir, passphrase, { scrypt: init.scrypt });
    await keystore.putSetting(DEVICE_SETTING, device);
    return Softkey.assemble(keystore, { ...open, passphrase });
  }

  static async open(dir: string, options: OpenOptions): Promise<Softkey> {
    const keystore = await Keystore.open(dir, options.passphrase, { rescue: options.rescue === true });
    try {
      return await Softkey.assemble(keystore, options);
    } catch (error) {
      await keystore.close();
      throw error;
    }
  }

  private static async assemble(keystore: Keystore, options: OpenOptions): Promise<Softkey> {
    const damage = [...(keystore.damage ?? [])];
    // A rescue reads past a damaged setting (with the default in its place); anything else refuses it.
    const setting = async <T>(name: string): Promise<T | undefined> => {
      try {
        return await keystore.getSetting<T>(name);
      } catch (error) {
        if (!options.rescue || !(error instanceof IntegrityError)) throw error;
        damage.push(error.message);
        return undefined;
      }
    };
    const device = (await setting<DeviceSettings>(DEVICE_SETTING)) ?? { aaguid: SOFTKEY_AAGUID, attestation: "packed" };
    const profile = device.profile ?? defaultProfile();
    // A device without built-in UV has none, whatever --uv says (that plays the user of one that has it).
    const uv = profileHasBuiltInUv(profile) ? options.uv : "off";
    const presence = typeof options.presence === "object" ? options.presence : createPresence({ policy: options.presence, uv });
    const faults = responseFaults({ ...(await setting<Partial<ResponseFaults>>(FAULTS_SETTING)), ...options.faults });
    const keys =
      options.seed === undefined ? undefined : deterministicKeyFactory({ seed: options.seed, nextCreation: () => keystore.nextDeviceCount("creations") });
    const authenticator = new Authenticator({
      store: keystore,
      presence,
      ...(keys ? { keys, randomBytes: keys.randomBytes } : {}),
      config: defaultAuthenticatorConfig({
        ...profileConfig(profile),
        faults,
        aaguid: aaguidFromString(device.aaguid),
        attestationFormat: device.attestation,
        enterpriseRpIds: device.enterpriseRpIds,
        ...options.config,
      }),
      log: options.log,
    });
    const client = new WebAuthnClient(authenticator, {
      ...profileClientOptions(profile),
      ...(options.pin !== undefined ? { pin: options.pin } : {}),
      // With a fault on, the RP is meant to see the broken response, not a client that refused it.
      ...(authenticator.context.config.faults !== NO_FAULTS ? { passThroughBrokenResponses: true } : {}),
    });
    return new Softkey(keystore, authenticator, client, device, damage);
  }

  /** navigator.credentials.create(): creation options JSON in, RegistrationResponseJSON out. */
  create(options: CreationOptionsInput, call: SoftkeyCall<CreateCallOptions>): Promise<RegistrationResponseJSON> {
    return this.observed("create", options, call, (client, clientCall) => client.create(options, clientCall));
  }

  /** navigator.credentials.get(): request options JSON in, AuthenticationResponseJSON out. */
  get(options: RequestOptionsInput, call: SoftkeyCall<GetCallOptions>): Promise<AuthenticationResponseJSON> {
    return this.observed("get", options, call, (client, clientCall) => client.get(options, clientCall));
  }

  /** Runs a ceremony between its start event and its success or failure event. */
  private async observed<C extends CreateCallOptions, R extends { id: string }>(
    ceremony: CeremonyName,
    options: unknown,
    call: SoftkeyCall<C>,
    run: (client: WebAuthnClient, call: C) => Promise<R>,
  ): Promise<R> {
    const { client = this.client, ...clientCall } = call;
    // Nobody listening: no event to build (the hot path of load tests and benchmarks).
    if (!CEREMONY_EVENTS.some((name) => this.listenerCount(name) > 0)) return run(client, clientCall as C);
    const event = ceremonyEvent(++this.ceremonies, ceremony, options, clientCall);
    this.emit("ceremonyStart", event);
    try {
      const credential = await run(client, clientCall as C);
      this.emit("ceremonySuccess", { ...event, credentialId: credential.id });
      return credential;
    } catch (error) {
      this.emit("ceremonyFailure", { ...event, errorName: errorName(error) });
      throw error;
    }
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
    // The RP is read only for a listener; a record that fails its integrity check is deleted all the same.
    const listened = this.listenerCount("credentialDeleted") > 0;
    const record = listened ? await this.keystore.findCredential(id).catch(() => undefined) : undefined;
    const deleted = await this.keystore.deleteCredential(id);
    if (deleted) this.emit("credentialDeleted", { credentialId, ...(record ? { rpId: record.rpId } : {}) });
    return deleted;
  }

  /** The emulated device's profile. */
  get profile(): Profile {
    return this.device.profile ?? defaultProfile();
  }

  /** The response faults in force in this session (stored ones and Softkey.open's). */
  get faults(): ResponseFaults {
    return this.authenticator.context.config.faults;
  }

  /** The faults stored in the store (`softkey fault set`); they take effect when the store is next opened. */
  async storedFaults(): Promise<ResponseFaults> {
    return { ...NO_FAULTS, ...(await this.keystore.getSetting<Partial<ResponseFaults>>(FAULTS_SETTING)) };
  }

  async storeFaults(faults: Partial<ResponseFaults>): Promise<ResponseFaults> {
    const stored = { ...(await this.storedFaults()), ...faults };
    await this.keystore.putSetting(FAULTS_SETTING, stored);
    return stored;
  }

  /**
   * Set a credential's signature counter to exactly `value`, lower included: the next assertion
   * carries value + 1, as a cloned authenticator's would. With counter "global", `credentialId`
   * "global" sets the device's counter.
   */
  async setSignCount(credentialId: string, value: number): Promise<void> {
    if (credentialId === "global") return this.keystore.setDeviceCount("global", value);
    await this.keystore.setSignCount(Buffer.from(credentialId, "base64url"), value);
  }

  /**
   * Change a credential's backup flags (BE, BS); what is not given stays. WebAuthn L3: BS=1
   * requires BE=1, so that combination is refused with a RangeError.
   */
  async setBackupFlags(credentialId: string, flags: { eligible?: boolean; state?: boolean }): Promise<CredentialSummary> {
    const id = Buffer.from(credentialId, "base64url");
    const record = await this.keystore.findCredential(id);
    if (!record) throw new CredentialNotFoundError(id);
    const backupEligible = flags.eligible ?? record.backupEligible ?? false;
    const backupState = flags.state ?? record.backupState ?? false;
    if (backupState && !backupEligible) throw new RangeError("backup state true needs backup eligible true (WebAuthn L3: BS=1 requires BE=1)");
    const updated = { ...record, backupEligible, backupState };
    await this.keystore.updateCredential(updated);
    return this.summarize(updated);
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
      backupEligible: record.backupEligible ?? false,
      backupState: record.backupState ?? false,
    };
  }

  close(): Promise<void> {
    return this.keystore.close();
  }
}
