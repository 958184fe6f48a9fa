/**
 * softkey/artillery: processor functions that make a population (src/population/)
 * the authenticator side of an Artillery scenario. A scenario's processor file
 * re-exports them (`export * from "softkey/artillery";`), and its flow:
 *
 *   - function: softkeyUser                    # pick a user: vars softkeyUser, softkeyUserName, softkeyUserHandle
 *   - post: { url: /login/options, json: { username: "{{ softkeyUserName }}" }, afterResponse: softkeyGet }
 *   - post: { url: /login/verify, json: { response: "{{ softkeyAssertion }}" } }
 *
 * softkeyCreate (after the RP's creation options) sets softkeyCredential, the
 * RegistrationResponseJSON, and remembers the RP's user handle so a later
 * discoverable sign-in in the same virtual user finds the credential;
 * softkeyGet (after the RP's request options) sets softkeyAssertion.
 *
 * Settings are scenario variables (config.variables): softkeyPopulationSize
 * (required), softkeyOrigin (default: the target's origin), softkeyAlgorithm
 * (ES256, EdDSA), softkeyCounter (zero, clock), softkeyAttestation (none, self).
 * The seed is never in the scenario: SOFTKEY_POPULATION_SEED, or a file named
 * by SOFTKEY_POPULATION_SEED_FILE, in the environment of every runner.
 *
 * Each ceremony adds to the counters softkey.registrations / softkey.sign_ins
 * and to the histogram softkey.ceremony_ms (the generator's own cost); a
 * refused ceremony fails the virtual user and counts softkey.errors.NAME.
 */
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../client/responseJSON.js";
import { Population, POPULATION_SEED_ENV, type PopulationAlgorithm, type PopulationCounterMode } from "../population/index.js";

export const POPULATION_SEED_FILE_ENV = "SOFTKEY_POPULATION_SEED_FILE";

/** What Artillery hands processor functions (the parts used here). */
export interface ArtilleryContext {
  vars: Record<string, unknown>;
}
export interface ArtilleryEvents {
  emit(type: "counter" | "histogram", name: string, value: number): void;
}
export interface ArtilleryResponse {
  statusCode?: number;
  body?: unknown;
}
type Done = (error?: Error) => void;

/** Flow function: pick a user uniformly from the population and set softkeyUser, softkeyUserName, softkeyUserDisplayName, softkeyUserHandle. */
export function softkeyUser(context: ArtilleryContext, _events: ArtilleryEvents, done: Done): void {
  settle(done, () => pickUser(context, populationFor(context.vars)));
}

/** afterResponse hook on the RP's creation options: sets softkeyCredential (and softkeyCredentialId). */
export function softkeyCreate(_request: unknown, response: ArtilleryResponse, context: ArtilleryContext, events: ArtilleryEvents, done: Done): void {
  ceremony("registrations", events, done, () => {
    const { vars } = context;
    const population = populationFor(vars);
    if (vars.softkeyUser === undefined) pickUser(context, population);
    const options = optionsFrom(response, "creation");
    const credential: RegistrationResponseJSON = population.create(options, { origin: originOf(vars), user: vars.softkeyUser as number });
    vars.softkeyCredential = credential;
    vars.softkeyCredentialId = credential.id;
    // The RP's user handle: a discoverable sign-in later in this virtual user names the credential by it.
    const unwrapped = ("publicKey" in options && !("challenge" in options) ? options.publicKey : options) as { user?: { id?: unknown } };
    if (typeof unwrapped.user?.id === "string") vars.softkeyUserHandle = unwrapped.user.id;
  });
}

