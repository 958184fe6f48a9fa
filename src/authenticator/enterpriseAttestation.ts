/**
 * Enterprise attestation (CTAP 2.1 section 7.1). A device is capable of it
 * when it is configured with a list of enterprise RP IDs (possibly empty: then
 * only platform-managed requests qualify). It starts disabled; the platform
 * enables it with authenticatorConfig enableEnterpriseAttestation, and
 * authenticatorReset disables it again (the setting is not kept on reset).
 */
import type { AuthenticatorContext } from "./context.js";
import { CtapError, Status } from "../ctap/status.js";
import { Setting } from "./settings.js";

const SETTING = Setting.enterpriseAttestation.name;

export const EnterpriseAttestationMode = { vendorFacilitated: 1, platformManaged: 2 } as const;

/** getInfo carries "ep" exactly when this is true. */
export function enterpriseAttestationCapable(ctx: AuthenticatorContext): boolean {
  return ctx.config.enterpriseRpIds !== undefined;
}

export async function enterpriseAttestationEnabled(ctx: AuthenticatorContext): Promise<boolean> {
  if (!enterpriseAttestationCapable(ctx)) return false;
  return (await ctx.store.getSetting<{ enabled?: boolean }>(SETTING))?.enabled === true;
}

/** authenticatorConfig enableEnterpriseAttestation (section 6.11.1). */
export async function enableEnterpriseAttestation(ctx: AuthenticatorContext): Promise<undefined> {
  await ctx.store.putSetting(SETTING, { enabled: true });
  ctx.log("authenticatorConfig: enterprise attestation enabled");
  return undefined;
}

/**
 * makeCredential's enterpriseAttestation parameter (section 6.1.2 step 9):
 * INVALID_PARAMETER unless enabled, INVALID_OPTION for a value other than 1
 * or 2. True when an enterprise attestation is to be returned: always for
 * platform-managed (the platform vouches for the RP), and for vendor-facilitated
 * only when the RP ID is on the device's list; otherwise the request is
 * treated as if the parameter were absent.
 */
export async function enterpriseAttestationGranted(ctx: AuthenticatorContext, mode: number, rpId: string): Promise<boolean> {
  if (!(await enterpriseAttestationEnabled(ctx))) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "enterprise attestation is not enabled");
  }
  if (mode === EnterpriseAttestationMode.platformManaged) return true;
  if (mode === EnterpriseAttestationMode.vendorFacilitated) return (ctx.config.enterpriseRpIds ?? []).includes(rpId);
  throw new CtapError(Status.CTAP2_ERR_INVALID_OPTION, `enterpriseAttestation must be 1 or 2, got ${mode}`);
}
