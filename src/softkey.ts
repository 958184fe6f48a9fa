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
import { Authenticator } from "./authenticator/device.js";
import {
  aaguidFromString,
  aaguidToString,
  defaultAuthenticatorConfig,
  SOFTKEY_AAGUID,
} from "./authenticator/deviceConfig.js";
import type { UserPresence } from "./presence/presence.js";
import { WebAuthnClient, type AttachedAuthenticator, type CreateCallOptions, type SignalCallOptions } from "./client/client.js";
import type { CredentialProvider } from "./client/provider.js";
import type { SignalName } from "./client/signals.js";
import type { CtapDevice } from "./ctap/transport.js";
import { storeProvider } from "./provider/storeProvider.js";
import { visibleCredentials } from "./provider/visibleCredentials.js";
import type { GetCallOptions } from "./client/getAssertion.js";
import type { CreationOptionsInput, RequestOptionsInput } from "./client/optionsJSON.js";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "./client/responseJSON.js";
import { algorithmName } from "./ctap/cose.js";
import { Setting } from "./authenticator/settings.js";
import { deterministicKeyFactory } from "./crypto/deterministicKeys.js";
import { NO_FAULTS, responseFaults, type ResponseFaults } from "./authenticator/faultSwitches.js";
import { SoftkeyControls } from "./controls/controls.js";
import { FAULTS_SETTING, LiveFaults } from "./controls/liveFaults.js";
import { SimulatedUserSwitch, type SimulatedUser } from "./controls/simulatedUser.js";
import { CredentialNotFoundError, IntegrityError, StoreClosedError, StoreExistsError } from "./keystore/errors.js";
import { checkSameOptions, OPEN_STORES, pickDeviceOptions, type SharedDevice } from "./sharedDevice.js";
import type { DeviceSettings, InitOptions, OpenOptions } from "./softkeyOptions.js";
import { defaultProfile, profileClientOptions, profileConfig, profileHasBuiltInUv, resolveProfile, type Profile } from "./profiles/index.js";
import { ceremonyEvent, failureOf, type CeremonyName, type SoftkeyEvents } from "./softkeyEvents.js";
import { TypedEvents } from "./typedEvents.js";

const DEVICE_SETTING = Setting.device.name;

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
  /** Hidden by a WebAuthn signal (signalUnknownCredential, signalAllAcceptedCredentials): in no ceremony until listed again. */
  hidden: boolean;
}

/**
 * A ceremony's call options, plus the client to run it with: default `softkey.client`; another one
 * (built over `softkey.authenticator` with a PIN, "platform" attachment, ...) still reports to this
 * Softkey's listeners.
 */
export type SoftkeyCall<C> = C & { client?: WebAuthnClient };

const CEREMONY_EVENTS = ["ceremonyStart", "ceremonySuccess", "ceremonyFailure"] as const;

export type { SimulatedUser } from "./controls/simulatedUser.js";
export type { DeviceSettings, InitOptions, OpenOptions } from "./softkeyOptions.js";

export class Softkey extends TypedEvents<SoftkeyEvents> {
  private ceremonies = 0;

  /** The store as a credential provider: immediate mediation's account list and the signals' actions (src/provider/). */
  readonly provider: CredentialProvider;
  /** The authenticator as the client reaches it: its CTAP2 door, and its CTAP1 door when the profile offers U2F. */
  readonly clientDevice: CtapDevice;
  readonly client: WebAuthnClient;
  /** The live knobs (simulated user, faults, account, capabilities), changed without closing the store (controls/). */
  readonly controls: SoftkeyControls;

