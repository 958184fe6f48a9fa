/**
 * `softkey fill`: add N real, usable credentials over M relying parties in one
 * go (src/fill), with a progress bar on a terminal and a JSON summary
 * otherwise. For testing an RP against a key that holds a lot.
 */
import type { Command } from "commander";
import { fillStore, generatedRpIds } from "../../fill/fillStore.js";
import { globalsOf, withSoftkey, type CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeJson } from "../io.js";
import { startProgress } from "../progress.js";

interface FillFlags {
  credentials: string;
  rps?: string;
  rp: string[];
  rpDomain: string;
  nonDiscoverable?: boolean;
  json?: boolean;
}

export interface FillSummary {
  store: string;
  added: number;
  total: number;
  discoverable: boolean;
  relyingParties: number;
  seconds: number;
  perSecond: number;
}

export function registerFill(program: Command, ctx: CliContext): void {
  program
    .command("fill")
    .description("add N real, usable credentials spread over M relying parties, fast (ES256, user user<i>@<rpId>)")
    .requiredOption("--credentials <n>", "how many credentials to add")
    .option("--rps <m>", "spread them over M generated RP IDs rp0.<domain>, rp1.<domain>, ... (default N/10, at least 1)")
    .option("--rp <id>", "spread them over this RP ID instead (repeatable)", (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option("--rp-domain <domain>", "the domain under which --rps makes RP IDs", "fill.example")
    .option("--non-discoverable", "server-side credentials (found only through allowCredentials) instead of discoverable ones")
    .option("--json", "print the summary as JSON (what it prints anyway when stdout is not a terminal)")
    .addHelpText(
      "after",
      `
Credentials are written straight into the store in batches, each record sealed
like one makeCredential makes, with a real key pair, the profile's backup flags,
and no extension state. A device cannot hold more discoverable credentials than
its profile's maxDiscoverableCredentials: a fill that would pass it is refused.
On a terminal a progress bar is drawn on stderr; the summary goes to stdout,
as JSON when stdout is not a terminal or with --json:
  {"store":"/abs/keystore","added":100000,"total":100000,"discoverable":true,
   "relyingParties":10000,"seconds":41.2,"perSecond":2427}

Examples:
  $ softkey fill --credentials 100000 --rps 1000
  $ softkey fill --credentials 500 --rp app.example.com --rp login.example.com
  $ softkey fill --credentials 1000000 --rps 100000 > fill.json`,
    )
    .action(async (flags: FillFlags, command: Command) => {
      const credentials = wholeNumber(flags.credentials, "--credentials", 1);
      if (flags.rps !== undefined && flags.rp.length > 0) throw new CliError(ExitCode.USAGE, "give --rps or --rp, not both");
      const rpIds = flags.rp.length > 0 ? [...new Set(flags.rp)] : generatedRpIds(flags.rps === undefined ? Math.max(1, Math.floor(credentials / 10)) : wholeNumber(flags.rps, "--rps", 1), flags.rpDomain);
      for (const rpId of rpIds) {
        if (!/^[a-z0-9.-]+$/i.test(rpId) || rpId.startsWith(".") || rpId.endsWith(".")) throw new CliError(ExitCode.INVALID_INPUT, `"${rpId}" is not an RP ID (a domain such as example.com)`);
      }
      const summary = await withSoftkey(ctx, globalsOf(command), { ceremonies: false }, async (softkey): Promise<FillSummary> => {
        const config = softkey.authenticator.context.config;
        const discoverable = !flags.nonDiscoverable;
        if (discoverable && (!config.ctap2 || !config.residentKeys)) {
          throw new CliError(ExitCode.INVALID_INPUT, `profile ${softkey.profile.name} has no discoverable credentials (getInfo option rk): add --non-discoverable`);
        }
        const before = await softkey.keystore.countCredentials();
        const room = config.maxDiscoverableCredentials - before.discoverable;
        if (discoverable && credentials > room) {
          throw new CliError(
            ExitCode.INVALID_INPUT,
            `the device has room for ${Math.max(0, room)} more discoverable credentials (maxDiscoverableCredentials ${config.maxDiscoverableCredentials}), not ${credentials}`,
          );
        }
        const progress = await startProgress(ctx.io, "filling", credentials);
        let result;
        try {
          result = await fillStore(softkey.keystore, {
            credentials,
            rpIds,
            startIndex: before.total,
            discoverable,
            backup: softkey.profile.backup,
            onProgress: (done) => progress.update(done),
          });
        } finally {
          progress.stop();
        }
        const after = await softkey.keystore.countCredentials();
        return {
          store: softkey.keystore.dir,
          added: result.added,
          total: after.total,
          discoverable,
          relyingParties: rpIds.length,
          seconds: Number(result.seconds.toFixed(2)),
          perSecond: Math.round(result.added / Math.max(result.seconds, 0.001)),
        };
      });
      // A summary for people on a terminal; JSON for scripts and logs (or when asked for).
      if (flags.json || ctx.io.stdoutIsTerminal !== true) writeJson(ctx.io, summary);
      else ctx.io.stdout(`Added ${summary.added.toLocaleString("en-US")} ${summary.discoverable ? "discoverable" : "server-side"} credentials over ${summary.relyingParties.toLocaleString("en-US")} relying part${summary.relyingParties === 1 ? "y" : "ies"} in ${summary.seconds} s (${summary.perSecond.toLocaleString("en-US")}/s); the store holds ${summary.total.toLocaleString("en-US")}\n`);
    });
}

function wholeNumber(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) throw new CliError(ExitCode.INVALID_INPUT, `${flag} must be a whole number of at least ${min}, got "${text}"`);
  return value;
}
