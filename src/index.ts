/**
 * softkey's public library API: re-exports only. `Softkey` is the assembled
 * virtual key; the layers under it are exported for tests that drive them
 * directly (raw CTAP bytes, a custom presence policy, another transport).
 */
export { Softkey, type CredentialSummary, type DeviceSettings, type InitOptions, type OpenOptions, type SoftkeyCall } from "./softkey.js";
export type { SimulatedUser } from "./controls/simulatedUser.js";
export type { SoftkeyControls, ControlsState } from "./controls/controls.js";
export type { ControlsChange } from "./controls/change.js";
export type { LiveFaults } from "./controls/liveFaults.js";
export type {
  SoftkeyEvents,
  CeremonyName,
  CeremonyEvent,
  CeremonyStartEvent,
  CeremonySuccessEvent,
  CeremonyFailureEvent,
  CredentialDeletedEvent,
  CredentialHiddenEvent,
  HiddenReason,
  ProviderEvents,
  SignalReceivedEvent,
  UserDetailsUpdatedEvent,
} from "./softkeyEvents.js";
export type { WaitForEventOptions } from "./typedEvents.js";

export {
  WebAuthnClient,
  WebAuthnError,
  PageMessage,
  parseAccountSelector,
  setPin,
  changePin,
  getPinRetries,
  getUvRetries,
  getPinStatus,
} from "./client/index.js";
export type * from "./client/index.js";

export { Authenticator, type AuthenticatorOptions } from "./authenticator/device.js";
export { createU2fHandler, U2fHandler } from "./authenticator/u2f/u2fHandler.js";
export type { CtapTransport, CtapRequestContext, KeepaliveStatus } from "./ctap/transport.js";
export { Status, statusName, CtapError } from "./ctap/status.js";
export { Command } from "./ctap/commands.js";
export { encodeCanonical, decodeCbor } from "./ctap/cbor.js";
export { SOFTKEY_AAGUID, defaultAuthenticatorConfig, type AuthenticatorConfig } from "./authenticator/deviceConfig.js";

export { Keystore, DEFAULT_SCRYPT } from "./keystore/index.js";
export * from "./keystore/errors.js";
export type { ScryptParams } from "./keystore/records.js";
export type { CredentialRecord, StoredUser } from "./authenticator/store.js";

export { createPresence, type BuiltInUvMode, type PresencePolicyName, type PresenceOptions } from "./presence/index.js";
export type { UserPresence, PresenceRequest, UvOutcome } from "./presence/presence.js";

export type { AttestationCa, CertifiedKey } from "./crypto/attestation/attestationCa.js";
export { ATTESTATION_CA_SETTING } from "./authenticator/settings.js";
export { issueAttestationCa, type IssueCaOptions } from "./attestationCa/issueCa.js";
export { metadataStatement, type MetadataStatement } from "./attestationCa/metadataStatement.js";
export { decodeResponse, ResponseDecodeError, type DecodedResponse, type DecodeOptions } from "./decode/decodeResponse.js";
export { formatDecoded } from "./decode/formatDecoded.js";

export { BUILT_IN_PROFILES, DEFAULT_PROFILE, builtInProfile, resolveProfile, validateProfile, ProfileError, ProfileFileError, type Profile, type ProfileGetInfo } from "./profiles/index.js";
export { FAULT_NAMES, FAULT_DESCRIPTIONS, type FaultName, type ResponseFaults } from "./authenticator/faultSwitches.js";
export type { CounterMode } from "./authenticator/deviceConfig.js";

export {
  exportCredentials,
  importCredentials,
  decodeCredentials,
  toCdpVirtualAuthenticator,
  fromCdpVirtualAuthenticator,
  toPlaywrightContext,
  fromPlaywrightContext,
  ExchangeError,
  InvalidEntriesError,
  EXCHANGE_FORMATS,
  DEFAULT_BUNDLE_SCRYPT,
} from "./exchange/index.js";
export type * from "./exchange/index.js";

export {
  Population,
  PopulationError,
  PopulationSeedError,
  POPULATION_SEED_ENV,
  type PopulationOptions,
  type PopulationUser,
  type PopulationDescription,
  type PopulationCreateCall,
  type PopulationGetCall,
  type PopulationCredentialRecord,
  type PublicCredentialRange,
  type PopulationCounterMode,
} from "./population/index.js";
