/**
 * What softkey/webdriver needs of a WebDriver client, as shapes rather than a library's types, so
 * that selenium-webdriver's `WebDriver` fits as it is and other clients fit through a small adapter:
 *
 * - classic WebDriver: Execute Script (`executeScript(body, ...args)`, the function body's result
 *   returned as JSON) and Get Current URL (`getCurrentUrl()`), Get Window Handle;
 * - WebDriver BiDi, when the session has it (`webSocketUrl` in the returned capabilities):
 *   `getBidi()`, selenium-webdriver's connection, which sends `{ method, params }` and resolves
 *   with the whole reply (an error reply included), and emits each event by its method name.
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
