/**
 * softkey/playwright: softkey as the authenticator of a Playwright browser
 * context, in any engine.
 *
 * ```ts
 * import { attach } from "softkey/playwright";
 * const key = await attach(context, { softkey });
 * await page.goto("http://localhost:3000/register");
 * const { credentialId } = await key.waitForEvent("credentialCreated");
 * ```
 */
export { attach, SoftkeyAttachment } from "./attach.js";
export type { AttachOptions } from "./attach.js";
export type { AccountSelector, PendingConditionalRequest } from "./conditionalRequests.js";
export type {
  CeremonyFailedEvent,
  CeremonySource,
  ConditionalRequestEvent,
  CredentialAssertedEvent,
  CredentialCreatedEvent,
  CredentialDeletedEvent,
  SoftkeyEventMap,
  SoftkeyEventName,
  WaitForEventOptions,
} from "./events.js";
export { initScript } from "./pageShim.js";
export { createWireCodec } from "./serialization.js";
export type { ShimConfig, WireCodec, WireRequest, WireResponse } from "./serialization.js";

import { attach } from "./attach.js";

/** For `import softkey from "softkey/playwright"; await softkey.attach(context, { softkey: key })`. */
const softkeyPlaywright = { attach };
export default softkeyPlaywright;
