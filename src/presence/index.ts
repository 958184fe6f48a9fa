export type { EnrolledFinger, PresencePurpose, PresenceRequest, SampleStatus, UserPresence, UvOutcome } from "./presence.js";
export {
  createPresence,
  parsePresencePolicy,
  parseUvMode,
  parseSampleStatus,
  SAMPLE_STATUSES,
  PRESENCE_POLICIES,
  UV_MODES,
  type BuiltInUvMode,
  type PresenceOptions,
  type PresencePolicyName,
} from "./policies.js";
export { hasTerminal, NoTerminalError } from "./terminalPrompt.js";
export { SwitchablePresence } from "./switchablePresence.js";
