/**
 * authenticatorGetInfo (0x04), CTAP 2.1 section 6.4: advertises exactly what
 * this authenticator implements, nothing more.
 */
import type { AuthenticatorContext } from "../context.js";

const Response = {
  versions: 0x01,
  extensions: 0x02,
  aaguid: 0x03,
  options: 0x04,
  maxMsgSize: 0x05,
  pinUvAuthProtocols: 0x06,
  maxCredentialCountInList: 0x07,
  maxCredentialIdLength: 0x08,
  transports: 0x09,
  algorithms: 0x0a,
  firmwareVersion: 0x0e,
  remainingDiscoverableCredentials: 0x14,
} as const;

export async function getInfo(_params: unknown, ctx: AuthenticatorContext): Promise<Map<number, unknown>> {
  const { config, presence } = ctx;
  const options = new Map<string, boolean>([
    ["rk", true],
    ["up", true],
    ["plat", false],
  ]);
  // "uv" present means built-in UV exists; true means it is configured (CTAP 2.1 section 6.4 options).
  if (presence.builtInUv) options.set("uv", true);
  const { discoverable } = await ctx.store.countCredentials();
  return new Map<number, unknown>([
    [Response.versions, ["FIDO_2_0"]],
    [Response.aaguid, config.aaguid],
    [Response.options, options],
    [Response.maxMsgSize, config.maxMsgSize],
    [Response.maxCredentialCountInList, config.maxCredentialCountInList],
    [Response.maxCredentialIdLength, config.maxCredentialIdLength],
    [Response.transports, [...config.transports]],
    [Response.algorithms, config.algorithms.map((alg) => new Map<string, unknown>([["alg", alg], ["type", "public-key"]]))],
    [Response.firmwareVersion, config.firmwareVersion],
    [Response.remainingDiscoverableCredentials, Math.max(0, config.maxDiscoverableCredentials - discoverable)],
  ]);
}
