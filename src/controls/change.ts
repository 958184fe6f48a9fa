/**
 * A change to the live controls, checked as a whole before any of it is
 * applied: from a library caller, an HTTP body or a test. A value of the
 * wrong type is a TypeError, a value outside what the control takes a
 * RangeError; both name the control.
 */
import { FAULT_NAMES, isFaultName, type ResponseFaults } from "../authenticator/faultSwitches.js";
import { parseAccountSelector, type AccountSelector } from "../client/accountChoice.js";
import { parsePresencePolicy, parseSampleStatus, parseUvMode } from "../presence/index.js";
import type { SimulatedUser } from "./simulatedUser.js";

export interface ControlsChange extends Partial<SimulatedUser> {
  /** Response faults for this session; those not named keep their state. */
  faults?: Partial<ResponseFaults>;
  /** Response faults kept in the store for later sessions, and switched in this one too. */
  storedFaults?: Partial<ResponseFaults>;
  /** The account the user picks when a get() finds several discoverable credentials and names none; null: the most recent. */
  account?: AccountSelector | null;
  /** getClientCapabilities() entries to answer whatever the authenticators say; null removes an override. Others keep theirs. */
  capabilities?: Record<string, boolean | null>;
}

const CONTROLS = ["presence", "uv", "enrollSamples", "faults", "storedFaults", "account", "capabilities"] as const;

/** The change, checked; throws TypeError or RangeError naming the first bad control. */
export function parseControlsChange(input: unknown): ControlsChange {
  const body = record(input, "a controls change");
  const unknown = Object.keys(body).find((name) => !(CONTROLS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new TypeError(`unknown control ${JSON.stringify(unknown)} (expected ${CONTROLS.join(", ")})`);
  const change: ControlsChange = {};
  if (body.presence !== undefined) change.presence = parsePresencePolicy(text(body.presence, "presence"));
  if (body.uv !== undefined) change.uv = parseUvMode(text(body.uv, "uv"));
  if (body.enrollSamples !== undefined) {
    if (!Array.isArray(body.enrollSamples)) throw new TypeError('enrollSamples must be an array of sample statuses such as "fp-too-high"');
    change.enrollSamples = body.enrollSamples.map((item) => parseSampleStatus(text(item, "enrollSamples[]")));
  }
  if (body.faults !== undefined) change.faults = faults(body.faults, "faults");
  if (body.storedFaults !== undefined) change.storedFaults = faults(body.storedFaults, "storedFaults");
  if (body.account !== undefined) change.account = body.account === null ? null : account(body.account);
  if (body.capabilities !== undefined) change.capabilities = capabilities(body.capabilities);
  return change;
}

function faults(value: unknown, name: string): Partial<ResponseFaults> {
  const switches: Partial<ResponseFaults> = {};
  for (const [fault, on] of Object.entries(record(value, name))) {
    if (!isFaultName(fault)) throw new RangeError(`${name}: unknown fault ${JSON.stringify(fault)} (expected ${FAULT_NAMES.join(", ")})`);
    if (typeof on !== "boolean") throw new TypeError(`${name}.${fault} must be true or false`);
    switches[fault] = on;
  }
  return switches;
}

function account(value: unknown): AccountSelector {
  let selector: AccountSelector | undefined;
  try {
    selector = parseAccountSelector(value);
  } catch (error) {
    throw new TypeError((error as Error).message, { cause: error });
  }
  if (!selector) throw new TypeError("account must name credentialId, userName or userHandle (or be null for the most recent)");
  return selector;
}

function capabilities(value: unknown): Record<string, boolean | null> {
  const overrides: Record<string, boolean | null> = {};
  for (const [name, on] of Object.entries(record(value, "capabilities"))) {
    if (on !== null && typeof on !== "boolean") throw new TypeError(`capabilities.${name} must be true, false or null (no override)`);
    overrides[name] = on;
  }
  return overrides;
}

function record(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, name: string): string {
  if (typeof value !== "string") throw new TypeError(`${name} must be a string`);
  return value;
}
