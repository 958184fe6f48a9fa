/**
 * `softkey attach --cdp URL` (the built binary) against a Chromium someone else started: the page
 * the browser already has and a page opened afterwards both register and sign in on a
 * @simplewebauthn/browser page, verified by @simplewebauthn/server; Ctrl-C (SIGINT) ends it
 * cleanly. A bad or unreachable endpoint is a one-line error with its exit code.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PUPPETEER_ENGINES } from "../browser/puppeteerBrowsers.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { assertBuilt, BIN, ROOT, runCli } from "../cli/run.js";

const chromium = PUPPETEER_ENGINES.find((e) => e.name === "chromium")!;

interface SwaGlobals {
  swa: { register(username: string): Promise<Record<string, unknown>>; login(username?: string): Promise<Record<string, unknown>> };
}

/** Resolves with the first stream text that matches. */
function waitFor(child: ChildProcessWithoutNullStreams, stream: "stdout" | "stderr", pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms; got: ${seen}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString("utf8");
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        child[stream].off("data", onData);
        resolve(match[0]);
      }
    };
    child[stream].on("data", onData);
  });
}

describe.skipIf(chromium.skip)("softkey attach --cdp", () => {
  let browser: Browser;
  let rp: RelyingParty;

  beforeAll(async () => {
    assertBuilt();
    rp = await startRelyingParty();
    browser = await chromium.launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await rp?.close();
  });

  it(chromium.title("serves a browser it did not start, by its DevTools endpoint, until SIGINT"), async () => {
    const endpoint = `http://${new URL(browser.wsEndpoint()).host}`;
    const existing = await browser.newPage();
    const child = spawn(process.execPath, [BIN, "attach", "--cdp", endpoint, "--ephemeral"], { cwd: ROOT, env: { PATH: process.env.PATH ?? "" } });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const line = JSON.parse(await waitFor(child, "stdout", /\{.*\}\n/)) as { attached: string; pages: number };
      expect(line.attached).toBe(endpoint);
      expect(line.pages).toBeGreaterThanOrEqual(1);
      const run = async (page: Page, user: string) => {
        await page.goto(`${rp.origin}/simplewebauthn`);
        expect(await page.evaluate((name) => (globalThis as unknown as SwaGlobals).swa.register(name), user)).toMatchObject({ ok: true, verified: true, origin: rp.origin });
        expect(await page.evaluate((name) => (globalThis as unknown as SwaGlobals).swa.login(name), user)).toMatchObject({ ok: true, verified: true, username: user });
      };
      await run(existing, "agent");
      // A page opened later: softkey attaches to it as it appears.
      const attachedBefore = (stderr.match(/page attached/g) ?? []).length;
      const later = await browser.newPage();
      await expect.poll(() => (stderr.match(/page attached/g) ?? []).length, { timeout: 15_000 }).toBeGreaterThan(attachedBefore);
      await run(later, "later");
      expect(stderr).toMatch(/registered .* for localhost/);
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/attach: stopped/);
      // softkey let go of the pages: their ceremonies no longer reach it.
      expect(await later.evaluate(() => (globalThis as unknown as SwaGlobals).swa.login("later"))).toMatchObject({ ok: false, name: "NotAllowedError" });
    } finally {
      child.kill("SIGKILL");
    }
  }, 120_000);

  it("a bad endpoint is a usage error; an unreachable one says so, exit 12", async () => {
    const bad = await runCli(["attach", "--cdp", "localhost:9222", "--ephemeral"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--cdp takes an http\(s\) or ws\(s\) URL/);
    const unreachable = await runCli(["attach", "--cdp", "http://127.0.0.1:9", "--ephemeral"]);
    expect(unreachable.code).toBe(12);
    expect(unreachable.stderr).toMatch(/cannot reach a browser at http:\/\/127\.0\.0\.1:9/);
  }, 60_000);
});
