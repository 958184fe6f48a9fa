/**
 * Response faults while the device runs: those of this session (as DevTools'
 * WebAuthn.setResponseOverrideBits switches them) and those kept in the store
 * (`softkey fault set`), which a store keeps for its later sessions and which
 * also take effect in the open one at once.
 */
import type { Authenticator } from "../authenticator/device.js";
import { NO_FAULTS, responseFaults, type ResponseFaults } from "../authenticator/faultSwitches.js";
import { Setting } from "../authenticator/settings.js";
import type { WebAuthnClient } from "../client/client.js";
import type { Keystore } from "../keystore/store.js";

/** The response faults switched on with `softkey fault set` (a partial ResponseFaults); kept on reset, as a broken key stays broken. */
export const FAULTS_SETTING = Setting.faults.name;

export class LiveFaults {
  constructor(
    private readonly keystore: Keystore,
    private readonly authenticator: Authenticator,
    private readonly client: WebAuthnClient,
  ) {}

  /** The faults in force in this session. */
  get current(): ResponseFaults {
    return this.authenticator.context.config.faults;
  }

  /** Switch faults for this session from the next request on; those not named keep their state. Returns the faults now in force. */
  set(faults: Partial<ResponseFaults>): ResponseFaults {
    const next = responseFaults({ ...this.current, ...faults });
    this.authenticator.setFaults(next);
    // With a fault on, the RP is meant to see the broken response, not a client that refused it.
    this.client.setPassThroughBrokenResponses(next !== NO_FAULTS);
    return next;
  }

  /** The faults kept in the store for every session. */
  async stored(): Promise<ResponseFaults> {
    return { ...NO_FAULTS, ...(await this.keystore.getSetting<Partial<ResponseFaults>>(FAULTS_SETTING)) };
  }

  /** Keep faults in the store (those not named keep their stored state) and switch them in this session too. Returns the stored faults. */
  async store(faults: Partial<ResponseFaults>): Promise<ResponseFaults> {
    const stored = { ...(await this.stored()), ...faults };
    await this.keystore.putSetting(FAULTS_SETTING, stored);
    this.set(faults);
    return stored;
  }
}
