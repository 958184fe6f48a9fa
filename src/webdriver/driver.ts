/**
 * What softkey/webdriver needs of a WebDriver client, as shapes rather than a library's types, so
 * that selenium-webdriver's `WebDriver` fits as it is and other clients fit through a small adapter:
 *
 * - classic WebDriver: Execute Script (`executeScript(body, ...args)`, the function body's result
 *   returned as JSON) and Get Current URL (`getCurrentUrl()`), Get Window Handle;
 * - WebDriver BiDi, when the session has it (`webSocketUrl` in the returned capabilities):
 *   `getBidi()`, selenium-webdriver's connection, which sends `{ method, params }` and resolves
 *   with the whole reply (an error reply included), and emits each event by its method name.
 *
 * WebdriverIO's `browser` (v9, BiDi on by default) is taken over BiDi only: it has each BiDi command
 * as a method named in camel case (`scriptAddPreloadScript(params)` for `script.addPreloadScript`)
 * resolving with the command's result, and emits each event by its method name.
 */
import type { BidiConnectionLike } from "../browser/bidiChannel.js";

export interface WebDriverBidiLike {
  send(command: { method: string; params: object }): Promise<unknown>;
  on(event: string, listener: (params: never) => void): unknown;
  off(event: string, listener: (params: never) => void): unknown;
}

export interface WebDriverLike {
  getCapabilities(): Promise<{ get(name: string): unknown }>;
  getWindowHandle(): Promise<string>;
  getCurrentUrl(): Promise<string>;
  executeScript<T>(script: string, ...args: unknown[]): Promise<T>;
  /** selenium-webdriver's BiDi connection (shaped as WebDriverBidiLike; typed loosely so that its EventEmitter fits). */
  getBidi?(): Promise<unknown>;
}

/** WebdriverIO's `browser`, as far as softkey uses it. */
export interface WebdriverIOBrowserLike {
  isBidi?: boolean;
  getWindowHandle(): Promise<string>;
  /** Its BiDi commands as methods and its event emitter's on/off, reached at run time (their typings are WebdriverIO's). */
  scriptAddPreloadScript(...args: never[]): unknown;
}

/** A selenium-webdriver WebDriver or a WebdriverIO browser. */
export type AnyWebDriver = WebDriverLike | WebdriverIOBrowserLike;

/** Whether `value` is a WebdriverIO browser (it has BiDi commands as methods). */
export function isWebdriverIO(value: unknown): value is WebdriverIOBrowserLike {
  if (typeof value !== "object" || value === null) return false;
  const browser = value as Record<string, unknown>;
  return typeof browser.scriptAddPreloadScript === "function" && typeof browser.getWindowHandle === "function" && typeof browser.on === "function";
}

/** WebdriverIO's BiDi, or undefined when its session has none. */
export function webdriverioBidi(browser: WebdriverIOBrowserLike): BidiConnectionLike | undefined {
  if (browser.isBidi !== true) return undefined;
  const commands = browser as unknown as Record<string, unknown>;
  const events = browser as unknown as Pick<WebDriverBidiLike, "on" | "off">;
  return {
    async send(method, params) {
      const name = method.replace(/\.(\w)/g, (_, first: string) => first.toUpperCase()); // script.addPreloadScript -> scriptAddPreloadScript
      const command = commands[name];
      if (typeof command !== "function") throw new Error(`softkey: this WebdriverIO has no WebDriver BiDi command ${method}`);
      return { result: (await (command as (params: object) => Promise<unknown>).call(browser, params)) as unknown };
    },
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
  };
}

/** Whether `value` has the methods softkey calls on a driver. */
export function isWebDriver(value: unknown): value is WebDriverLike {
  if (typeof value !== "object" || value === null) return false;
  const driver = value as Record<string, unknown>;
  return ["getCapabilities", "getWindowHandle", "getCurrentUrl", "executeScript"].every((name) => typeof driver[name] === "function");
}

/** The session's WebDriver BiDi connection, or undefined when it has none (a classic-only driver such as WebKitWebDriver). */
export async function bidiOf(driver: WebDriverLike): Promise<BidiConnectionLike | undefined> {
  const webSocketUrl = (await driver.getCapabilities()).get("webSocketUrl");
  if (typeof webSocketUrl !== "string" || typeof driver.getBidi !== "function") return undefined;
  const bidi = (await driver.getBidi()) as WebDriverBidiLike;
  return {
    async send(method, params) {
      const reply = (await bidi.send({ method, params })) as { type?: string; error?: string; message?: string; result?: unknown };
      if (reply.type === "error") throw new Error(`softkey: WebDriver BiDi ${method} failed: ${reply.error ?? "error"}: ${reply.message ?? ""}`);
      return reply;
    },
    on: (event, listener) => bidi.on(event, listener),
    off: (event, listener) => bidi.off(event, listener),
  };
}
