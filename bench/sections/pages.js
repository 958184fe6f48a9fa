// Page sign-ins (and registrations) per second in each engine through softkey, beside Chrome's own CDP
// virtual authenticator and Playwright's `context.credentials` on the same page loop in Chromium: the
// page-engines table. Every runner (./pages/*.js) opens one page on the same local origin; the page's
// half is ./pages/pageLoop.js everywhere. Rounds alternate the runners, and each ratio to Chrome is
// taken within a round, then the median reported, with the load average beside it. Under the softkey
// rows, in the same rounds, the bare-channel ceilings (./pages/channelEcho.js): empty round trips over
// each channel softkey uses, the most that channel allows. The WebDriver runners read the page loop's
// result with short polls (./pages/webDriverSessions.js). The channel breakdown of softkey/playwright
// (CDP binding against exposeBinding, their bare echoes) is ./playwright.js.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Softkey } from "../../dist/softkey.js";
import { inRounds, loadAverage, ROUNDS, roundSeconds } from "../harness.js";
import { cdpEcho, chromiumBidiEcho, classicEcho, firefoxBidiEcho } from "./pages/channelEcho.js";
import { chromeCdp } from "./pages/chromeCdp.js";
import { installPageLoop } from "./pages/pageLoop.js";
import { playwrightCredentials } from "./pages/playwrightCredentials.js";
import { softkeyPlaywright } from "./pages/softkeyPlaywright.js";
import { softkeyPuppeteer } from "./pages/softkeyPuppeteer.js";
import { softkeyWebDriver } from "./pages/softkeyWebDriver.js";
import { chromiumSession, webKitSession } from "./pages/webDriverSessions.js";

const RUNNERS = [
  { key: "chrome", label: "Chrome's CDP virtual authenticator (baseline)", engine: "chromium", open: chromeCdp },
  { key: "pwCredentials", label: "Playwright context.credentials", engine: "chromium", open: playwrightCredentials },
  { key: "softkeyPlaywright", label: "softkey/playwright", engine: "chromium", open: softkeyPlaywright },
  { key: "softkeyPuppeteerChromium", label: "softkey/puppeteer (CDP)", engine: "chromium", open: softkeyPuppeteer("chromium") },
  { key: "softkeyPuppeteerFirefox", label: "softkey/puppeteer (WebDriver BiDi)", engine: "firefox", open: softkeyPuppeteer("firefox") },
  { key: "softkeyWebDriverChromium", label: "softkey/webdriver, selenium + chromedriver (WebDriver BiDi)", engine: "chromium", open: softkeyWebDriver(chromiumSession) },
  { key: "softkeyWebDriverWebKit", label: "softkey/webdriver, selenium + WebKitWebDriver (classic bridge, 50 ms polls)", engine: "webkit", open: softkeyWebDriver(webKitSession) },
];
// The bare channels under the softkey rows (./pages/channelEcho.js): empty page → Node → page round trips, no authenticator.
const CEILINGS = [
  { key: "cdpEcho", label: "CDP binding + Runtime.evaluate (softkey/playwright's CdpChannel; softkey/puppeteer's shares its CdpTarget)", engine: "chromium", open: cdpEcho },
  { key: "chromiumBidiEcho", label: "WebDriver BiDi script.message + script.callFunction (softkey/webdriver via chromedriver)", engine: "chromium", open: chromiumBidiEcho(chromiumSession) },
  { key: "firefoxBidiEcho", label: "WebDriver BiDi script.message + script.callFunction (softkey/puppeteer)", engine: "firefox", open: firefoxBidiEcho },
  { key: "classicEcho", label: "classic WebDriver, Execute Script polls every 50 ms (softkey/webdriver)", engine: "webkit", open: classicEcho(webKitSession) },
];
const OPS = ["get", "create"];

