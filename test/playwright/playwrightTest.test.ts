/**
 * softkey/playwright's Playwright Test fixtures in a real Playwright Test run: a CommonJS project
 * (as `npm init playwright` makes one) that requires softkey from the built package, extends
 * `test` with `softkeyFixtures()` and drives Debian's Chromium against the test RP's
 * @simplewebauthn/browser page. A fresh authenticator per test starts empty; a shared one keeps
 * what the previous test of the worker registered. Needs `npm run build` (dist/).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTitle, CHROMIUM, CHROMIUM_ARGS, launchChromium, skipWithoutBrowser } from "../browser/chromium.js";
import { startRelyingParty, type RelyingParty } from "../browser/relyingParty.js";

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const CONFIG = `module.exports = {
  testDir: ".",
  workers: 1,
  reporter: [["json", { outputFile: "results.json" }]],
  use: { browserName: "chromium", launchOptions: { executablePath: process.env.CHROMIUM, args: ${JSON.stringify(CHROMIUM_ARGS)} } },
};
`;

const SPEC = `const { test: base, expect } = require("@playwright/test");
const { softkeyFixtures } = require("softkey/playwright");
const init = { scrypt: { N: 1024, r: 8, p: 1 } };
const variants = [
  ["fresh", base.extend(softkeyFixtures({ init }))],
  ["shared", base.extend(softkeyFixtures({ shared: true, init }))],
];
for (const [name, test] of variants) {
  test.describe.serial(name, () => {
    test("registers and signs in", async ({ page, authenticator }) => {
      const created = authenticator.waitForEvent("credentialCreated");
      await page.goto(process.env.RP_ORIGIN + "/simplewebauthn");
      expect(await page.evaluate((user) => swa.register(user), name + "-alice")).toMatchObject({ ok: true, verified: true });
      expect((await created).rpId).toBe("localhost");
      expect(await page.evaluate(() => swa.login())).toMatchObject({ ok: true, verified: true, username: name + "-alice" });
    });
    test("the next test's store", async ({ softkey }) => {
      const { credentials } = await softkey.listCredentials();
      expect(credentials.map((c) => c.userName)).toEqual(name === "shared" ? ["shared-alice"] : []);
    });
  });
}
`;

interface JsonReport {
  stats: { expected: number; unexpected: number; skipped: number };
}

describe.skipIf(skipWithoutBrowser)(browserTitle("softkeyFixtures() in a Playwright Test project (CommonJS)"), () => {
  let project: string;
  let rp: RelyingParty;

  beforeAll(async () => {
    // launchChromium fails loudly in CI when the browser is missing, as every browser test does.
    await (await launchChromium()).close();
    rp = await startRelyingParty();
    project = mkdtempSync(join(tmpdir(), "softkey-pwtest-"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "pw-consumer", private: true, type: "commonjs" }));
    mkdirSync(join(project, "node_modules", "@playwright"), { recursive: true });
    symlinkSync(ROOT, join(project, "node_modules", "softkey"), "dir");
    symlinkSync(join(ROOT, "node_modules", "@playwright", "test"), join(project, "node_modules", "@playwright", "test"), "dir");
    writeFileSync(join(project, "playwright.config.cjs"), CONFIG);
    writeFileSync(join(project, "passkeys.spec.js"), SPEC);
  }, 60_000);

  afterAll(async () => {
    await rp?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("gives each test a fresh authenticator, or one shared by the worker's tests", async () => {
    const cli = join(ROOT, "node_modules", "@playwright", "test", "cli.js");
    const env = { ...process.env, RP_ORIGIN: rp.origin, CHROMIUM, CI: "" };
    const outcome = await run(process.execPath, [cli, "test", "--config", "playwright.config.cjs"], { cwd: project, env }).then(
      () => "passed",
      (error: { stdout?: string; stderr?: string }) => `failed: ${error.stdout ?? ""}${error.stderr ?? ""}`,
    );
    const report = JSON.parse(readFileSync(join(project, "results.json"), "utf8")) as JsonReport;
    expect({ outcome, stats: report.stats }).toMatchObject({ outcome: "passed", stats: { expected: 4, unexpected: 0, skipped: 0 } });
  }, 180_000);
});
