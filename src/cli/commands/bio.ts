/**
 * softkey bio enroll | list | rename | remove: the fingerprint templates of a
 * key with a fingerprint sensor (the softkey-bio profile), through
 * authenticatorBioEnrollment as any platform sends it (src/client/bio/). The
 * samples a sensor reports come from --enroll-samples; the finger that
 * verifies the user later from --uv finger:<name or ID>.
 */
import type { Command } from "commander";
import {
  enrollFingerprint,
  listFingerprints,
  openBioSession,
  removeFingerprint,
  renameFingerprint,
  type BioSession,
} from "../../client/bio/bioEnrollment.js";
import { CtapStatusError } from "../../client/ctap/command.js";
import { WebAuthnError } from "../../client/errors.js";
import { statusName } from "../../ctap/status.js";
import type { Softkey } from "../../softkey.js";
import { globalsOf, openSoftkey, type CliContext, type GlobalOptions } from "../context.js";
import { writeJson } from "../io.js";
import { PIN_ENV } from "../pin.js";

export function registerBio(program: Command, ctx: CliContext): void {
  const bio = program
    .command("bio")
    .description("enroll, list, rename and remove fingerprints on a key with a fingerprint sensor (authenticatorBioEnrollment)")
    .addHelpText(
      "after",
      `
Examples:
  $ softkey init --profile softkey-bio && SOFTKEY_NEW_PIN=1234 softkey pin set
  $ SOFTKEY_PIN=1234 softkey bio enroll --name thumb
  $ SOFTKEY_PIN=1234 softkey --enroll-samples fp-too-high,fp-poor-quality bio enroll   # two bad samples first
  $ SOFTKEY_PIN=1234 softkey bio list --json
  $ softkey --uv finger:thumb get --origin https://example.com --options auth-options.json
  $ export SOFTKEY_PIN=1234; softkey bio rename 1a2b index && softkey bio remove 1a2b

The PIN comes from --pin-file or ${PIN_ENV}; without one, built-in UV (an enrolled finger) opens the session.`,
    );

  bio
    .command("enroll")
    .description("enroll a finger: samples until the sensor has enough good ones")
    .option("--name <name>", "the template's friendly name")
    .option("--json", "print the template ID and each sample's status as JSON")
    .action(async (options: { name?: string; json?: boolean }, command: Command) => {
      await withSession(ctx, globalsOf(command), async (key, session) => {
        const result = await enrollFingerprint(key.authenticator, session, options.name !== undefined ? { name: options.name } : {});
        if (options.json) writeJson(ctx.io, result);
        else ctx.io.stdout(`${result.id}${result.name !== undefined ? ` ${result.name}` : ""}\n`);
      });
    });

  bio
    .command("list")
    .description("the enrolled templates: ID (hex) and friendly name")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      await withSession(ctx, globalsOf(command), async (key, session) => {
        const templates = await listFingerprints(key.authenticator, session);
        if (options.json) writeJson(ctx.io, { templates });
        else ctx.io.stdout(templates.map((t) => `${t.id}  ${t.name ?? ""}\n`).join(""));
      });
    });

  bio
    .command("rename")
    .description("set a template's friendly name")
    .argument("<id>", "the template ID, hex, as bio list shows it")
    .argument("<name>", "the new friendly name")
    .option("--json", "print the templates afterwards as JSON, as bio list --json")
    .action(async (id: string, name: string, options: { json?: boolean }, command: Command) => {
      await withSession(ctx, globalsOf(command), async (key, session) => {
        await renameFingerprint(key.authenticator, session, id, name);
        if (options.json) writeJson(ctx.io, { templates: await listFingerprints(key.authenticator, session) });
      });
    });

  bio
    .command("remove")
    .description("remove an enrolled template")
    .argument("<id>", "the template ID, hex, as bio list shows it")
    .option("--json", "print the templates afterwards as JSON, as bio list --json")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withSession(ctx, globalsOf(command), async (key, session) => {
        await removeFingerprint(key.authenticator, session, id);
        if (options.json) writeJson(ctx.io, { templates: await listFingerprints(key.authenticator, session) });
      });
    });
}

/** Opens the store, a be token from the PIN (or built-in UV), runs `task`, and turns a CTAP status into a one-line refusal. */
async function withSession(ctx: CliContext, globals: GlobalOptions, task: (key: Softkey, session: BioSession) => Promise<unknown>): Promise<void> {
  const key = await openSoftkey(ctx, globals, { ceremonies: true });
  try {
    const pin = globals.pin ?? (ctx.io.env[PIN_ENV] || undefined);
    const session = await openBioSession(key.authenticator, pin);
    await task(key, session);
  } catch (error) {
    if (error instanceof CtapStatusError) throw new WebAuthnError("NotAllowedError", `the authenticator refused: ${statusName(error.status)}`);
    throw error;
  } finally {
    await key.close();
  }
}
