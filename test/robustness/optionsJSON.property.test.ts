/**
 * The WebAuthn client under arbitrary options JSON (seeded, bounded):
 * creation and request options with every member sometimes of the wrong type,
 * unknown values, bad base64url, odd extensions, wrapped in { publicKey } or
 * not, and JSON or text that is not options at all. A ceremony either
 * succeeds or rejects with a WebAuthnError; nothing else escapes, and it
 * settles.
 */
import { it } from "vitest";
import { assertTarget, targetNamed } from "../fuzz/targets.js";

it("WebAuthn client: arbitrary options JSON fails only with a WebAuthnError", async () => {
  await assertTarget(targetNamed("webauthn-options"), { seed: 99_173, numRuns: 300 });
});
