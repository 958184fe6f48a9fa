/** A stateless virtual population of users for load tests (see population.ts). */
export { Population, type PopulationUser, type PopulationDescription } from "./population.js";
export { PopulationError, MAX_POPULATION_SIZE, DEFAULT_KEY_CACHE, type PopulationOptions, type PopulationAlgorithm } from "./core.js";
export { PopulationSeedError, MIN_SEED_BYTES } from "./secrets.js";
export { COUNTER_MODES, CLOCK_EPOCH_MS, CLOCK_TICK_MS, populationSignCount, type PopulationCounterMode } from "./signCount.js";
export type { PopulationCreateCall } from "./registration.js";
export type { PopulationGetCall } from "./assertion.js";
export type { PopulationCredentialRecord, PublicCredentialRange } from "./publicCredentials.js";

/** The environment variable generators read the seed from (never a command-line argument, never a scenario file). */
export const POPULATION_SEED_ENV = "SOFTKEY_POPULATION_SEED";
