/**
 * User presence the U2F way. CTAP1 has no keepalive: a U2F key never holds a
 * request while it waits for a touch. It answers SW_CONDITIONS_NOT_SATISFIED
 * (0x6985) at once, and the client repeats the request until the touch has
 * happened (FIDO U2F raw message formats v1.2, sections 4.3 and 5.1; CTAP 2.1
 * section 10.2 "the platform ... retries ... until the user is present").
 *
 * - Policies that answer at once (auto, deny) decide each request: auto is a
 *   touch that is always there, deny one that never comes (always 0x6985).
 * - Otherwise (prompt, or a presence object that takes its time) the first
 *   request starts the question and every request meanwhile gets 0x6985. A
 *   yes is then consumed by the next request of the same kind for the same
 *   application, within GRANT_MS, as a touch is consumed on a real key; a no
 *   answers 0x6985 to that client's retries, until it pauses for
 *   REFUSAL_HOLD_MS (then the next request asks again). A question that gets
 *   no answer within config.userActionTimeoutMs is withdrawn.
 *
 * The state is volatile: it lives in the U2F handler, so a power cycle
 * (process restart) forgets it, as a key forgets a touch.
 */
import type { AuthenticatorContext } from "../context.js";
import type { PresencePurpose } from "../../presence/presence.js";

/** How long a given touch waits to be consumed by the request it was asked for (OpenSK keeps 30 s; 10 s here). */
export const GRANT_MS = 10_000;
/** A refusal answers the same request's retries until they pause this long. */
export const REFUSAL_HOLD_MS = 2_000;

export interface U2fPresenceAsk {
  purpose: Extract<PresencePurpose, "u2fRegister" | "u2fAuthenticate">;
  /** What the prompt names (an RP ID, or a shortened application parameter). */
  rpId?: string;
  /** Which request the answer belongs to: the same key is the client retrying the same request. */
  key: string;
}

interface PendingQuestion {
  key: string;
  controller: AbortController;
  /** undefined until the user answered. */
  answer?: boolean;
  answeredAt?: number;
}

export class U2fUserPresence {
  private pending: PendingQuestion | undefined;
  private refused: { key: string; lastSeen: number } | undefined;

  /**
   * True when the user is present for this request now (a given touch is
   * consumed); false when the request must be answered SW_CONDITIONS_NOT_SATISFIED.
   */
  async test(ctx: AuthenticatorContext, ask: U2fPresenceAsk): Promise<boolean> {
    const request = { purpose: ask.purpose, ...(ask.rpId !== undefined ? { rpId: ask.rpId } : {}) };
    if (ctx.presence.answersImmediately) {
      try {
        return await ctx.presence.requestPresence(request);
      } catch (error) {
        ctx.log(`user presence failed: ${(error as Error).message}`);
        return false;
      }
    }
    const now = ctx.now();
    if (this.refused) {
      if (this.refused.key === ask.key && now - this.refused.lastSeen < REFUSAL_HOLD_MS) {
        this.refused.lastSeen = now;
        return false;
      }
      if (this.refused.key === ask.key || now - this.refused.lastSeen >= REFUSAL_HOLD_MS) this.refused = undefined;
    }
    const pending = this.pending;
    if (pending) {
      // Still asking (about this request or another one): the client retries.
      if (pending.answer === undefined) return false;
      const fresh = now - pending.answeredAt! <= GRANT_MS;
      if (pending.key === ask.key) {
        this.pending = undefined;
        if (!pending.answer) {
          this.refused = { key: ask.key, lastSeen: now };
          return false;
        }
        if (fresh) return true;
        // A touch nobody came for in time is gone; ask again below.
      } else if (fresh) {
        // Another request's answer, not yet collected.
        return false;
      } else {
        this.pending = undefined;
      }
    }
    this.ask(ctx, ask, request);
    return false;
  }

  /** Withdraws a pending question (the process is closing). */
  close(): void {
    this.pending?.controller.abort(new Error("the U2F handler closed"));
    this.pending = undefined;
  }

  private ask(ctx: AuthenticatorContext, ask: U2fPresenceAsk, request: { purpose: U2fPresenceAsk["purpose"]; rpId?: string }): void {
    const question: PendingQuestion = { key: ask.key, controller: new AbortController() };
    this.pending = question;
    const timer = setTimeout(() => question.controller.abort(new Error("user action timeout")), ctx.config.userActionTimeoutMs);
    timer.unref?.();
    ctx.presence
      .requestPresence({ ...request, signal: question.controller.signal })
      .then(
        (answer) => {
          question.answer = answer;
          question.answeredAt = ctx.now();
        },
        (error: unknown) => {
          // No answer (timed out, no terminal): withdrawn, so the next request asks again.
          if (!question.controller.signal.aborted) ctx.log(`user presence failed: ${(error as Error)?.message ?? String(error)}`);
          if (this.pending === question) this.pending = undefined;
        },
      )
      .finally(() => clearTimeout(timer));
  }
}