export async function pagesSection(report) {
  const executables = { chromium: process.env.BENCH_CHROMIUM ?? "/usr/bin/chromium", firefox: process.env.BENCH_FIREFOX ?? "/usr/bin/firefox-esr" };
  if (!existsSync(executables.chromium)) {
    report.skipped("page-engines table", `${executables.chromium} missing (apt-get install -y chromium)`);
    return;
  }
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-pages-"));
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>bench</title>"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://localhost:${server.address().port}/`;
  const softkey = await Softkey.init(join(dir, "store"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  const chromiumBrowser = await chromium.launch({ executablePath: executables.chromium, headless: true, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
  const chromiumContext = await chromiumBrowser.newContext();
  const open = [];
  const ceilings = [];
  const missing = [];
  /** Opens each of `list` (runners or ceilings) and sets its page up with `setUp`; an absent engine or peer skips it, loudly. */
  const openAll = async (list, into, setUp) => {
    for (const runner of list) {
      const executable = executables[runner.engine]; // WebKit's programs are checked by its session
      const opened = executable && !existsSync(executable) ? { missing: `${executable} missing` } : await runner.open({ chromiumBrowser, chromiumContext, softkey, url, executables });
      if (opened.missing) {
        console.warn(`*** SKIPPED: ${runner.engine} ${runner.label}: ${opened.missing} ***`);
        missing.push({ runner, reason: opened.missing, ceiling: list === CEILINGS });
        continue;
      }
      into.push({ runner, ...opened }); // before setUp, so that finally closes it even if setUp throws
      await opened.page.bringToFront();
      await setUp(opened.page);
    }
  };
  try {
    await openAll(RUNNERS, open, async (page) => {
      await page.evaluate(installPageLoop);
      await page.evaluate(() => globalThis.benchPages.register());
    });
    await openAll(CEILINGS, ceilings, () => Promise.resolve()); // each ceiling's open installs its echo loop
    const ratios = {};
    for (const op of OPS) for (const { runner } of open) ratios[`${runner.key} ${op} / chrome`] = [`${runner.key} ${op}`, `chrome ${op}`];
    for (const { runner } of ceilings) ratios[`${runner.key} / chrome`] = [runner.key, "chrome get"];
    const startLoad = loadAverage();
    const m = await inRounds(async () => {
      const values = {};
      for (const op of OPS) {
        for (const { runner, page } of open) {
          // WebAuthn needs the page focused; several pages share a browser here.
          await page.bringToFront();
          values[`${runner.key} ${op}`] = await page.evaluate((a) => globalThis.benchPages.loop(a), { op, seconds: roundSeconds });
        }
      }
      for (const { runner, page } of ceilings) {
        await page.bringToFront();
        values[runner.key] = await page.evaluate((a) => globalThis.benchEcho.loop(a), { seconds: roundSeconds });
      }
      return values;
    }, ratios);
    const format = (v) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1));
    const table = [
      `Page-engines table: navigator.credentials in a page loop, ops/s, median of ${ROUNDS} rounds of ${roundSeconds}s each; ratio to Chrome's virtual authenticator within each round (median); userVerification discouraged; load average ${startLoad} at the start, ${m.load} (1 min, median over rounds)`,
      "",
      "| engine | runner | get() ops/s | get() vs Chrome | create() ops/s | create() vs Chrome |",
      "|---|---|---:|---:|---:|---:|",
      ...open.map(({ runner }) => {
        const cells = OPS.flatMap((op) => [format(m[`${runner.key} ${op}`]), `${m[`${runner.key} ${op} / chrome`].toFixed(2)}x`]);
        return `| ${runner.engine} | ${runner.label} | ${cells.join(" | ")} |`;
      }),
      ...missing.filter((x) => !x.ceiling).map(({ runner, reason }) => `| ${runner.engine} | ${runner.label} | SKIPPED: ${reason} | | | |`),
      "",
      "Bare-channel ceilings: empty page → Node → page round trips over the channel softkey uses, in the same rounds",
      "",
      "| engine | channel | round trips/s | ms per round trip | vs Chrome's get() |",
      "|---|---|---:|---:|---:|",
      ...ceilings.map(({ runner }) => `| ${runner.engine} | ${runner.label} | ${format(m[runner.key])} | ${(1000 / m[runner.key]).toFixed(2)} | ${m[`${runner.key} / chrome`].toFixed(2)}x |`),
      ...missing.filter((x) => x.ceiling).map(({ runner, reason }) => `| ${runner.engine} | ${runner.label} | SKIPPED: ${reason} | | |`),
    ];
    report.tables.push(table.join("\n"));
    for (const { runner } of open) {
      for (const op of OPS) report.row(`${runner.engine} page ${op}() through ${runner.label}`, m[`${runner.key} ${op}`], "ops/s", `${m[`${runner.key} ${op} / chrome`].toFixed(2)}x Chrome's; load ${m.load}`);
    }
    for (const { runner } of ceilings) report.row(`${runner.engine} bare channel round trip: ${runner.label}`, m[runner.key], "ops/s", `${m[`${runner.key} / chrome`].toFixed(2)}x Chrome's get(); load ${m.load}`);
    for (const { runner, reason } of missing) report.skipped(`${runner.engine} page through ${runner.label}`, reason);
  } finally {
    for (const { close } of [...open, ...ceilings]) await close().catch(() => undefined);
    await chromiumBrowser.close();
    await softkey.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
