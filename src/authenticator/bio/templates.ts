/**
 * The fingerprint templates a bio key holds (CTAP 2.2 section 6.7): an ID and
 * an optional friendly name each, kept in the store (a reset erases them, as
 * on a YubiKey Bio). softkey keeps no fingerprint image or minutiae: a
 * template is the name of a finger the simulated user can present (presence
 * policy `finger:<name or ID>`).
 */
import { randomBytes } from "node:crypto";
import type { AuthenticatorContext } from "../context.js";
import type { EnrolledFinger } from "../../presence/presence.js";
import { Setting } from "../settings.js";

export interface FingerprintTemplate {
  templateId: Uint8Array;
  templateFriendlyName?: string;
}

const SETTING = Setting.bioEnrollments.name;
/** Template IDs are two bytes, as a YubiKey Bio's. */
const TEMPLATE_ID_LENGTH = 2;

export async function loadTemplates(ctx: AuthenticatorContext): Promise<FingerprintTemplate[]> {
  return (await ctx.store.getSetting<FingerprintTemplate[]>(SETTING)) ?? [];
}

export async function saveTemplates(ctx: AuthenticatorContext, templates: FingerprintTemplate[]): Promise<void> {
  await ctx.store.putSetting(SETTING, templates);
}

/** A template ID no enrolled template has. */
export function newTemplateId(existing: readonly FingerprintTemplate[]): Uint8Array {
  for (;;) {
    const id = new Uint8Array(randomBytes(TEMPLATE_ID_LENGTH));
    if (!existing.some((t) => sameId(t.templateId, id))) return id;
  }
}

export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** The enrolled fingers as a presence policy sees them; undefined on a device without a fingerprint sensor. */
export async function enrolledFingers(ctx: AuthenticatorContext): Promise<EnrolledFinger[] | undefined> {
  if (!ctx.config.fingerprint) return undefined;
  return (await loadTemplates(ctx)).map((t) => ({
    id: Buffer.from(t.templateId).toString("hex"),
    ...(t.templateFriendlyName !== undefined ? { name: t.templateFriendlyName } : {}),
  }));
}

/**
 * Whether built-in UV can verify the user now (getInfo "uv" true): the presence policy has built-in UV,
 * and on a fingerprint key at least one template is enrolled ("uv" false until then, CTAP 2.2 section 6.4).
 */
export async function builtInUvConfigured(ctx: AuthenticatorContext): Promise<boolean> {
  if (!ctx.presence.builtInUv) return false;
  if (!ctx.config.fingerprint) return true;
  return (await loadTemplates(ctx)).length > 0;
}
