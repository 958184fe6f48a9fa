/**
 * The built package as a CommonJS project sees it (a default Playwright Test project is one):
 * `require("softkey")`, `require("softkey/playwright")`, `require("softkey/puppeteer")` and `require("softkey/webdriver")` through package.json's `exports`, run
 * by node from a real .cjs file in a project whose package.json says "type": "commonjs", and the
 * types of both entry points checked by tsc from a .cts file. Needs `npm run build` (dist/).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

const CONSUMER = `"use strict";
const { Softkey, WebAuthnError } = require("softkey");
const playwright = require("softkey/playwright");
const puppeteer = require("softkey/puppeteer");
const webdriver = require("softkey/webdriver");
(async () => {
  const options = JSON.parse(process.argv[2]);
  const softkey = await Softkey.init(process.argv[3], "commonjs", { scrypt: { N: 1024, r: 8, p: 1 } });
  try {
    const credential = await softkey.create(options, { origin: "https://example.com" });
    // A mistake is a TypeError that says what is missing, from the CommonJS build too.
    const refusal = await playwright.attach({}, { softkey }).catch((error) => error.constructor.name + ": " + error.message);
    const webDriverRefusal = await webdriver.attach({}, { softkey }).catch((error) => error.constructor.name + ": " + error.message);
    process.stdout.write(JSON.stringify({
      credential,
      attach: typeof playwright.attach,
      defaultAttach: typeof playwright.default.attach,
      puppeteerAttach: typeof puppeteer.attach,
      webDriverAttach: typeof webdriver.default.attach,
      webDriverRefusal,
      webAuthnError: typeof WebAuthnError,
      refusal,
      resolved: [require.resolve("softkey"), require.resolve("softkey/playwright"), require.resolve("softkey/puppeteer"), require.resolve("softkey/webdriver")],
    }));
  } finally {
    await softkey.close();
  }
})().catch((error) => { console.error(error); process.exit(1); });
`;

const TYPED_CONSUMER = `import { Softkey, type RegistrationResponseJSON } from "softkey";
import playwright = require("softkey/playwright");
import puppeteer = require("softkey/puppeteer");
import webdriver = require("softkey/webdriver");
export async function register(dir: string): Promise<RegistrationResponseJSON> {
  const softkey: Softkey = await Softkey.open(dir, { passphrase: "x" });
  const attachment: Promise<playwright.SoftkeyAttachment> = playwright.attach(null as never, { softkey });
  void attachment;
  const attached: Promise<puppeteer.PuppeteerAttachment> = puppeteer.attach(null as never, { softkey });
  void attached;
  const driven: Promise<webdriver.WebDriverAttachment> = webdriver.attach(null as never, { softkey });
  void driven;
  return softkey.create({ rp: { id: "example.com", name: "x" }, user: { id: "AQ", name: "x", displayName: "x" }, challenge: "AAAA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] }, { origin: "https://example.com" });
}
`;

describe("softkey from a CommonJS project", () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "softkey-cjs-"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "cjs-consumer", private: true, type: "commonjs" }));
    mkdirSync(join(project, "node_modules"));
    // As `npm install /path/to/softkey` leaves it: a link to the package.
    symlinkSync(ROOT, join(project, "node_modules", "softkey"), "dir");
    writeFileSync(join(project, "consumer.cjs"), CONSUMER);
    writeFileSync(join(project, "consumer.cts"), TYPED_CONSUMER);
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("require()s softkey and softkey/playwright, and the key it builds registers with a real relying party", async () => {
    const options = await generateRegistrationOptions({ rpID: "example.com", rpName: "CommonJS", userName: "alice", attestationType: "none" });
    const { stdout } = await run(process.execPath, ["consumer.cjs", JSON.stringify(options), join(project, "store")], { cwd: project });
    const out = JSON.parse(stdout) as { credential: unknown; attach: string; defaultAttach: string; webAuthnError: string; puppeteerAttach: string; webDriverAttach: string; webDriverRefusal: string; refusal: string; resolved: string[] };
    // The CommonJS build, not the ES modules through require(esm).
    expect(out.resolved).toEqual([join(ROOT, "dist", "cjs", "index.cjs"), join(ROOT, "dist", "cjs", "playwright.cjs"), join(ROOT, "dist", "cjs", "puppeteer.cjs"), join(ROOT, "dist", "cjs", "webdriver.cjs")]);
    expect(out).toMatchObject({ attach: "function", defaultAttach: "function", puppeteerAttach: "function", webDriverAttach: "function", webAuthnError: "function" });
    expect(out.webDriverRefusal).toMatch(/^TypeError: softkey: attach\(driver, \{ softkey \}\).*not a WebDriver$/);
    expect(out.refusal).toMatch(/^TypeError: softkey: attach\(context, \{ softkey \}\).*not a BrowserContext or Page/);
    const verified = await verifyRegistrationResponse({
      response: out.credential as never,
      expectedChallenge: options.challenge,
      expectedOrigin: "https://example.com",
      expectedRPID: "example.com",
    });
    expect(verified.verified).toBe(true);
  });

  it("has types for require(): a .cts file type-checks against both entry points", async () => {
    const args = [TSC, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--types", "node", "--typeRoots", join(ROOT, "node_modules", "@types"), "consumer.cts"];
    const result = await run(process.execPath, args, { cwd: project }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
    // And the check can fail: a wrong type is reported.
    writeFileSync(join(project, "wrong.cts"), `import { Softkey } from "softkey";\nconst n: number = Softkey;\nvoid n;\n`);
    const wrong = await run(process.execPath, [...args.slice(0, -1), "wrong.cts"], { cwd: project }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(wrong).toMatch(/wrong\.cts.*error TS2322/);
  }, 60_000);
});
