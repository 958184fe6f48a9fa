/**
 * A virtual population of users for load tests: a seed and a size. User i's
 * credentials, handle and names are derived from the seed and i, so any
 * number of generators on any number of machines act as any user with no
 * shared state; credential IDs carry what a generator needs (credentialId.ts).
 *
 *   const population = new Population({ seed: process.env.SOFTKEY_POPULATION_SEED!, size: 1_000_000 });
 *   const registration = population.create(creationOptionsJSON, { origin, user: 42 });
 *   const assertion = population.get(requestOptionsJSON, { origin, user: 42 });
 *
 * Both ceremonies are synchronous: no I/O, node:crypto signs.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../client/responseJSON.js";
import { getAssertion, type PopulationGetCall } from "./assertion.js";
import { PopulationCore, type PopulationAlgorithm, type PopulationOptions } from "./core.js";
import { publicCredentials, type PopulationCredentialRecord, type PublicCredentialRange } from "./publicCredentials.js";
import { createCredential, type PopulationCreateCall } from "./registration.js";
import type { PopulationCounterMode } from "./signCount.js";

export interface PopulationUser {
  user: number;
  name: string;
  displayName: string;
  /** base64url. */
  userHandle: string;
}

/** A population's settings, never its seed. */
export interface PopulationDescription {
  size: number;
  algorithm: PopulationAlgorithm;
  counter: PopulationCounterMode;
  attestation: "none" | "self";
  attachment: "cross-platform" | "platform";
  backupEligible: boolean;
  backupState: boolean;
  keyCacheSize: number;
}

export class Population {
  readonly #core: PopulationCore;

  constructor(options: PopulationOptions) {
    this.#core = new PopulationCore(options);
  }

  get size(): number {
    return this.#core.size;
  }

  describe(): PopulationDescription {
    const core = this.#core;
    return {
      size: core.size,
      algorithm: core.algorithm,
      counter: core.counter,
      attestation: core.attestation,
      attachment: core.attachment,
      backupEligible: core.backupEligible,
      backupState: core.backupState,
      keyCacheSize: core.keyCacheSize,
    };
  }

  /** User `user`: index, names and the population's user handle for them. */
  user(user: number): PopulationUser {
    const core = this.#core;
    core.checkUser(user);
    return { user, name: core.userName(user), displayName: core.userDisplayName(user), userHandle: Buffer.from(core.userHandle(user)).toString("base64url") };
  }

  /** Registration: the RP's creation options JSON in, a RegistrationResponseJSON out (what PublicKeyCredential.toJSON() gives a page). */
  create(options: unknown, call: PopulationCreateCall): RegistrationResponseJSON {
    return createCredential(this.#core, options, call);
  }

  /** Sign-in: the RP's request options JSON in, an AuthenticationResponseJSON out. */
  get(options: unknown, call: PopulationGetCall): AuthenticationResponseJSON {
    return getAssertion(this.#core, options, call);
  }

  /** Every user's public credential at `rpId`, one at a time (the export; see publicCredentials.ts). */
  publicCredentials(rpId: string, range?: PublicCredentialRange): Generator<PopulationCredentialRecord> {
    return publicCredentials(this.#core, rpId, range);
  }
}
