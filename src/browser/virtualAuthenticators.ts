/**
 * A drop-in for Chrome's virtual-authenticator API (the DevTools protocol's WebAuthn domain),
 * backed by softkey devices over in-memory stores (./virtualAuthenticator.ts), so that a test
 * written against `cdp.send("WebAuthn.addVirtualAuthenticator", ...)` runs unchanged in every
 * engine an adapter reaches. Each adapter's attachment offers it as `virtualAuthenticators`:
 * the methods by their CDP names, taking and returning CDP's parameter and result objects, and
 * `send(method, params)` for code that holds a CDP session.
 *
 * As in Chrome, `enable` switches the attached pages to the virtual authenticators only (the
 * Softkey's own device no longer answers them) and `disable` switches back and removes them; a
 * ceremony with none added fails as it would with no authenticator. Credentials are CDP's
 * `WebAuthn.Credential` (credentialId and privateKey base64, privateKey a P-256 PKCS#8 key),
 * checked by the same code as `softkey import --format cdp` (src/exchange/cdp.ts).
 *
 * The domain's events (credentialAdded, credentialAsserted, credentialUpdated, credentialDeleted)
 * come as a CDP session emits them: `on("WebAuthn.credentialAdded", listener)` (and once, off),
 * with CDP's parameters, when Chrome would send them (./virtualCredentials.ts says when).
 */
import { randomUUID } from "node:crypto";
import { WebAuthnClient, WebAuthnError, type AttachedAuthenticator } from "../client/index.js";
import type { CtapDevice } from "../ctap/transport.js";
import { fromCdpCredentials, toCdpCredentials, type CdpCredential } from "../exchange/cdp.js";
import { InvalidEntriesError } from "../exchange/errors.js";
import { TypedEvents } from "../typedEvents.js";
import type { CredentialRecord } from "../authenticator/store.js";
import { VirtualAuthenticator, type ResponseOverrideBits, type VirtualAuthenticatorOptions } from "./virtualAuthenticator.js";
import type { VirtualCredentialListener } from "./virtualCredentials.js";

export type { CdpCredential } from "../exchange/cdp.js";
export type { VirtualAuthenticatorOptions } from "./virtualAuthenticator.js";

/** Thrown for a call Chrome would answer with a protocol error; the message says what was wrong. */
export class VirtualAuthenticatorError extends Error {
  override readonly name = "VirtualAuthenticatorError";
}

/** With no virtual authenticator added, every ceremony fails as with no authenticator at hand. */
const NO_AUTHENTICATOR: CtapDevice = {
  transact: () => Promise.reject(new WebAuthnError("NotAllowedError", "no virtual authenticator is added (WebAuthn.addVirtualAuthenticator)")),
};

/** The WebAuthn domain's events, by their CDP names, with CDP's parameters. */
export interface CdpWebAuthnEvents {
  "WebAuthn.credentialAdded": { authenticatorId: string; credential: CdpCredential };
  "WebAuthn.credentialAsserted": { authenticatorId: string; credential: CdpCredential };
  "WebAuthn.credentialUpdated": { authenticatorId: string; credential: CdpCredential };
  "WebAuthn.credentialDeleted": { authenticatorId: string; credentialId: string };
}

/** The drop-in; its events are a CDP session's: `on("WebAuthn.credentialAdded", listener)`, once, off (and waitForEvent). */
export class VirtualAuthenticators extends TypedEvents<CdpWebAuthnEvents> {
  private readonly authenticators = new Map<string, VirtualAuthenticator>();
  private enabled = false;

  /** `use(client)` switches the attached pages to a client (undefined: back to the Softkey's own). */
  constructor(private readonly use: (client: WebAuthnClient | undefined) => void) {
    super();
  }

  /** WebAuthn.enable: the attached pages use the virtual authenticators only. `enableUI` is accepted: there is no UI to show. */
  async enable(params: { enableUI?: boolean } = {}): Promise<Record<string, never>> {
    if (params?.enableUI !== undefined && typeof params.enableUI !== "boolean") throw new VirtualAuthenticatorError("enableUI: a boolean is required");
    this.enabled = true;
    this.rebuild();
    return {};
  }

  /** WebAuthn.disable: back to the Softkey's own device; the virtual authenticators are gone. */
  async disable(): Promise<Record<string, never>> {
    this.enabled = false;
    this.authenticators.clear();
    this.use(undefined);
    return {};
  }

