/**
 * Playwright Test fixtures: `test.extend(softkeyFixtures())` gives each test `softkey` (an open
 * Softkey) and `authenticator` (it attached to the test's browser context). By default each test
 * gets a fresh authenticator in a store of its own, removed after the test; with `shared: true`
 * one store serves every test of a worker, so passkeys made in one test are there in the next.
 *
 * ```ts
 * import { test as base, expect } from "@playwright/test";
 * import { softkeyFixtures } from "softkey/playwright";
 * const test = base.extend(softkeyFixtures());
 * test("registers", async ({ page, authenticator }) => { ... });
 * ```
 *
 * Nothing here imports @playwright/test: the fixtures are the plain objects `test.extend()`
 * takes, so softkey/playwright loads without it.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { Softkey, type InitOptions, type OpenOptions } from "../softkey.js";
import { attach, type AttachOptions, type SoftkeyAttachment } from "./attach.js";

export interface SoftkeyFixtureOptions {
  /** One store for every test of a worker (passkeys carry over between its tests); default false: a fresh one per test. */
  shared?: boolean;
  /** How each store is made (profile, scrypt cost...); it lives in a temporary directory and is removed after. */
  init?: InitOptions;
  /** How it is opened (presence, uv, pin...). */
  open?: Omit<OpenOptions, "passphrase">;
  /** The attachment's options besides the Softkey. */
  attach?: Omit<AttachOptions, "softkey">;
}

/** The fixtures a test receives. */
export interface SoftkeyTestFixtures {
  softkey: Softkey;
  authenticator: SoftkeyAttachment;
}

type Use<T> = (value: T) => Promise<void>;
type SoftkeyFixture = (args: object, use: Use<Softkey>) => Promise<void>;
type AuthenticatorFixture = (args: { softkey: Softkey; context: BrowserContext }, use: Use<SoftkeyAttachment>) => Promise<void>;

/** The objects `test.extend()` takes: `softkey` (test- or worker-scoped) and `authenticator` (per test). */
export interface SoftkeyFixtureDefinitions {
  softkey: [SoftkeyFixture, { scope: "test" | "worker" }];
  authenticator: AuthenticatorFixture;
}

/** A store that exists only for the fixture: its passphrase never leaves this process. */
async function temporarySoftkey(options: SoftkeyFixtureOptions, use: Use<Softkey>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "softkey-fixture-"));
  const passphrase = randomBytes(18).toString("base64url");
  const softkey = await Softkey.init(join(dir, "store"), passphrase, options.init ?? {}, options.open ?? {});
  try {
    await use(softkey);
  } finally {
    await softkey.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function softkeyFixtures(options: SoftkeyFixtureOptions = {}): SoftkeyFixtureDefinitions {
  // Playwright reads each fixture's first parameter to learn what it depends on: keep them destructured.
  return {
    // eslint-disable-next-line no-empty-pattern -- Playwright needs the pattern, even empty
    softkey: [({}, use) => temporarySoftkey(options, use), { scope: options.shared ? "worker" : "test" }],
    authenticator: async ({ softkey, context }, use) => {
      const key = await attach(context, { ...options.attach, softkey });
      try {
        await use(key);
      } finally {
        await key.detach();
      }
    },
  };
}
