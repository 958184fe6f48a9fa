/**
 * softkey/puppeteer: softkey as the authenticator of a Puppeteer page, in Chromium (CDP) and
 * Firefox (WebDriver BiDi).
 *
 * ```ts
 * import { attach } from "softkey/puppeteer";
 * const key = await attach(page, { softkey });
 * await page.goto("http://localhost:3000/register");
 * const { credentialId } = await key.waitForEvent("credentialCreated");
 * ```
 */
import type { Frame, Page } from "puppeteer-core";
import type * as Events from "../browser/events.js";
import type * as Conditional from "../browser/conditionalRequests.js";
import { attach } from "./attach.js";

export { attach, PuppeteerAttachment } from "./attach.js";
export type { AttachOptions } from "./attach.js";
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

/** For `import softkey from "softkey/puppeteer"; await softkey.attach(page, { softkey: key })`. */
const softkeyPuppeteer = { attach };
export default softkeyPuppeteer;
