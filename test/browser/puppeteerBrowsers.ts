/**
 * Chromium and Firefox as Puppeteer drives them on these machines (/work/shared/design/peers.md):
 * Debian's /usr/bin/chromium over CDP, and Debian's /usr/bin/firefox-esr over WebDriver BiDi
 * (puppeteer-core's `browser: "firefox"`, no extra driver).
 *
 * The presence rule, as in ./chromium.ts: locally a missing browser skips its tests, loudly; in CI
 * (CI=true) it fails them. `.ci/apt-packages` lists chromium and firefox-esr.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser } from "puppeteer-core";
import { afterAll, beforeAll } from "vitest";
import { Softkey } from "../../src/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { CHROMIUM, CHROMIUM_ARGS, IN_CI } from "./chromium.js";
import { startRelyingParty, type RelyingParty } from "./relyingParty.js";

export const FIREFOX = process.env.SOFTKEY_TEST_FIREFOX ?? "/usr/bin/firefox-esr";

export interface PuppeteerEngine {
  name: "chromium" | "firefox";
  executablePath: string;
  missing: boolean;
  installHint: string;
  /** Locally skipped without the browser; in CI run, so that launch() fails them. */
  skip: boolean;
  /** The test title, saying loudly when it does not really run. */
  title(title: string): string;
  launch(): Promise<Browser>;
}

function engine(name: "chromium" | "firefox", executablePath: string, pkg: string, launch: () => Promise<Browser>): PuppeteerEngine {
  const missing = !existsSync(executablePath);
  const installHint = `install it with \`apt-get install -y ${pkg}\` (listed in .ci/apt-packages)`;
  const skip = missing && !IN_CI;
  if (skip) console.warn(`\n*** SKIPPED: ${name} tests through Puppeteer: ${executablePath} is missing; ${installHint} ***\n`);
  return {
    name,
    executablePath,
    missing,
    installHint,
    skip,
    title: (title) =>
      !missing ? `${title} [${name}]` : IN_CI ? `${title} [${name}] (FAILING: ${executablePath} missing, required when CI=true)` : `${title} [${name}] (SKIPPED: ${executablePath} missing)`,
    launch: () => {
      if (missing) return Promise.reject(new Error(`${executablePath} is required when CI=true but is missing; ${installHint}`));
      return launch();
    },
  };
}

export const PUPPETEER_ENGINES: PuppeteerEngine[] = [
  engine("chromium", CHROMIUM, "chromium", () => puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })),
  engine("firefox", FIREFOX, "firefox-esr", () => puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true })),
];

export interface PuppeteerSuite {
  browser: Browser;
  rp: RelyingParty;
  softkey: Softkey;
}

/**
 * For a describe block: the engine's browser, a relying party and a fresh store, made before its
 * tests (read them in a later beforeAll or in the tests) and closed after them.
 */
export function usePuppeteerSuite(engine: PuppeteerEngine, name: string): PuppeteerSuite {
  const suite = {} as PuppeteerSuite;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `softkey-${name}-${engine.name}-`));
    suite.rp = await startRelyingParty();
    suite.softkey = await Softkey.init(join(dir, "store"), name, { scrypt: TEST_SCRYPT });
    suite.browser = await engine.launch();
  }, 90_000);
  afterAll(async () => {
    await suite.browser?.close().catch(() => undefined);
    await suite.softkey?.close();
    await suite.rp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return suite;
}
