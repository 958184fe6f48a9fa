/**
 * `softkey attach --cdp` / `--bidi`: the built CLI attached to a Chromium or
 * a Firefox started by hand (as an agent's or a framework's browser is), by
 * its DevTools or WebDriver BiDi endpoint. A relying party page in that
 * browser registers and signs in, verified by @simplewebauthn/server, with no
 * softkey code in the test's own browser connection; the credential lands in
 * the store; Ctrl-C detaches.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import puppeteer from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTitle, skipWithoutBrowser } from "../browser/chromium.js";
import { startRemoteChromium, type RemoteChromium } from "../browser/remoteChromium.js";
import { FIREFOX_ENGINE, startRemoteFirefox, type RemoteFirefox } from "../browser/remoteFirefox.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";
import { initServeStore } from "../helpers/serveChild.js";
import { assertBuilt, BIN, expectOneLineError, ROOT, runCli } from "./run.js";

const PASSPHRASE = "attach test passphrase";
const env = { SOFTKEY_PASSPHRASE: PASSPHRASE };

interface Outcome {
  ok: boolean;
  verified?: boolean;
  username?: string;
  credentialId?: string;
  counter?: number;
}

/** `softkey attach` as a child, its stdout lines collected; resolves once the first (JSON) line says it attached. */
async function startAttach(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, detached: true, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const lines = () => stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const waitFor = async (predicate: (line: Record<string, unknown>) => boolean, what: string) => {
    for (let waited = 0; waited < 20_000; waited += 50) {
      const found = lines().find(predicate);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`softkey attach exited (${child.exitCode}) before ${what}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`softkey attach printed no ${what} within 20 s: ${stderr}`);
  };
  await waitFor((line) => "attached" in line, "attached line");
  return { child, exited, lines, waitFor, stderr: () => stderr };
}

describe.skipIf(skipWithoutBrowser)(browserTitle("softkey attach --cdp"), () => {
  let tmp: string;
  let remote: RemoteChromium;
  let rp: RelyingParty;
  let browser: Browser;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(path.join(tmpdir(), "softkey-attach-"));
    remote = await startRemoteChromium();
    rp = await startRelyingParty();
    browser = await chromium.connectOverCDP(remote.endpoint);
  });
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await remote?.close();
    await rp?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("answers the WebAuthn calls of a browser it did not launch, reports them, and detaches on SIGINT", async () => {
    const store = path.join(tmp, "keystore");
    await initServeStore(store, PASSPHRASE);
    // A page already open before softkey attaches gets it too.
    const page = await browser.contexts()[0]!.newPage();
    await page.goto(rp.origin);
    const attached = await startAttach(["--store", store, "attach", "--cdp", remote.endpoint, "--json"]);
    expect(attached.lines()[0]).toEqual({ attached: remote.endpoint, contexts: 1 });

    const registered = (await page.evaluate(() => (globalThis as unknown as { rp: { register(u: string): Promise<unknown> } }).rp.register("alice"))) as Outcome;
    expect(registered).toMatchObject({ ok: true, verified: true });
    const created = await attached.waitFor((line) => line.event === "credentialCreated", "credentialCreated event");
    expect(created).toMatchObject({ rpId: "localhost", origin: rp.origin, userName: "alice", credentialId: registered.credentialId, discoverable: true });

    // A page opened after attaching: a username-less sign-in with the passkey just made.
    const later = await browser.contexts()[0]!.newPage();
    await later.goto(rp.origin);
    const signedIn = (await later.evaluate(() => (globalThis as unknown as { rp: { login(): Promise<unknown> } }).rp.login())) as Outcome;
    expect(signedIn).toMatchObject({ ok: true, verified: true, username: "alice", counter: 1 });
    expect(await attached.waitFor((line) => line.event === "credentialAsserted", "credentialAsserted event")).toMatchObject({ credentialId: registered.credentialId, conditional: false });

    process.kill(-attached.child.pid!, "SIGINT");
    expect(await attached.exited).toBe(0);
    // Detached: the browser runs on, and its pages no longer reach softkey (Chromium's own WebAuthn answers, and has no authenticator).
    const after = (await later.evaluate(() => (globalThis as unknown as { rp: { login(): Promise<unknown> } }).rp.login())) as Outcome;
    expect(after.ok).toBe(false);
    const listed = await runCli(["--store", store, "list", "--json"], { env });
    expect(JSON.parse(listed.stdout).credentials).toMatchObject([{ rpId: "localhost", userName: "alice", signCount: 1 }]);
    await page.close();
    await later.close();
  });

  it("refuses what it cannot do: no endpoint or two (exit 2), an endpoint nobody listens on (exit 12)", async () => {
    const store = path.join(tmp, "refusals");
    await initServeStore(store, PASSPHRASE);
    const none = await runCli(["--store", store, "attach"], { env });
    expect(none.code).toBe(2);
    expectOneLineError(none, /--cdp http:\/\/HOST:PORT or --bidi ws:\/\/HOST:PORT/);
    const both = await runCli(["--store", store, "attach", "--cdp", remote.endpoint, "--bidi", "ws://127.0.0.1:9"], { env });
    expect(both.code).toBe(2);
    expectOneLineError(both, /--cdp or --bidi, not both/);
    const nobody = await runCli(["--store", store, "attach", "--cdp", "http://127.0.0.1:9"], { env, timeoutMs: 30_000 });
    expect(nobody.code, nobody.stderr).toBe(12);
    expectOneLineError(nobody, /cannot connect to the browser at http:\/\/127\.0\.0\.1:9/);
    const notAUrl = await runCli(["--store", store, "attach", "--cdp", "ftp://127.0.0.1:9"], { env });
    expect(notAUrl.code).toBe(12);
    expectOneLineError(notAUrl, /not a CDP endpoint/);
  });
});

describe.skipIf(FIREFOX_ENGINE.skip)(FIREFOX_ENGINE.title("softkey attach --bidi"), () => {
  let tmp: string;
  let firefox: RemoteFirefox;
  let rp: RelyingParty;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(path.join(tmpdir(), "softkey-attach-bidi-"));
    rp = await startRelyingParty();
    // The tab is open, on a self-driving page, before softkey attaches: nobody but softkey speaks BiDi to this browser.
    const next = `/auto?ceremony=login`;
    firefox = await startRemoteFirefox(`${rp.origin}/auto?ceremony=register&user=alice&open=${encodeURIComponent(next)}`);
  }, 60_000);
  afterAll(async () => {
    await firefox?.close();
    await rp?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("is the one BiDi client of a Firefox it did not launch: its open tab registers, a tab opened later signs in, SIGINT frees the session", async () => {
    const store = path.join(tmp, "keystore");
    await initServeStore(store, PASSPHRASE);
    const attached = await startAttach(["--store", store, "attach", "--bidi", firefox.endpoint, "--json"]);
    expect(attached.lines()[0]).toEqual({ attached: firefox.endpoint, pages: 1 });

    // Firefox serves one BiDi session at a time: a second client is refused, in one line.
    const other = path.join(tmp, "other");
    await initServeStore(other, PASSPHRASE);
    const second = await runCli(["--store", other, "attach", "--bidi", firefox.endpoint], { env, timeoutMs: 30_000 });
    expect(second.code, second.stderr).toBe(12);
    expectOneLineError(second, /already has a WebDriver BiDi client \(it accepts one at a time\)/);

    rp.auto.start();
    const [registered, signedIn] = await rp.auto.waitForReports(2).catch((error: Error) => {
      throw new Error(`${error.message}\nsoftkey attach: ${JSON.stringify(attached.lines())} ${attached.stderr()}`);
    });
    // The tab open before softkey got it when softkey attached; the tab opened later, from its first script on.
    expect(registered).toMatchObject({ ceremony: "register", nativeAtLoad: true, nativeWebAuthn: false, result: { ok: true, verified: true } });
    expect(signedIn).toMatchObject({ ceremony: "login", nativeAtLoad: false, nativeWebAuthn: false, result: { ok: true, verified: true, username: "alice", counter: 1 } });
    expect(signedIn!.url).toBe(`${rp.origin}/auto?ceremony=login`);
    const created = await attached.waitFor((line) => line.event === "credentialCreated", "credentialCreated event");
    expect(created).toMatchObject({ rpId: "localhost", origin: rp.origin, userName: "alice", credentialId: registered!.result.credentialId, discoverable: true });
    expect(await attached.waitFor((line) => line.event === "credentialAsserted", "credentialAsserted event")).toMatchObject({
      origin: rp.origin,
      credentialId: registered!.result.credentialId,
      url: signedIn!.url,
    });

    process.kill(-attached.child.pid!, "SIGTERM");
    expect(await attached.exited).toBe(0);
    // Detached: its session ended, so another client gets one, and a fresh document has the browser's own WebAuthn again.
    const browser = await puppeteer.connect({ browserWSEndpoint: `${firefox.endpoint}/session`, protocol: "webDriverBiDi", defaultViewport: null });
    try {
      const [tab] = await browser.pages();
      await tab!.goto(rp.origin);
      expect(await tab!.evaluate("/\\[native code\\]/.test(Function.prototype.toString.call(navigator.credentials.create))")).toBe(true);
    } finally {
      await browser.disconnect();
    }
    const listed = await runCli(["--store", store, "list", "--json"], { env });
    expect(JSON.parse(listed.stdout).credentials).toMatchObject([{ rpId: "localhost", userName: "alice", signCount: 1 }]);
  }, 90_000);

  it("exits 0 when the browser quits first", async () => {
    const own = await startRemoteFirefox();
    try {
      const store = path.join(tmp, "quits");
      await initServeStore(store, PASSPHRASE);
      const attached = await startAttach(["--store", store, "attach", "--bidi", own.endpoint, "--json"]);
      expect(attached.lines()[0]).toEqual({ attached: own.endpoint, pages: 1 });
      await own.close();
      expect(await attached.exited).toBe(0);
    } finally {
      await own.close();
    }
  }, 60_000);

  it("refuses an endpoint that is not WebDriver BiDi's, or that nobody listens on (exit 12)", async () => {
    const store = path.join(tmp, "refusals");
    await initServeStore(store, PASSPHRASE);
    const notWs = await runCli(["--store", store, "attach", "--bidi", "http://127.0.0.1:9"], { env });
    expect(notWs.code).toBe(12);
    expectOneLineError(notWs, /not a WebDriver BiDi endpoint: "http:\/\/127\.0\.0\.1:9" \(expected ws:\/\/HOST:PORT/);
    const nobody = await runCli(["--store", store, "attach", "--bidi", "127.0.0.1:9"], { env, timeoutMs: 30_000 });
    expect(nobody.code, nobody.stderr).toBe(12);
    expectOneLineError(nobody, /cannot connect to the browser at ws:\/\/127\.0\.0\.1:9\/session: connect ECONNREFUSED/);
  });
});
