/** `softkey demo`: register, sign in and verify, with no set-up. */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { Softkey } from "../../softkey.js";
import { DEMO_ORIGIN, DEMO_RP_ID, runDemo } from "../../demo/runDemo.js";
import { writeJson } from "../io.js";
import { checkPresenceUsable, debugLog, globalsOf, openSoftkey, storeDir, storeGivenOnCommandLine, userActionTimeoutOption, type CliContext } from "../context.js";
import { ExitCode } from "../exitCodes.js";

/** The throw-away store only lives for seconds: a low scrypt cost is fine. */
const DEMO_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("register a passkey for example.com, sign in, and verify the signature like a relying party")
    .option("--json", "print only the outcome as JSON: { verified, credentialId, rpId, origin, signCount, flags, checks }")
    .addHelpText(
      "after",
      `
Without --store, the demo runs in a throw-away store that is removed afterwards
(no passphrase needed). With --store DIR it uses that store (and its passphrase),
and the demo credential stays there.

Examples:
  $ softkey demo
  $ softkey demo --store ./keystore --presence prompt`,
    )
    .action(async (flags: { json?: boolean }, command: Command) => {
      const globals = globalsOf(command);
      const print = flags.json ? () => {} : (line: string) => ctx.io.stdout(`${line}\n`);
      let softkey: Softkey;
      let tempDir: string | undefined;
      if (storeGivenOnCommandLine(command)) {
        softkey = await openSoftkey(ctx, globals, { ceremonies: true });
      } else {
        checkPresenceUsable(globals);
        tempDir = await mkdtemp(path.join(tmpdir(), "softkey-demo-"));
        try {
          softkey = await Softkey.init(
            path.join(tempDir, "keystore"),
            randomBytes(16).toString("base64url"),
            { scrypt: DEMO_SCRYPT },
            { presence: globals.presence, uv: globals.uv, ...userActionTimeoutOption(globals), log: debugLog(ctx, globals) },
          );
        } catch (error) {
          await rm(tempDir, { recursive: true, force: true });
          throw error;
        }
      }
      try {
        const result = await runDemo(softkey, {
          print,
          persistentStore: tempDir === undefined ? storeDir(globals) : undefined,
        });
        if (!result.verification.verified) ctx.exitCode = ExitCode.VERIFICATION_FAILED;
        if (flags.json) {
          const { verified, signCount, flags: authFlags, checks } = result.verification;
          writeJson(ctx.io, { verified, credentialId: result.credentialId, rpId: DEMO_RP_ID, origin: DEMO_ORIGIN, signCount, flags: authFlags, checks });
        }
      } finally {
        await softkey.close();
        if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
      }
    });
}