/** afterResponse hook on the RP's request options: sets softkeyAssertion. */
export function softkeyGet(_request: unknown, response: ArtilleryResponse, context: ArtilleryContext, events: ArtilleryEvents, done: Done): void {
  ceremony("sign_ins", events, done, () => {
    const { vars } = context;
    const population = populationFor(vars);
    const options = optionsFrom(response, "request");
    const allowList = (options as { allowCredentials?: unknown[] }).allowCredentials;
    // A discoverable sign-in needs a user: the one picked, else one picked now.
    if (vars.softkeyUser === undefined && !(Array.isArray(allowList) && allowList.length > 0)) pickUser(context, population);
    const assertion: AuthenticationResponseJSON = population.get(options, {
      origin: originOf(vars),
      ...(typeof vars.softkeyUser === "number" ? { user: vars.softkeyUser } : {}),
      ...(typeof vars.softkeyUserHandle === "string" ? { userHandle: vars.softkeyUserHandle } : {}),
    });
    vars.softkeyAssertion = assertion;
  });
}

const populations = new Map<string, Population>();

/** One population per worker and settings; the seed's scrypt runs once. */
function populationFor(vars: Record<string, unknown>): Population {
  if ("softkeyPopulationSeed" in vars || "softkeySeed" in vars) {
    throw new Error(`the population seed must not be in the scenario: set ${POPULATION_SEED_ENV} (or ${POPULATION_SEED_FILE_ENV}) in the runner's environment`);
  }
  const size = Number(vars.softkeyPopulationSize);
  const settings = {
    size,
    algorithm: (vars.softkeyAlgorithm ?? "ES256") as PopulationAlgorithm,
    counter: (vars.softkeyCounter ?? "zero") as PopulationCounterMode,
    attestation: (vars.softkeyAttestation ?? "none") as "none" | "self",
  };
  const key = JSON.stringify(settings);
  let population = populations.get(key);
  if (!population) {
    if (vars.softkeyPopulationSize === undefined) throw new Error("set softkeyPopulationSize in config.variables (the number of users)");
    population = new Population({ seed: readSeed(), ...settings });
    populations.set(key, population);
  }
  return population;
}

function readSeed(): string {
  const file = process.env[POPULATION_SEED_FILE_ENV];
  if (file) return readFileSync(file, "utf8").replace(/\r?\n$/, "");
  const seed = process.env[POPULATION_SEED_ENV];
  if (!seed) throw new Error(`no population seed: set ${POPULATION_SEED_ENV} or ${POPULATION_SEED_FILE_ENV} in the environment of every runner`);
  return seed;
}

function pickUser(context: ArtilleryContext, population: Population): void {
  const user = population.user(randomInt(population.size));
  Object.assign(context.vars, { softkeyUser: user.user, softkeyUserName: user.name, softkeyUserDisplayName: user.displayName, softkeyUserHandle: user.userHandle });
}

function originOf(vars: Record<string, unknown>): string {
  if (typeof vars.softkeyOrigin === "string") return vars.softkeyOrigin;
  if (typeof vars.target === "string") return new URL(vars.target).origin;
  throw new Error("set softkeyOrigin in config.variables (the page origin the RP expects), or config.target");
}

/** The RP's options JSON from the response body (Artillery gives it as text). */
function optionsFrom(response: ArtilleryResponse, kind: string): object {
  const status = response.statusCode ?? 200;
  if (status < 200 || status > 299) throw new Error(`the RP answered ${status} instead of ${kind} options`);
  const body = typeof response.body === "string" ? (JSON.parse(response.body) as unknown) : response.body;
  if (typeof body !== "object" || body === null) throw new Error(`the RP's ${kind} options are not a JSON object`);
  return body;
}

function ceremony(kind: "registrations" | "sign_ins", events: ArtilleryEvents, done: Done, run: () => void): void {
  const started = performance.now();
  settle(
    (error) => {
      if (error) events.emit("counter", `softkey.errors.${error.name}`, 1);
      else {
        events.emit("counter", `softkey.${kind}`, 1);
        events.emit("histogram", "softkey.ceremony_ms", performance.now() - started);
      }
      done(error);
    },
    run,
  );
}

function settle(done: Done, run: () => void): void {
  let failure: Error | undefined;
  try {
    run();
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
  }
  done(failure);
}
