/**
 * Browsers as selenium-webdriver drives them on these machines (/work/shared/design/peers.md):
 * Debian's Chromium through chromedriver with WebDriver BiDi (`webSocketUrl: true`), and
 * WebKitGTK's MiniBrowser through WebKitWebDriver (classic WebDriver only), on an Xvfb display of
 * its own (`-displayfd` picks a free one) because MiniBrowser has no headless mode.
 *
 * The presence rule, as in ../browser/chromium.ts: locally a missing peer skips its tests, loudly;
 * in CI (CI=true) it fails them. `.ci/apt-packages` lists chromium-driver, webkit2gtk-driver, xvfb.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { Builder, type WebDriver } from "selenium-webdriver";
import chrome from "selenium-webdriver/chrome.js";
import { CHROMIUM, CHROMIUM_ARGS, IN_CI } from "../browser/chromium.js";

export const CHROMEDRIVER = process.env.SOFTKEY_TEST_CHROMEDRIVER ?? "/usr/bin/chromedriver";
export const WEBKIT_DRIVER = process.env.SOFTKEY_TEST_WEBKITWEBDRIVER ?? "/usr/bin/WebKitWebDriver";
export const MINIBROWSER = process.env.SOFTKEY_TEST_MINIBROWSER ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
export const XVFB = process.env.SOFTKEY_TEST_XVFB ?? "/usr/bin/Xvfb";

export interface WebDriverEngine {
  name: "chromium" | "webkit";
  /** Locally skipped without its programs; in CI run, so that launch() fails them. */
  skip: boolean;
  title(title: string): string;
  launch(): Promise<LaunchedDriver>;
}

export interface LaunchedDriver {
  driver: WebDriver;
  close(): Promise<void>;
}

function engine(name: WebDriverEngine["name"], programs: string[], packages: string, launch: () => Promise<LaunchedDriver>): WebDriverEngine {
  const missing = programs.filter((program) => !existsSync(program));
  const hint = `apt-get install -y ${packages} (listed in .ci/apt-packages)`;
  const skip = missing.length > 0 && !IN_CI;
  if (skip) console.warn(`\n*** SKIPPED: ${name} tests through selenium-webdriver: ${missing.join(", ")} missing; ${hint} ***\n`);
  return {
    name,
    skip,
    title: (title) =>
      missing.length === 0 ? `${title} [${name}]` : `${title} [${name}] (${IN_CI ? "FAILING" : "SKIPPED"}: ${missing.join(", ")} missing${IN_CI ? ", required when CI=true" : ""})`,
    launch: () => (missing.length > 0 ? Promise.reject(new Error(`${missing.join(", ")} required when CI=true but missing; ${hint}`)) : launch()),
  };
}

async function launchChromium(): Promise<LaunchedDriver> {
  const options = new chrome.Options();
  options.setChromeBinaryPath(CHROMIUM);
  options.addArguments("--headless=new", ...CHROMIUM_ARGS);
  options.enableBidi(); // webSocketUrl: true
  const driver = await new Builder().forBrowser("chrome").setChromeOptions(options).setChromeService(new chrome.ServiceBuilder(CHROMEDRIVER)).build();
  return { driver, close: () => driver.quit().catch(() => undefined) };
}

/** Resolves with the first line `child` writes on `fd` (Xvfb's display number with -displayfd). */
function firstLine(child: ChildProcess, fd: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = child.stdio[fd] as NodeJS.ReadableStream;
    let text = "";
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) resolve(text.trim());
    });
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Ends a process we started (its own process group: MiniBrowser and WebKit's helpers with it). */
function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return Promise.resolve();
  }
  return exited;
}

async function launchWebKit(): Promise<LaunchedDriver> {
  const xvfb = spawn(XVFB, ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], { stdio: ["ignore", "ignore", "ignore", "pipe"], detached: true });
  let webDriver: ChildProcess | undefined;
  try {
    const display = await firstLine(xvfb, 3, "Xvfb");
    const port = await freePort();
    webDriver = spawn(WEBKIT_DRIVER, [`--port=${port}`], { stdio: "ignore", detached: true, env: { ...process.env, DISPLAY: `:${display}` } });
    const capabilities = { browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] } };
    const driver = await buildWhenListening(() => new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build());
    const started = webDriver;
    return {
      driver,
      async close() {
        await driver.quit().catch(() => undefined);
        await end(started);
        await end(xvfb);
      },
    };
  } catch (error) {
    if (webDriver) await end(webDriver);
    await end(xvfb);
    throw error;
  }
}

/** WebKitWebDriver takes a moment to listen: retry the new session while the connection is refused. */
async function buildWhenListening(build: () => Promise<WebDriver>): Promise<WebDriver> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await build();
    } catch (error) {
      if (attempt >= 50 || !/ECONNREFUSED/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Chromium through WebdriverIO (v9: WebDriver BiDi on by default), with Debian's chromedriver (WebdriverIO would otherwise download one). */
export async function launchWebdriverIOChromium(): Promise<WebdriverIO.Browser> {
  const { remote } = await import("webdriverio");
  return remote({
    logLevel: "warn",
    capabilities: {
      browserName: "chrome",
      webSocketUrl: true,
      "goog:chromeOptions": { binary: CHROMIUM, args: ["--headless=new", ...CHROMIUM_ARGS] },
      "wdio:chromedriverOptions": { binary: CHROMEDRIVER },
    },
  });
}

export const WEBDRIVER_ENGINES: WebDriverEngine[] = [
  engine("chromium", [CHROMIUM, CHROMEDRIVER], "chromium chromium-driver", launchChromium),
  engine("webkit", [WEBKIT_DRIVER, MINIBROWSER, XVFB], "webkit2gtk-driver xvfb", launchWebKit),
];
