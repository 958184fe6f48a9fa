/**
 * A UserPresence whose answers can be changed while the device runs, as a
 * tester changes Chrome's virtual authenticator with
 * `WebAuthn.setAutomaticPresenceSimulation` / `setUserVerified` between two
 * ceremonies. Each question goes to the policy in force when it is asked; a
 * question already waiting (a terminal prompt) keeps the policy it started with.
 */
import type { PresenceRequest, SampleStatus, UserPresence, UvOutcome } from "./presence.js";

export class SwitchablePresence implements UserPresence {
  constructor(private current: UserPresence) {}

  /** From the next question on, `next` answers. */
  replace(next: UserPresence): void {
    this.current = next;
  }

  get answersImmediately(): boolean | undefined {
    return this.current.answersImmediately;
  }

  get decidedAnswer(): boolean | undefined {
    return this.current.decidedAnswer;
  }

  get builtInUv(): boolean {
    return this.current.builtInUv;
  }

  requestPresence(request: PresenceRequest): Promise<boolean> {
    return this.current.requestPresence(request);
  }

  verifyUser(request: PresenceRequest): Promise<UvOutcome> {
    return this.current.verifyUser(request);
  }

  captureSample(request: PresenceRequest): Promise<SampleStatus> {
    return this.current.captureSample?.(request) ?? Promise.resolve("fp-good");
  }
}
