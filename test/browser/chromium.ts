/**
 * Chromium as a peer, launched the way /work/shared/design/peers.md says
 * works on these machines (Debian's /usr/bin/chromium driven by
 * playwright-core; `npx playwright install` cannot download browsers here).
 *
 * The presence rule: locally a missing browser skips its tests, loudly; in
 * CI (CI=true) a missing browser fails them, because a skipped browser test
 * there would read as a pass. `.ci/apt-packages` lists chromium for CI.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.SOFTKEY_TEST_CHROMIUM ?? "/usr/bin/chromium";
export const IN_CI = process.env.CI === "true";
export const CHROMIUM_MISSING = !existsSync(CHROMIUM);
const INSTALL_HINT = "install it with `apt-get install -y chromium` (listed in .ci/apt-packages)";

/** Without the background-networking flags Chromium floods the closed network with connection attempts. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Title suffix that says loudly when these tests do not really run. */
export function browserTitle(title: string): string {
  if (!CHROMIUM_MISSING) return title;
  return IN_CI ? `${title} (FAILING: ${CHROMIUM} missing, required when CI=true)` : `${title} (SKIPPED: ${CHROMIUM} missing)`;
}

/** Locally skipped without the browser; in CI run, so that launchChromium() fails them. */
export const skipWithoutBrowser = CHROMIUM_MISSING && !IN_CI;

if (skipWithoutBrowser) {
  console.warn(`\n*** SKIPPED: browser tests: ${CHROMIUM} is missing; ${INSTALL_HINT} ***\n`);
}

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Extra flags (e.g. --host-resolver-rules), and whether to accept a test server's self-signed certificate. */
export interface LaunchOptions {
  args?: string[];
  ignoreHTTPSErrors?: boolean;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  if (CHROMIUM_MISSING) throw new Error(`${CHROMIUM} is required when CI=true but is missing; ${INSTALL_HINT}`);
  const profile = mkdtempSync(join(tmpdir(), "softkey-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    ...(options.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