  async addVirtualAuthenticator(params: { options: VirtualAuthenticatorOptions }): Promise<{ authenticatorId: string }> {
    this.requireEnabled();
    const options = params?.options;
    if (typeof options !== "object" || options === null) throw new VirtualAuthenticatorError("options: a VirtualAuthenticatorOptions object is required");
    if (options.protocol !== "ctap2" && options.protocol !== "u2f") throw new VirtualAuthenticatorError(`options.protocol: "ctap2" or "u2f", got ${JSON.stringify(options.protocol)}`);
    if (!["usb", "nfc", "ble", "cable", "internal"].includes(options.transport)) {
      throw new VirtualAuthenticatorError(`options.transport: "usb", "nfc", "ble", "cable" or "internal", got ${JSON.stringify(options.transport)}`);
    }
    if (options.protocol === "u2f" && (options.hasResidentKey || options.hasUserVerification)) {
      throw new VirtualAuthenticatorError("A U2F authenticator has neither resident keys nor user verification");
    }
    const authenticatorId = randomUUID();
    this.authenticators.set(authenticatorId, new VirtualAuthenticator(authenticatorId, { ...options }, this.listener(authenticatorId)));
    this.rebuild();
    return { authenticatorId };
  }

  async removeVirtualAuthenticator(params: { authenticatorId: string }): Promise<Record<string, never>> {
    this.authenticator(params);
    this.authenticators.delete(params.authenticatorId);
    this.rebuild();
    return {};
  }

  async addCredential(params: { authenticatorId: string; credential: CdpCredential }): Promise<Record<string, never>> {
    const authenticator = this.authenticator(params);
    let entries;
    try {
      ({ entries } = fromCdpCredentials([params.credential]));
    } catch (error) {
      const message = error instanceof InvalidEntriesError ? error.problems.map((p) => p.message).join("; ") : error instanceof Error ? error.message : String(error);
      throw new VirtualAuthenticatorError(`credential: ${message}`, { cause: error });
    }
    const { record, signCount } = entries[0]!;
    if (record.discoverable && !authenticator.options.hasResidentKey) {
      throw new VirtualAuthenticatorError("The Authenticator does not support Resident Credentials.");
    }
    // Absent flags are the authenticator's defaults, as in Chrome.
    if (params.credential.backupEligibility === undefined) record.backupEligible = authenticator.options.defaultBackupEligibility ?? false;
    if (params.credential.backupState === undefined) record.backupState = authenticator.options.defaultBackupState ?? false;
    await authenticator.store.putCredential(record, Math.max(0, signCount));
    return {};
  }

  async getCredentials(params: { authenticatorId: string }): Promise<{ credentials: CdpCredential[] }> {
    const { store } = this.authenticator(params);
    const { credentials: records } = await store.scanCredentials();
    const entries = records.map((record) => ({ record, signCount: store.signCount(record.id) }));
    // The virtual devices make P-256 keys when the RP lists ES256 first; others cannot be expressed in CDP's shape.
    return { credentials: toCdpCredentials(entries, { skipUnsupported: true }).credentials };
  }

  async getCredential(params: { authenticatorId: string; credentialId: string }): Promise<{ credential: CdpCredential }> {
    const { credentials } = await this.getCredentials(params);
    const credential = credentials.find((c) => sameId(c.credentialId, params.credentialId));
    if (!credential) throw new VirtualAuthenticatorError("Could not find a credential matching the ID");
    return { credential };
  }

  async removeCredential(params: { authenticatorId: string; credentialId: string }): Promise<Record<string, never>> {
    const { store } = this.authenticator(params);
    if (!(await store.deleteCredential(idBytes(params.credentialId)))) throw new VirtualAuthenticatorError("Could not find a credential matching the ID");
    return {};
  }

  async clearCredentials(params: { authenticatorId: string }): Promise<Record<string, never>> {
    const { store } = this.authenticator(params);
    for (const record of (await store.scanCredentials()).credentials) await store.deleteCredential(record.id);
    return {};
  }

  async setUserVerified(params: { authenticatorId: string; isUserVerified: boolean }): Promise<Record<string, never>> {
    this.authenticator(params).setUserVerified(params.isUserVerified === true);
    return {};
  }

  async setAutomaticPresenceSimulation(params: { authenticatorId: string; enabled: boolean }): Promise<Record<string, never>> {
    this.authenticator(params).setAutomaticPresenceSimulation(params.enabled === true);
    return {};
  }

  /** WebAuthn.setResponseOverrideBits: the bits not given are reset to false, as in Chrome. */
  async setResponseOverrideBits(params: { authenticatorId: string } & ResponseOverrideBits): Promise<Record<string, never>> {
    this.authenticator(params).setResponseOverrideBits(params);
    this.rebuild();
    return {};
  }

