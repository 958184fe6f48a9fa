/**
 * `softkey attach --cdp URL`: softkey as the authenticator of a Chromium someone else started (an
 * agent's browser, a framework's), by its DevTools endpoint, until Ctrl-C: every page open now
 * and every page opened later gets the page shim (softkey/puppeteer over puppeteer-core, which the
 * project installs beside softkey). One JSON line on stdout once attached; each ceremony is logged
 * on stderr unless --quiet.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import type { Browser, Page, Target } from "puppeteer-core";
import { DEFAULT_PROFILE } from "../../profiles/index.js";
import { attach, type PuppeteerAttachment } from "../../puppeteer/index.js";
import { Softkey } from "../../softkey.js";
import { debugLog, globalsOf, openSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { stopSignal } from "../stopSignal.js";
import { loadProfile } from "./profile.js";

const EPHEMERAL_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

interface AttachFlags {
  cdp: string;
  ephemeral?: boolean;
  profile?: string;
  quiet?: boolean;
  json?: boolean;
}

/** puppeteer.connect's endpoint option for a URL: http(s) is the DevTools HTTP endpoint, ws(s) the browser's socket. */
function endpointOf(url: string): { browserURL: string } | { browserWSEndpoint: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(ExitCode.USAGE, `--cdp ${JSON.stringify(url)} is not a URL (http://127.0.0.1:9222, or ws://.../devtools/browser/ID)`);
  }
  if (parsed.protocol === "http:" || parsed.protocol === "https:") return { browserURL: url };
  if (parsed.protocol === "ws:" || parsed.protocol === "wss:") return { browserWSEndpoint: url };
  throw new CliError(ExitCode.USAGE, `--cdp takes an http(s) or ws(s) URL, got ${parsed.protocol}`);
}

export function registerAttach(program: Command, ctx: CliContext): void {
  program
    .command("attach")
    .description("be the authenticator of a Chromium started elsewhere, by its DevTools endpoint, until Ctrl-C")
    .requiredOption("--cdp <url>", "the browser's DevTools endpoint: http://127.0.0.1:9222 (--remote-debugging-port) or ws://.../devtools/browser/ID")
    .option("--ephemeral", "use a throw-away store, removed when softkey stops (no passphrase needed)")
    .option("--profile <name|file>", `with --ephemeral: the device to emulate (default ${DEFAULT_PROFILE})`)
    .option("--quiet", "do not log each ceremony on stderr")
    .option("--json", "accepted for symmetry: the one line on stdout is always JSON ({ attached, pages })")
    .addHelpText(
      "after",
      `
Needs puppeteer-core beside softkey (npm install --save-dev puppeteer-core).
Pages open now and opened later get softkey; a page opened and navigated in
the same instant may load its first document before softkey reaches it (reload
it). Stops on SIGINT/SIGTERM or when the browser goes away.

Examples:
  $ chromium --remote-debugging-port=9222 &
  $ softkey attach --cdp http://127.0.0.1:9222 --ephemeral
  $ softkey --store ./keystore --passphrase-file ./passphrase attach --cdp ws://127.0.0.1:9222/devtools/browser/ID`,
    )
    .action(async (flags: AttachFlags, command: Command) => {
      const endpoint = endpointOf(flags.cdp);
      const globals = globalsOf(command);
      if (globals.presence === "prompt") throw new CliError(ExitCode.USAGE, "softkey attach answers pages without a terminal: --presence prompt cannot ask anyone");
      if (flags.profile !== undefined && !flags.ephemeral) throw new CliError(ExitCode.USAGE, "--profile goes with --ephemeral (a store keeps the profile it was made with)");
      const profile = flags.ephemeral ? loadProfile(flags.profile ?? DEFAULT_PROFILE) : undefined;
      const log = flags.quiet ? undefined : (line: string) => ctx.io.stderr(`${line}\n`);
      let connect: typeof import("puppeteer-core").connect;
      try {
        ({ connect } = await import("puppeteer-core"));
      } catch {
        throw new CliError(ExitCode.CANNOT_SERVE, "softkey attach needs puppeteer-core: npm install --save-dev puppeteer-core");
      }
      const stop = stopSignal();
      let tempDir: string | undefined;
      try {
        let softkey: Softkey;
        if (profile) {
          tempDir = await mkdtemp(path.join(tmpdir(), "softkey-attach-"));
          const open = { presence: globals.presence, uv: globals.uv, log: debugLog(ctx, globals) };
          softkey = await Softkey.init(path.join(tempDir, "keystore"), randomBytes(16).toString("base64url"), { scrypt: EPHEMERAL_SCRYPT, profile }, open);
        } else {
          softkey = await openSoftkey(ctx, globals, { ceremonies: true });
        }
        try {
          let browser: Browser;
          try {
            browser = await connect({ ...endpoint, defaultViewport: null });
          } catch (error) {
            throw new CliError(ExitCode.CANNOT_SERVE, `cannot reach a browser at ${flags.cdp}: ${error instanceof Error ? error.message : String(error)}`);
          }
          await serveBrowser(browser, softkey, { log, stopped: stop.received, announce: (pages) => ctx.io.stdout(`${JSON.stringify({ attached: flags.cdp, pages })}\n`) });
        } finally {
          await softkey.close();
        }
      } finally {
        stop.dispose();
        if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
      }
    });
}

/** Attaches to every page of `browser`, now and later, until stopped or the browser goes away; then lets go of them. */
async function serveBrowser(
  browser: Browser,
  softkey: Softkey,
  options: { log: ((line: string) => void) | undefined; stopped: Promise<unknown>; announce: (pages: number) => void },
): Promise<void> {
  const { log } = options;
  const attachments = new Map<Page, Promise<PuppeteerAttachment | undefined>>();
  const add = (page: Page): Promise<PuppeteerAttachment | undefined> => {
    let pending = attachments.get(page);
    if (!pending) {
      pending = attach(page, { softkey }).then(
        (key) => {
          log?.(`attach: page attached (${page.url()})`);
          key.on("credentialCreated", (e) => log?.(`attach: ${e.origin}: registered ${e.credentialId} for ${e.rpId}`));
          key.on("credentialAsserted", (e) => log?.(`attach: ${e.origin}: signed in with ${e.credentialId} for ${e.rpId}`));
          key.on("ceremonyFailed", (e) => log?.(`attach: ${e.origin}: ${e.ceremony} failed: ${e.reason}`));
          return key;
        },
        () => undefined, // the page closed while softkey attached
      );
      attachments.set(page, pending);
    }
    return pending;
  };
  const onTarget = (target: Target): void => {
    if (target.type() !== "page") return;
    void target.page().then((page) => page && add(page), () => undefined);
  };
  browser.on("targetcreated", onTarget);
  const pages = await browser.pages();
  await Promise.all(pages.map(add));
  options.announce(pages.length);
  const gone = new Promise<void>((resolve) => browser.once("disconnected", () => resolve()));
  await Promise.race([options.stopped, gone]);
  browser.off("targetcreated", onTarget);
  const keys = await Promise.all(attachments.values());
  await Promise.all(keys.map((key) => key?.detach().catch(() => undefined)));
  if (browser.connected) await browser.disconnect();
  log?.("attach: stopped");
}
