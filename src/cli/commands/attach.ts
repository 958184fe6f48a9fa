/**
 * `softkey attach --cdp URL` / `--bidi URL`: the store's key in a browser
 * someone else started (an agent's, a framework's, one launched by hand with
 * --remote-debugging-port), by its DevTools or WebDriver BiDi endpoint, until
 * Ctrl-C. Every page's WebAuthn calls go to softkey, origins taken from the
 * browser as softkey/playwright and softkey/puppeteer do; each ceremony is
 * reported as a line.
 */
import type { Command } from "commander";
import { globalsOf, openSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { stopSignal } from "../stopSignal.js";
import { disableCoreDumps } from "../coreDumps.js";

interface AttachFlags {
  cdp?: string;
  bidi?: string;
  autoSelect?: boolean;
  json?: boolean;
}

export function registerAttach(program: Command, ctx: CliContext): void {
  program
    .command("attach")
    .description("be the passkey authenticator of a running browser, by its DevTools (CDP) or WebDriver BiDi endpoint, until SIGINT/SIGTERM")
    .option("--cdp <endpoint>", "the browser's DevTools endpoint: http://HOST:PORT (chromium --remote-debugging-port=PORT) or its ws:// URL")
    .option("--bidi <endpoint>", "the browser's WebDriver BiDi endpoint: ws://HOST:PORT (firefox --remote-debugging-port=PORT prints it)")
    .option("--auto-select", "answer conditional (autofill) requests at once with the first passkey that fits")
    .option("--json", "one JSON line per event on stdout (the first says what was attached)")
    .addHelpText(
      "after",
      `
--cdp needs playwright-core in the project (npm install playwright-core) and
attaches to every browser context the browser has when softkey connects (a
browser launched by hand has one). --bidi needs puppeteer-core and attaches to
every tab, and to every tab opened later; softkey is then the browser's one
WebDriver BiDi client (Firefox accepts one session at a time), so drive the
pages by other means (a person, the page's own script, an agent's other tool).
Documents already open get softkey at once, later ones as they load. Each
ceremony is a line on stdout, e.g.
  credentialCreated localhost alice Yx3...  (http://localhost:3000)
SIGINT or SIGTERM detaches (pending ceremonies fail with NotAllowedError),
closes the store and exits 0; the browser keeps running (over BiDi, its session
is ended for the next client). If the browser closes first, attach exits 0 too.
An endpoint that cannot be reached, or whose one BiDi session another client
holds, exits 12.

Examples:
  $ chromium --remote-debugging-port=9222 &
  $ softkey attach --cdp http://127.0.0.1:9222
  $ softkey attach --cdp 127.0.0.1:9222 --json --auto-select
  $ firefox --remote-debugging-port=9223 --profile "$(mktemp -d)" &
  $ softkey attach --bidi ws://127.0.0.1:9223`,
    )
    .action(async (flags: AttachFlags, command: Command) => {
      if (flags.cdp !== undefined && flags.bidi !== undefined) throw new CliError(ExitCode.USAGE, "give one endpoint: --cdp or --bidi, not both");
      const target = flags.cdp ?? flags.bidi;
      if (target === undefined) throw new CliError(ExitCode.USAGE, "give the browser's endpoint: --cdp http://HOST:PORT or --bidi ws://HOST:PORT");
      const protocol = flags.cdp !== undefined ? "cdp" : "webDriverBiDi";
      const globals = globalsOf(command);
      const line = (text: string) => ctx.io.stdout(`${text}\n`);
      const stop = stopSignal();
      const coreDumps = await disableCoreDumps();
      if (!coreDumps.disabled) ctx.io.stderr(`attach: warning: core dumps not disabled (${coreDumps.why}); start it under \`ulimit -c 0\`\n`);
      try {
        // Loaded here: no other command pays for the browser adapters.
        const { attachToBrowser, BrowserConnectError } = await import("../../attachToBrowser.js");
        const softkey = await openSoftkey(ctx, globals, { ceremonies: true });
        try {
          if (stop.fired) return;
          const browser = await attachToBrowser(protocol, target, { softkey, ...(flags.autoSelect ? { autoSelect: true } : {}) }).catch((error: unknown) => {
            throw error instanceof BrowserConnectError ? new CliError(ExitCode.CANNOT_SERVE, error.message) : error;
          });
          try {
            browser.onEvent((name, data) => line(flags.json ? JSON.stringify({ event: name, ...data }) : humanLine(name, data)));
            if (flags.json) line(JSON.stringify({ attached: target, ...browser.attached }));
            else ctx.io.stderr(`softkey attached to ${target} (${describeAttached(browser.attached)}); Ctrl-C to detach\n`);
            const ended = await Promise.race([stop.received, browser.disconnected.then(() => "closed" as const)]);
            if (!flags.json) ctx.io.stderr(ended === "closed" ? "attach: the browser closed\n" : `attach: ${ended}: detaching\n`);
          } finally {
            await browser.detach();
          }
        } finally {
          await softkey.close();
        }
      } finally {
        stop.dispose();
      }
    });
}

/** What AttachedBrowser.attached counts, for a person: browser contexts (CDP) or tabs (BiDi). */
function describeAttached({ contexts, pages }: Readonly<Record<string, number>>): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  return contexts !== undefined ? plural(contexts, "browser context") : `${plural(pages ?? 0, "tab")}, and every tab opened later`;
}

function humanLine(name: string, data: Record<string, unknown>): string {
  const fields = [data.rpId, data.userName, data.credentialId, data.ceremony, data.name, data.reason].filter((v) => v !== undefined && v !== "");
  return `${name} ${fields.join(" ")}  (${String(data.url || data.origin)})`;
}
