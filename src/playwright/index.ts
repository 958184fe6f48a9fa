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
import type { Frame, Page } from "playwright-core";
import type * as Events from "../browser/events.js";
import type * as Conditional from "../browser/conditionalRequests.js";

export { attach, SoftkeyAttachment } from "./attach.js";
export type { AttachOptions } from "./attach.js";
export { softkeyFixtures } from "./fixtures.js";
export type { SoftkeyFixtureDefinitions, SoftkeyFixtureOptions, SoftkeyTestFixtures } from "./fixtures.js";
export type AccountSelector = Conditional.AccountSelector<Page>;
export type PendingConditionalRequest = Conditional.PendingConditionalRequest<Page, Frame>;
export type CeremonySource = Events.CeremonySource<Page, Frame>;
export type CeremonyFailedEvent = Events.CeremonyFailedEvent<Page, Frame>;
export type ConditionalRequestEvent = Events.ConditionalRequestEvent<Page, Frame>;
export type CredentialAssertedEvent = Events.CredentialAssertedEvent<Page, Frame>;
export type CredentialCreatedEvent = Events.CredentialCreatedEvent<Page, Frame>;
export type SoftkeyEventMap = Events.SoftkeyEventMap<Page, Frame>;
export type { CredentialDeletedEvent, SoftkeyEventName, WaitForEventOptions } from "../browser/events.js";
/** The virtual-authenticator drop-in (`key.virtualAuthenticators`): its events by CDP name, and CDP's shapes. */
export type { CdpCredential, CdpWebAuthnEvents, VirtualAuthenticatorOptions } from "../browser/virtualAuthenticators.js";
export { initScript } from "../browser/pageShim.js";
export { createWireCodec } from "../browser/serialization.js";
export type { ShimConfig, WireCodec, WireRequest, WireResponse } from "../browser/serialization.js";

import { attach } from "./attach.js";

/** For `import softkey from "softkey/playwright"; await softkey.attach(context, { softkey: key })`. */
const softkeyPlaywright = { attach };
export default softkeyPlaywright;
