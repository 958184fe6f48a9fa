/**
 * An authentication on a CTAP1/U2F key, as Chrome runs one
 * (device/fido/u2f_sign_operation.cc): a U2F key has no discoverable
 * credentials and cannot verify the user, so an empty allowCredentials, a
 * required UV, conditional and immediate requests are refused. The key
 * handles are tried with check-only U2F_AUTHENTICATE under the RP ID (or the
 * appid extension's AppID), and the first the key holds is signed with
 * enforce-user-presence-and-sign, repeated until the user touches the key.
 */
import type { CtapTransport } from "../../ctap/transport.js";
import { narrowAllowList } from "../accountChoice.js";
import { WebAuthnError } from "../errors.js";
import { chooseRpId, noCredentials, type Assertion, type AssertionRun } from "../getAssertionCtap2.js";
import { U2F_INFO } from "../protocol.js";
import { u2fAuthenticate } from "./u2fCommands.js";
import { sha256, u2f, u2fFinder } from "./u2fRegistration.js";
import { assertionFromU2f } from "./u2fResponses.js";

export async function authenticateOverU2f(run: AssertionRun, ctap1: CtapTransport): Promise<Assertion> {
  const { options, clientDataHash, extensions, ctap } = run;
  if (run.mediation !== "modal" || options.allowCredentials.length === 0) {
    throw new WebAuthnError("NotAllowedError", "the authenticator is a U2F key, which has no discoverable credentials: allowCredentials must name one");
  }
  if (options.userVerification === "required") {
    throw new WebAuthnError("NotAllowedError", "user verification is required but the authenticator is a U2F key, which cannot verify the user");
  }
  const allowList = narrowAllowList(options.allowCredentials.filter((d) => d.id.length <= 255), run.account);
  const find = u2fFinder(ctap1, ctap);
  const rpId = await chooseRpId(extensions, run.rpId, allowList, find);
  for (const extension of extensions) extension.plan?.({ info: U2F_INFO });
  const held = await find(rpId, allowList);
  if (!held) throw noCredentials("the U2F key holds none of allowCredentials");
  const application = sha256(rpId);
  const answer = await u2f(() => u2fAuthenticate(ctap1, { challenge: clientDataHash, application, keyHandle: held.id }, ctap));
  return { response: assertionFromU2f(application, held.id, answer), allowList: [held], rpId, token: undefined };
}
