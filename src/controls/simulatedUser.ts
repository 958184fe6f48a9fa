/**
 * The simulated user behind a Softkey: who touches (the presence policy),
 * which finger (the built-in UV mode) and what the sensor reports for the next
 * enrollment samples, switchable while the device runs (presence/switchablePresence.ts).
 */
import {
  createPresence,
  parsePresencePolicy,
  parseSampleStatus,
  parseUvMode,
  SwitchablePresence, type BuiltInUvMode, type PresencePolicyName, type SampleStatus,
} from "../presence/index.js";

/** How the simulated user answers: the presence policy and the built-in UV mode (as --presence and --uv). */
export interface SimulatedUser {
  presence: PresencePolicyName;
  uv: BuiltInUvMode;
  /** The enrollment samples scripted at open or at the last change (a fingerprint key consumes one per capture). */
  enrollSamples?: SampleStatus[];
}

export class SimulatedUserSwitch {
  /** What the device asks: the policy in force when each question comes. */
  readonly presence: SwitchablePresence;
  private current: SimulatedUser;

  /** `builtInUv` false (a profile without built-in UV, `profileName`): uv stays "off" whatever is asked. */
  constructor(
    initial: Partial<SimulatedUser>,
    private readonly builtInUv: boolean,
    private readonly profileName: string,
  ) {
    // A device without built-in UV has none, whatever --uv says (that plays the user of one that has it).
    const uv = builtInUv ? initial.uv : "off";
    this.presence = new SwitchablePresence(createPresence({ policy: initial.presence, uv, samples: initial.enrollSamples }));
    this.current = { presence: initial.presence ?? "auto", uv: uv ?? "on", ...(initial.enrollSamples ? { enrollSamples: [...initial.enrollSamples] } : {}) };
  }

  get user(): SimulatedUser {
    return copy(this.current);
  }

  /** The user after `change` (what is not given stays; a new enrollSamples list replaces the old), checked but not applied. */
  next(change: Partial<SimulatedUser>): SimulatedUser {
    const samples = change.enrollSamples ?? this.current.enrollSamples;
    const next: SimulatedUser = { presence: change.presence ?? this.current.presence, uv: change.uv ?? this.current.uv, ...(samples ? { enrollSamples: [...samples] } : {}) };
    if (!this.builtInUv && next.uv !== "off") {
      throw new RangeError(`profile ${this.profileName} has no built-in user verification: uv can only be "off"`);
    }
    // Checked here (RangeError), so a bad value fails before anything of an all-or-nothing change is applied.
    parsePresencePolicy(next.presence);
    parseUvMode(next.uv);
    next.enrollSamples?.forEach(parseSampleStatus);
    return next;
  }

  /** From the next question the key asks on, `user` answers (a value from next()). */
  commit(user: SimulatedUser): SimulatedUser {
    this.presence.replace(createPresence({ policy: user.presence, uv: user.uv, samples: user.enrollSamples }));
    this.current = copy(user);
    return copy(user);
  }
}

function copy(user: SimulatedUser): SimulatedUser {
  return { ...user, ...(user.enrollSamples ? { enrollSamples: [...user.enrollSamples] } : {}) };
}
