// selenium-webdriver sessions for the page benchmark, started as test/webdriver/webDriverBrowsers.ts starts them (bench
// code is plain JavaScript and cannot import the tests' TypeScript): Debian's Chromium through chromedriver with
// WebDriver BiDi, and WebKitGTK's MiniBrowser through WebKitWebDriver (classic WebDriver only) on an Xvfb display of
// its own. Each returns { driver, page, close } or { missing } naming the absent programs. `page` gives the runners
// Playwright's shape (evaluate, bringToFront) over the session.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { Builder } from "selenium-webdriver";
import chrome from "selenium-webdriver/chrome.js";

const CHROMEDRIVER = process.env.BENCH_CHROMEDRIVER ?? "/usr/bin/chromedriver";
const WEBKIT_DRIVER = process.env.BENCH_WEBKITWEBDRIVER ?? "/usr/bin/WebKitWebDriver";
const MINIBROWSER = process.env.BENCH_MINIBROWSER ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const XVFB = process.env.BENCH_XVFB ?? "/usr/bin/Xvfb";

function missing(programs, packages) {
  const absent = programs.filter((program) => !existsSync(program));
  return absent.length > 0 ? `${absent.join(", ")} missing (apt-get install -y ${packages})` : undefined;
}

/** The source that runs `fn(arg)` in the page and hands its settled value to `settle`, a JavaScript statement's worth. */
const call = (fn, settle) => `Promise.resolve().then(() => (${fn})(arguments[0])).then((v) => ${settle}({ v }), (e) => ${settle}({ e: String(e) }));`;
const unwrap = (result) => {
  if (result?.e !== undefined) throw new Error(`in the page: ${result.e}`);
  return result?.v;
};

/**
 * evaluate() without a pending script: the page runs `fn` by itself and short Execute Script calls look for its result
 * every 200 ms (the page times its own loop: when the result is seen does not change the figure). A pending Execute
 * Async Script holds WebKitWebDriver's command queue, which the classic bridge's polling needs, and in chromedriver
 * with BiDi on it held back softkey's BiDi answers too (the page's create() never settled).
 */
function polledPage(driver) {
  return {
    bringToFront: () => Promise.resolve(),
    async evaluate(fn, arg) {
      await driver.executeScript(`globalThis.__benchResult = undefined; ${call(fn, "((r) => { globalThis.__benchResult = r; })")}`, arg);
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const result = await driver.executeScript("return globalThis.__benchResult ?? null;");
        if (result !== null) return unwrap(result);
      }
    },
  };
}

export async function chromiumSession({ executables }) {
  const absent = missing([executables.chromium, CHROMEDRIVER], "chromium chromium-driver");
  if (absent) return { missing: absent };
  const options = new chrome.Options();
  options.setChromeBinaryPath(executables.chromium);
  options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run");
  options.enableBidi(); // webSocketUrl: true
  const driver = await new Builder().forBrowser("chrome").setChromeOptions(options).setChromeService(new chrome.ServiceBuilder(CHROMEDRIVER)).build();
  return { driver, page: polledPage(driver), close: () => driver.quit().catch(() => undefined) };
}

/** Ends a process group we started (MiniBrowser and WebKit's helpers with WebKitWebDriver). */
function end(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return Promise.resolve();
  }
  return exited;
}

export async function webKitSession() {
  const absent = missing([WEBKIT_DRIVER, MINIBROWSER, XVFB], "webkit2gtk-driver xvfb");
  if (absent) return { missing: absent };
  // -displayfd: Xvfb picks a free display and writes its number on fd 3.
  const xvfb = spawn(XVFB, ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], { stdio: ["ignore", "ignore", "ignore", "pipe"], detached: true });
  let webDriver;
  try {
    const display = await new Promise((resolve, reject) => {
      let text = "";
      xvfb.stdio[3].on("data", (chunk) => (text += chunk).includes("\n") && resolve(text.trim()));
      xvfb.once("exit", (code) => reject(new Error(`Xvfb exited (${code}) before it was ready`)));
    });
    const port = await new Promise((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port: free } = server.address();
        server.close(() => resolve(free));
      });
    });
    webDriver = spawn(WEBKIT_DRIVER, [`--port=${port}`], { stdio: "ignore", detached: true, env: { ...process.env, DISPLAY: `:${display}` } });
    const capabilities = { browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] } };
    let driver;
    for (let attempt = 0; !driver; attempt++) {
      try {
        driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities(capabilities).build();
      } catch (error) {
        // WebKitWebDriver takes a moment to listen.
        if (attempt >= 50 || !/ECONNREFUSED/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const started = webDriver;
    return {
      driver,
      page: polledPage(driver),
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
