/**
 * The live controls of an open Softkey, in one object: the simulated user
 * (presence, uv, enrollSamples), the response faults (this session's and the
 * stored ones), the account the user picks, and the client's capability
 * answers. Each change applies from the next request on, without closing the
 * store; what `apply` is given is checked as a whole first, so a bad value
 * changes nothing. The HTTP service (GET/PUT /v1/controls) and the browser
 * adapters hand out this same object.
 */
import type { ResponseFaults } from "../authenticator/faultSwitches.js";
import type { AccountSelector } from "../client/accountChoice.js";
import type { WebAuthnClient } from "../client/client.js";
import { parseControlsChange, type ControlsChange } from "./change.js";
import type { LiveFaults } from "./liveFaults.js";
import type { SimulatedUser, SimulatedUserSwitch } from "./simulatedUser.js";

/** Every control's value now, as JSON. presence, uv and enrollSamples are absent for a Softkey opened with its own UserPresence object. */
export interface ControlsState extends Partial<SimulatedUser> {
  faults: ResponseFaults;
  storedFaults: ResponseFaults;
  account: AccountSelector | null;
  /** The capability overrides only (getClientCapabilities() answers the rest from the authenticators). */
  capabilities: Record<string, boolean>;
}

export class SoftkeyControls {
  constructor(
    private readonly userSwitch: SimulatedUserSwitch | undefined,
    /** Response faults: set (this session), store (kept and switched now), stored. */
    readonly faults: LiveFaults,
    private readonly client: WebAuthnClient,
  ) {}

  /** How the simulated user answers now; TypeError for a Softkey opened with its own UserPresence object. */
  get user(): SimulatedUser {
    return this.switchOf().user;
  }

  /** Change the simulated user; what is not given stays (a new enrollSamples list replaces the old). */
  setUser(change: Partial<SimulatedUser>): SimulatedUser {
    const user = this.switchOf();
    return user.commit(user.next(change));
  }

  async state(): Promise<ControlsState> {
    return {
      ...(this.userSwitch ? this.userSwitch.user : {}),
      faults: { ...this.faults.current },
      storedFaults: await this.faults.stored(),
      account: this.client.account ?? null,
      capabilities: { ...this.client.capabilities },
    };
  }

  /** Check `input` (a ControlsChange) as a whole, then apply all of it; returns the state after. */
  async apply(input: ControlsChange): Promise<ControlsState> {
    const change = parseControlsChange(input);
    const { presence, uv, enrollSamples } = change;
    const userChange = { ...(presence ? { presence } : {}), ...(uv ? { uv } : {}), ...(enrollSamples ? { enrollSamples } : {}) };
    const user = Object.keys(userChange).length > 0 ? this.switchOf().next(userChange) : undefined;
    // The one step that can fail after the checks (a write) goes first: if it does, nothing has changed.
    if (change.storedFaults) await this.faults.store(change.storedFaults);
    if (user) this.userSwitch!.commit(user);
    if (change.faults) this.faults.set(change.faults);
    if (change.account !== undefined) this.client.setAccount(change.account ?? undefined);
    if (change.capabilities) this.client.setCapabilities(withOverrides(this.client.capabilities, change.capabilities));
    return this.state();
  }

  private switchOf(): SimulatedUserSwitch {
    if (!this.userSwitch) throw new TypeError("this Softkey was opened with its own UserPresence object: it answers for the user");
    return this.userSwitch;
  }
}

function withOverrides(current: Readonly<Record<string, boolean>>, change: Record<string, boolean | null>): Record<string, boolean> {
  const next = { ...current };
  for (const [name, on] of Object.entries(change)) {
    if (on === null) delete next[name];
    else next[name] = on;
  }
  return next;
}
