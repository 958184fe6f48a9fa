/**
 * Tools that change or show how the key behaves while the store stays open:
 * the simulated user's presence and UV answers, response faults, and the
 * device's state.
 */
import { z } from "zod";
import { FAULT_DESCRIPTIONS, FAULT_NAMES, type FaultName, type ResponseFaults } from "../../authenticator/faultSwitches.js";
import { collectInfo } from "../../deviceInfo.js";
import { defineTool, ToolInputError } from "../tool.js";
import type { BuiltInUvMode } from "../../presence/index.js";

export const setUser = defineTool({
  name: "set_user",
  title: "Set how the user answers",
  description:
    "How the simulated user answers from the next request on. presence: auto approves at once, deny refuses " +
    "(ceremonies then fail with NotAllowedError). uv (built-in user verification, a simulated fingerprint): on matches, " +
    "off is no built-in UV (only a PIN could verify), fail (or unknown) never matches, none presents no finger (the key times out); " +
    "on a fingerprint key (softkey-bio) finger:<name or template ID> presents that enrolled finger. What is not given stays. Returns the answers in force.",
  inputSchema: {
    presence: z.enum(["auto", "deny"]).optional(),
    uv: z.union([z.enum(["on", "off", "fail", "unknown", "none"]), z.string().regex(/^finger:.+$/)]).optional(),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(session, change) {
    return session.softkey.setUser({ ...change, uv: change.uv as BuiltInUvMode | undefined });
  },
});

const faultShape = Object.fromEntries(FAULT_NAMES.map((name) => [name, z.boolean().optional().describe(FAULT_DESCRIPTIONS[name])])) as Record<
  FaultName,
  z.ZodOptional<z.ZodBoolean>
>;

export const setFaults = defineTool({
  name: "set_faults",
  title: "Make the key answer like a broken one",
  description:
    "Switch response faults on (true) or off (false) from the next request on, as Chrome DevTools' WebAuthn.setResponseOverrideBits: " +
    "to check that a site refuses a broken key. Faults not named keep their state; they last while this server runs. " +
    "Returns the faults now on.",
  inputSchema: faultShape,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run(session, change) {
    const given = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as Partial<ResponseFaults>;
    if (Object.keys(given).length === 0) throw new ToolInputError(`name at least one fault: ${FAULT_NAMES.join(", ")}`);
    return { on: faultsOn(session.softkey.setFaults(given)) };
  },
});

export const deviceInfo = defineTool({
  name: "device_info",
  title: "Show the key",
  description:
    "The store and the emulated device (profile, AAGUID, attestation, credential counts, decoded authenticatorGetInfo), " +
    "how the user answers (set_user), the faults on (set_faults) and the passkeys chosen per RP (select_credential).",
  inputSchema: {},
  annotations: { readOnlyHint: true, openWorldHint: false },
  async run(session) {
    const { softkey } = session;
    return { ...(await collectInfo(softkey)), user: softkey.user, faultsOn: faultsOn(softkey.faults), chosen: session.choices() };
  },
});

function faultsOn(faults: ResponseFaults): FaultName[] {
  return FAULT_NAMES.filter((name) => faults[name]);
}
