/**
 * `softkey attach --cdp URL`: the store's key in a browser someone else
 * started (an agent's, a framework's, one launched by hand with
 * --remote-debugging-port), by its DevTools endpoint, until Ctrl-C. Every
 * page's WebAuthn calls go to softkey, origins taken from the browser as
 * softkey/playwright does; each ceremony is reported as a line.
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
    .description("be the passkey authenticator of a running browser, by its DevTools (CDP) endpoint, until SIGINT/SIGTERM")
    .option("--cdp <endpoint>", "the browser's DevTools endpoint: http://HOST:PORT (chromium --remote-debugging-port=PORT) or its ws:// URL")
    .option("--bidi <endpoint>", "a WebDriver BiDi endpoint (not supported yet: refused with exit 2)")
    .option("--auto-select", "answer conditional (autofill) requests at once with the first passkey that fits")
    .option("--json", "one JSON line per event on stdout (the first says what was attached)")
    .addHelpText(
      "after",
      `
Needs playwright-core in the project (npm install playwright-core). Attaches to
every browser context the browser has when softkey connects (a browser
launched by hand has one); documents already open get softkey at once, later
ones as they load. Each ceremony is a line on stdout, e.g.
  credentialCreated localhost alice Yx3...  (http://localhost:3000)
SIGINT or SIGTERM detaches (pending ceremonies fail with NotAllowedError),
closes the store and exits 0; the browser keeps running. If the browser closes
first, attach exits 0 too. An endpoint that cannot be reached exits 12.

Examples:
  $ chromium --remote-debugging-port=9222 &
  $ softkey attach --cdp http://127.0.0.1:9222
  $ softkey attach --cdp 127.0.0.1:9222 --json --auto-select`,
    )
    .action(async (flags: AttachFlags, command: Command) => {
      if (flags.bidi !== undefined) throw new CliError(ExitCode.USAGE, "--bidi is not supported yet: attach to a Chromium-based browser with --cdp");
      if (flags.cdp === undefined) throw new CliError(ExitCode.USAGE, "give the browser's endpoint: --cdp http://HOST:PORT");
      const globals = globalsOf(command);
      const line = (text: string) => ctx.io.stdout(`${text}\n`);
      const stop = stopSignal();
      const coreDumps = await disableCoreDumps();
      if (!coreDumps.disabled) ctx.io.stderr(`attach: warning: core dumps not disabled (${coreDumps.why}); start it under \`ulimit -c 0\`\n`);
      try {
        // Loaded here: no other command pays for the browser adapter.
        const { attachOverCdp, BrowserConnectError, describeAttachmentEvent, REPORTED_EVENTS } = await import("../../playwright/connectOverCdp.js");
        const softkey = await openSoftkey(ctx, globals, { ceremonies: true });
        try {
          if (stop.fired) return;
          const browser = await attachOverCdp(flags.cdp, { softkey, ...(flags.autoSelect ? { autoSelect: true } : {}) }).catch((error: unknown) => {
            throw error instanceof BrowserConnectError ? new CliError(ExitCode.CANNOT_SERVE, error.message) : error;
          });
          try {
            for (const attachment of browser.attachments) {
              for (const name of REPORTED_EVENTS) {
                attachment.on(name, (event) => {
                  const data = describeAttachmentEvent(name, event as never);
                  line(flags.json ? JSON.stringify({ event: name, ...data }) : humanLine(name, data));
                });
              }
            }
            const contexts = browser.attachments.length;
            if (flags.json) line(JSON.stringify({ attached: flags.cdp, contexts }));
            else ctx.io.stderr(`softkey attached to ${flags.cdp} (${contexts} browser context${contexts === 1 ? "" : "s"}); Ctrl-C to detach\n`);
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

function humanLine(name: string, data: Record<string, unknown>): string {
  const fields = [data.rpId, data.userName, data.credentialId, data.ceremony, data.name, data.reason].filter((v) => v !== undefined && v !== "");
  return `${name} ${fields.join(" ")}  (${String(data.url || data.origin)})`;
}
