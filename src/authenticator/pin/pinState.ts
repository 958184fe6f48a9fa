/**
 * Reading and writing the stored half of the ClientPIN state (pinRuntime.ts
 * describes both halves): read once per power-up and kept in the session,
 * written through to the store.
 */
import type { AuthenticatorContext } from "../context.js";
import { Setting } from "../settings.js";
import { initialPinState, type StoredPinState } from "./pinRuntime.js";

const SETTING = Setting.clientPin.name;

/**
 * The stored PIN state, read once per power-up and kept with the volatile
 * state: every makeCredential and getAssertion consults it. Callers get a copy.
 */
export async function loadPinState(ctx: AuthenticatorContext): Promise<StoredPinState> {
  const runtime = ctx.session.pin;
  runtime.stored ??= { ...initialPinState(), ...((await ctx.store.getSetting<StoredPinState>(SETTING)) ?? {}) };
  return { ...runtime.stored, minPinLengthRpIds: [...runtime.stored.minPinLengthRpIds] };
}

export async function savePinState(ctx: AuthenticatorContext, state: StoredPinState): Promise<void> {
  ctx.session.pin.stored = undefined;
  await ctx.store.putSetting(SETTING, state);
  ctx.session.pin.stored = { ...state, minPinLengthRpIds: [...state.minPinLengthRpIds] };
}
