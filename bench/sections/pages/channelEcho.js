// The bare-channel ceiling of each engine: page → Node → page empty round trips per second over the very channel
// softkey answers that engine through (its own channel classes from dist/, with a handler that echoes instead of
// running a ceremony), so the page-engines table shows the most each channel allows. The page's half,
// installEchoLoop, posts and awaits one call at a time, as the page loop's ceremonies do.
import puppeteer from "puppeteer-core";
import { BidiChannel } from "../../../dist/browser/bidiChannel.js";
import { CdpChannel } from "../../../dist/playwright/cdpChannel.js";
import { ClassicChannel } from "../../../dist/webdriver/classicChannel.js";
import { bidiOf } from "../../../dist/webdriver/driver.js";

const NAMES = { binding: "__benchEchoPost", reply: "__benchEchoReply" };
/** The shim the BiDi and classic channels install: it only keeps their post function for installEchoLoop. */
const SHIM = `(post) => { globalThis.${NAMES.binding} = post; }`;
const echo = (_call, request) => Promise.resolve({ ok: true, echo: request });
const CLOSED = { ok: false, name: "NotAllowedError", message: "bench over" };

/** Evaluated in the page: leaves `benchEcho.loop({ seconds })` there, which returns round trips per second. */
export function installEchoLoop({ binding, reply }) {
  const w = globalThis;
  const pending = new Map();
  let calls = 0;
  w[reply] = (call, response) => {
    pending.get(call)?.(typeof response === "string" ? JSON.parse(response) : response);
    pending.delete(call);
  };
  const roundTrip = (request) =>
    new Promise((resolve) => {
      const call = ++calls;
      pending.set(call, resolve);
      w[binding](JSON.stringify({ call, request }));
    });
  w.benchEcho = {
    async loop({ seconds }) {
      // The size of a get() request on the wire.
      const message = { op: "get", id: "x.1", origin: w.location.origin, options: { challenge: "A".repeat(43), allowCredentials: [{ type: "public-key", id: "B".repeat(86) }] } };
      for (let i = 0; i < 10; i++) await roundTrip(message);
      let n = 0;
      const start = performance.now();
      while (performance.now() < start + seconds * 1000) {
        await roundTrip(message);
        n++;
      }
      return (n / (performance.now() - start)) * 1000;
    },
  };
}

async function echoing(page, close) {
  await page.evaluate(installEchoLoop, NAMES);
  return { page, close };
}

/** Chromium, softkey/playwright's channel: a CDP binding in, Runtime.evaluate back. */
export async function cdpEcho({ chromiumContext, url }) {
  const page = await chromiumContext.newPage();
  const channel = await CdpChannel.open(page, NAMES, echo);
  await page.goto(url);
  return echoing(page, async () => {
    await channel.close(CLOSED);
    await page.close();
  });
}

/** Firefox, softkey/puppeteer's channel there: WebDriver BiDi script.message in, script.callFunction back. */
export async function firefoxBidiEcho({ executables, url }) {
  const browser = await puppeteer.launch({ browser: "firefox", executablePath: executables.firefox, headless: true });
  const page = await browser.newPage();
  await page.goto(url);
  const channel = new BidiChannel(browser.connection, page.mainFrame()._id, NAMES.reply, echo);
  await channel.open(SHIM);
  return echoing(page, async () => {
    await channel.close(CLOSED);
    await browser.close();
  });
}

/** Chromium through chromedriver, softkey/webdriver's BiDi channel (selenium's BiDi connection). */
export function chromiumBidiEcho(startSession) {
  return async (context) => {
    const session = await startSession(context);
    if (session.missing) return session;
    const { driver, page } = session;
    const top = await driver.getWindowHandle();
    const connection = await bidiOf(driver);
    await connection.send("session.subscribe", { events: ["script.message", "script.realmCreated", "script.realmDestroyed"], contexts: [top] });
    await driver.get(context.url);
    const channel = new BidiChannel(connection, top, NAMES.reply, echo);
    await channel.open(SHIM);
    return echoing(page, async () => {
      await channel.close(CLOSED);
      await session.close();
    });
  };
}

/** WebKitGTK, softkey/webdriver's classic bridge: the page's queue drained by Execute Script every 50 ms, answers by Execute Script. */
export function classicEcho(startSession) {
  return async (context) => {
    const session = await startSession(context);
    if (session.missing) return session;
    const { driver, page } = session;
    await driver.get(context.url);
    const channel = new ClassicChannel(driver, SHIM, NAMES.reply, echo, 50);
    await channel.open();
    return echoing(page, async () => {
      await channel.close(CLOSED);
      await session.close();
    });
  };
}
