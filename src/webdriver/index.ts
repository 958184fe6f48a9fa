/**
 * softkey/webdriver: softkey as the authenticator of a WebDriver session (selenium-webdriver, or
 * WebdriverIO over BiDi), over
 * WebDriver BiDi where the browser has it (Chromium through chromedriver, Firefox) and over classic
 * WebDriver where it does not (WebKitGTK through WebKitWebDriver).
 *
 * ```ts
 * import { attach } from "softkey/webdriver";
 * const key = await attach(driver, { softkey });
 * await driver.get("http://localhost:3000/register");
 * const { credentialId } = await key.waitForEvent("credentialCreated");
 * ```
 */
import type * as Events from "../browser/events.js";
import type * as Conditional from "../browser/conditionalRequests.js";
import { attach, type WebDriverFrame } from "./attach.js";
import type { AnyWebDriver } from "./driver.js";

export { attach, WebDriverAttachment } from "./attach.js";
export type { AttachOptions, WebDriverFrame } from "./attach.js";
export type { AnyWebDriver, WebDriverBidiLike, WebDriverLike, WebdriverIOBrowserLike } from "./driver.js";
export type AccountSelector = Conditional.AccountSelector<AnyWebDriver>;
export type PendingConditionalRequest = Conditional.PendingConditionalRequest<AnyWebDriver, WebDriverFrame>;
export type CeremonySource = Events.CeremonySource<AnyWebDriver, WebDriverFrame>;
export type CeremonyFailedEvent = Events.CeremonyFailedEvent<AnyWebDriver, WebDriverFrame>;
export type ConditionalRequestEvent = Events.ConditionalRequestEvent<AnyWebDriver, WebDriverFrame>;
export type CredentialAssertedEvent = Events.CredentialAssertedEvent<AnyWebDriver, WebDriverFrame>;
export type CredentialCreatedEvent = Events.CredentialCreatedEvent<AnyWebDriver, WebDriverFrame>;
export type SoftkeyEventMap = Events.SoftkeyEventMap<AnyWebDriver, WebDriverFrame>;
export type { CredentialDeletedEvent, SoftkeyEventName, WaitForEventOptions } from "../browser/events.js";

/** For `import softkey from "softkey/webdriver"; await softkey.attach(driver, { softkey: key })`. */
const softkeyWebDriver = { attach };
export default softkeyWebDriver;
