/**
 * `softkey attach --cdp`: the built CLI attached to a Chromium started by
 * hand (as an agent's or a framework's browser is), by its DevTools
 * endpoint. A relying party page in that browser registers and signs in,
 * verified by @simplewebauthn/server, with no softkey code in the test's own
 * browser connection; the credential lands in the store; Ctrl-C detaches.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTitle, skipWithoutBrowser } from "../browser/chromium.js";
import { startRemoteChromium, type RemoteChromium } from "../browser/remoteChromium.js";
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

  it("refuses what it cannot do: no endpoint, --bidi (exit 2), an endpoint nobody listens on (exit 12)", async () => {
    const store = path.join(tmp, "refusals");
    await initServeStore(store, PASSPHRASE);
    const none = await runCli(["--store", store, "attach"], { env });
    expect(none.code).toBe(2);
    expectOneLineError(none, /--cdp http:\/\/HOST:PORT/);
    const bidi = await runCli(["--store", store, "attach", "--bidi", "ws://127.0.0.1:9/session"], { env });
    expect(bidi.code).toBe(2);
    expectOneLineError(bidi, /--bidi is not supported yet/);
    const nobody = await runCli(["--store", store, "attach", "--cdp", "http://127.0.0.1:9"], { env, timeoutMs: 30_000 });
    expect(nobody.code, nobody.stderr).toBe(12);
    expectOneLineError(nobody, /cannot connect to the browser at http:\/\/127\.0\.0\.1:9/);
    const notAUrl = await runCli(["--store", store, "attach", "--cdp", "ftp://127.0.0.1:9"], { env });
    expect(notAUrl.code).toBe(12);
    expectOneLineError(notAUrl, /not a CDP endpoint/);
  });
});