  /** WebAuthn.setCredentialProperties: the backup flags a credential's next assertions carry; no event, as in Chrome. */
  async setCredentialProperties(params: {
    authenticatorId: string;
    credentialId: string;
    backupEligibility?: boolean;
    backupState?: boolean;
  }): Promise<Record<string, never>> {
    const { store } = this.authenticator(params);
    const record = await store.findCredential(idBytes(params.credentialId));
    if (!record) throw new VirtualAuthenticatorError("Could not find a credential matching the ID");
    await store.setBackupFlags(record, {
      ...(params.backupEligibility === undefined ? {} : { backupEligible: params.backupEligibility === true }),
      ...(params.backupState === undefined ? {} : { backupState: params.backupState === true }),
    });
    return {};
  }

  /**
   * The methods above by their CDP names ("WebAuthn.addVirtualAuthenticator", ...), as a CDP
   * session's `send`: porting a test means handing it this instead of the session.
   */
  send(method: string, params: object = {}): Promise<unknown> {
    const name = method.startsWith("WebAuthn.") ? method.slice("WebAuthn.".length) : undefined;
    const methods: Record<string, (params: never) => Promise<unknown>> = {
      enable: (p) => this.enable(p),
      disable: () => this.disable(),
      addVirtualAuthenticator: (p) => this.addVirtualAuthenticator(p),
      removeVirtualAuthenticator: (p) => this.removeVirtualAuthenticator(p),
      addCredential: (p) => this.addCredential(p),
      getCredentials: (p) => this.getCredentials(p),
      getCredential: (p) => this.getCredential(p),
      removeCredential: (p) => this.removeCredential(p),
      clearCredentials: (p) => this.clearCredentials(p),
      setUserVerified: (p) => this.setUserVerified(p),
      setAutomaticPresenceSimulation: (p) => this.setAutomaticPresenceSimulation(p),
      setResponseOverrideBits: (p) => this.setResponseOverrideBits(p),
      setCredentialProperties: (p) => this.setCredentialProperties(p),
    };
    const run = name === undefined ? undefined : methods[name];
    if (!run) return Promise.reject(new VirtualAuthenticatorError(`'${method}' wasn't found: softkey's drop-in has ${Object.keys(methods).map((m) => `WebAuthn.${m}`).join(", ")}`));
    return run(params as never);
  }

  private requireEnabled(): void {
    if (!this.enabled) throw new VirtualAuthenticatorError("The Virtual Authenticator Environment has not been enabled for this session");
  }

  private authenticator(params: { authenticatorId: string }): VirtualAuthenticator {
    this.requireEnabled();
    const found = this.authenticators.get(params?.authenticatorId);
    if (!found) throw new VirtualAuthenticatorError("Could not find a Virtual Authenticator matching the ID");
    return found;
  }

  /** Turns one authenticator's credential changes into the domain's events. */
  private listener(authenticatorId: string): VirtualCredentialListener {
    const credential = (record: CredentialRecord, signCount: number): CdpCredential | undefined =>
      // A key CDP's shape cannot hold (not P-256) has no event, as getCredentials leaves it out.
      toCdpCredentials([{ record, signCount }], { skipUnsupported: true }).credentials[0];
    const emit = (event: "WebAuthn.credentialAdded" | "WebAuthn.credentialAsserted" | "WebAuthn.credentialUpdated") => (record: CredentialRecord, signCount: number) => {
      const shaped = credential(record, signCount);
      if (shaped) this.emit(event, { authenticatorId, credential: shaped });
    };
    return {
      added: emit("WebAuthn.credentialAdded"),
      asserted: emit("WebAuthn.credentialAsserted"),
      updated: emit("WebAuthn.credentialUpdated"),
      deleted: (id) => this.emit("WebAuthn.credentialDeleted", { authenticatorId, credentialId: Buffer.from(id).toString("base64") }),
    };
  }

  /** A client over the authenticators in the order they were added, as Chrome offers them. */
  private rebuild(): void {
    if (!this.enabled) return;
    const attached: AttachedAuthenticator[] = [...this.authenticators.values()].map((a) => a.attached());
    const [first, ...rest] = attached;
    this.use(first ? new WebAuthnClient(first.device, { ...first, authenticators: rest }) : new WebAuthnClient(NO_AUTHENTICATOR));
  }
}

function idBytes(base64: string): Uint8Array {
  return Uint8Array.from(Buffer.from(String(base64), "base64"));
}

function sameId(a: string, b: string): boolean {
  return Buffer.compare(idBytes(a), idBytes(b)) === 0;
}