  readonly keystore: Keystore;
  readonly authenticator: Authenticator;
  readonly device: DeviceSettings;
  /** Opened with `rescue`: what failed its integrity check when the store was opened (empty if nothing). */
  readonly damage: readonly string[];
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly shared: SharedDevice,
    /** Gives this handle back to OPEN_STORES; undefined for a rescue open, which is not shared. */
    private readonly releaseShared: (() => Promise<void>) | undefined,
  ) {
    super();
    this.keystore = shared.keystore;
    this.authenticator = shared.authenticator;
    this.device = shared.device;
    this.damage = shared.damage;
    this.provider = shared.provider;
    this.clientDevice = shared.clientDevice;
    this.client = shared.client;
    this.controls = shared.controls;
    shared.handles.add(this);
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
    const create = async (): Promise<SharedDevice> => {
      const keystore = await Keystore.create(dir, passphrase, { scrypt: init.scrypt });
      await keystore.putSetting(DEVICE_SETTING, device);
      return Softkey.assembleOrClose(keystore, { ...open, passphrase });
    };
    // Open in this process already: refused as Keystore.create refuses any existing store.
    const { value, release } = await OPEN_STORES.acquire(dir, create, (shared) => Promise.reject(new StoreExistsError(shared.keystore.dir)));
    return new Softkey(value, release);
  }

  /**
   * Open a store. One already open in this process (the same real path) is shared: the new
   * handle has the same keystore, core, client and controls, after its passphrase is checked as
   * the first open checked it; its other options must be those of the first open (a TypeError
   * names the one that differs; `log` is the first open's). The store closes with its last handle.
   * Another process still finds the store locked (StoreLockedError).
   */
  static async open(dir: string, options: OpenOptions): Promise<Softkey> {
    const fresh = async (): Promise<SharedDevice> =>
      Softkey.assembleOrClose(await Keystore.open(dir, options.passphrase, { rescue: options.rescue === true }), options);
    // A rescue reads a scratch copy, read-only: never shared.
    if (options.rescue) return new Softkey(await fresh(), undefined);
    const join = async (shared: SharedDevice): Promise<void> => {
      await shared.keystore.verifyPassphrase(options.passphrase);
      checkSameOptions(shared, options);
    };
    const { value, release } = await OPEN_STORES.acquire(dir, fresh, join);
    return new Softkey(value, release);
  }

  private static async assembleOrClose(keystore: Keystore, options: OpenOptions): Promise<SharedDevice> {
    try {
      return await Softkey.assemble(keystore, options);
    } catch (error) {
      await keystore.close();
      throw error;
    }
  }

  private static async assemble(keystore: Keystore, options: OpenOptions): Promise<SharedDevice> {
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
    const userSwitch =
      typeof options.presence === "object"
        ? undefined
        : new SimulatedUserSwitch(
            { presence: options.presence, uv: options.uv, enrollSamples: options.enrollSamples },
            profileHasBuiltInUv(profile),
            profile.name,
          );
    const presence = userSwitch?.presence ?? (options.presence as UserPresence);
    const faults = responseFaults({ ...(await setting<Partial<ResponseFaults>>(FAULTS_SETTING)), ...options.faults });
    const keys =
      options.seed === undefined ? undefined : deterministicKeyFactory({ seed: options.seed, nextCreation: () => keystore.nextDeviceCount("creations") });
    const authenticator = new Authenticator({
      // The core sees what the credential provider has not hidden after a signal.
      store: visibleCredentials(keystore),
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
    const clientOptions = {
      ...profileClientOptions(profile),
      ...(options.pin !== undefined ? { pin: options.pin } : {}),
      // With a fault on, the RP is meant to see the broken response, not a client that refused it.
      ...(authenticator.context.config.faults !== NO_FAULTS ? { passThroughBrokenResponses: true } : {}),
    };
    const handles = new Set<Softkey>();
    // The store's answers to signals reach every handle's listeners, whichever handle's client took the signal.
    const provider = storeProvider(keystore, (rpId) => authenticator.context.rpIdHash(rpId), (name, event) => {
      for (const handle of handles) handle.emit(name, event as SoftkeyEvents[typeof name]);
    });
    const clientDevice: CtapDevice = {
      transact: (request, context) => authenticator.transact(request, context),
      ...(authenticator.context.config.u2f ? { ctap1: authenticator.ctap1 } : {}),
    };
    const client = new WebAuthnClient(clientDevice, { ...clientOptions, provider });
    const controls = new SoftkeyControls(userSwitch, new LiveFaults(keystore, authenticator, client), client);
    return { keystore, authenticator, device, damage, provider, clientDevice, client, controls, options: pickDeviceOptions(options), handles };
  }

  /** navigator.credentials.create(): creation options JSON in, RegistrationResponseJSON out. */
  create(options: CreationOptionsInput, call: SoftkeyCall<CreateCallOptions>): Promise<RegistrationResponseJSON> {
    return this.observed("create", options, call, (client, clientCall) => client.create(options, clientCall));
  }

  /** navigator.credentials.get(): request options JSON in, AuthenticationResponseJSON out. */
  get(options: RequestOptionsInput, call: SoftkeyCall<GetCallOptions>): Promise<AuthenticationResponseJSON> {
    return this.observed("get", options, call, (client, clientCall) => client.get(options, clientCall));
  }

  /**
   * One of the PublicKeyCredential signal methods, as a page calls it: `softkey.client` (or the
   * call's `client`) checks it, and every credential provider attached to that client acts on it
   * (this store's changes come back as events: credentialHidden, credentialRestored, userDetailsUpdated).
   */
  signal(name: SignalName, options: unknown, call: SoftkeyCall<SignalCallOptions>): Promise<void> {
    const { client = this.client, ...clientCall } = call;
    return client.signal(name, options, clientCall);
  }

  /**
   * This key as one of several authenticators of a WebAuthnClient
   * (`new WebAuthnClient(a.clientDevice, { ...a.asAuthenticator(), authenticators: [b.asAuthenticator()] })`):
   * its doors, how its profile presents it, and its store as credential provider.
   */
  asAuthenticator(): AttachedAuthenticator {
    return {
      device: this.clientDevice,
      ...profileClientOptions(this.profile),
      provider: this.provider,
      ...(this.faults !== NO_FAULTS ? { passThroughBrokenResponses: true } : {}),
    };
  }

  /** Runs a ceremony between its start event and its success or failure event. */
  private async observed<C extends CreateCallOptions, R extends { id: string }>(
    ceremony: CeremonyName,
    options: unknown,
    call: SoftkeyCall<C>,
    run: (client: WebAuthnClient, call: C) => Promise<R>,
  ): Promise<R> {
    // A closed store would surface as the device's CTAP1_ERR_OTHER; say what is wrong instead.
    if (this.closed) throw new StoreClosedError(this.keystore.dir);
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
      this.emit("ceremonyFailure", { ...event, ...failureOf(error) });
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

  /**
   * Switch response faults for this session, from the next request on, as DevTools'
   * WebAuthn.setResponseOverrideBits does; the faults not named keep their state. `storeFaults`
   * keeps faults for later sessions too. Returns the faults now in force. (controls.faults.set)
   */
  setFaults(faults: Partial<ResponseFaults>): ResponseFaults {
    return this.controls.faults.set(faults);
  }

  /** How the simulated user answers now (Softkey.open's presence and uv, or the last setUser). */
  get user(): SimulatedUser {
    return this.controls.user;
  }

  /**
   * Change how the simulated user answers, from the next question on: `presence` auto approves,
   * deny refuses (CTAP2_ERR_OPERATION_DENIED), prompt asks on the terminal; `uv` on matches, off
   * is no built-in UV (only a PIN verifies), fail never matches; on a fingerprint key `finger:<name or ID>`
   * presents that finger, unknown one never enrolled, none no finger at all. `enrollSamples` scripts the
   * next enrollment samples. What is not given stays (enrollSamples: a new list replaces the old one).
   * (controls.setUser)
   */
  setUser(change: Partial<SimulatedUser>): SimulatedUser {
    return this.controls.setUser(change);
  }

  /** The faults stored in the store (`softkey fault set`). (controls.faults.stored) */
  storedFaults(): Promise<ResponseFaults> {
    return this.controls.faults.stored();
  }

  /** Keep faults in the store for later sessions; they are switched in this session too. (controls.faults.store) */
  storeFaults(faults: Partial<ResponseFaults>): Promise<ResponseFaults> {
    return this.controls.faults.store(faults);
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
      hidden: record.hidden ?? false,
    };
  }

  /** True once this handle was closed (or the store under it): its ceremonies are refused from then on. */
  get closed(): boolean {
    return this.closing !== undefined || this.keystore.closed;
  }

  /** Close this handle; the store closes with the last handle of it open in this process. */
  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private async release(): Promise<void> {
    this.shared.handles.delete(this);
    return this.releaseShared ? this.releaseShared() : this.keystore.close();
  }
}
