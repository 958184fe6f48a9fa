/**
 * `softkey mcp`: an MCP server on stdio for AI agents (src/mcp). The store is
 * the usual one, or with --ephemeral a throw-away store that lives as long as
 * the server. stdout carries MCP messages only; diagnostics go to stderr.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { Softkey } from "../../softkey.js";
import { DEFAULT_PROFILE } from "../../profiles/index.js";
import { debugLog, globalsOf, openSoftkey, type CliContext, type GlobalOptions } from "../context.js";
import { CliError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { stopSignal } from "../stopSignal.js";
import { packageVersion } from "../version.js";
import { loadProfile } from "./profile.js";

/** The throw-away store lives only as long as the server: a low scrypt cost is fine. */
const EPHEMERAL_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

interface McpFlags {
  ephemeral?: boolean;
  profile?: string;
}

export function registerMcp(program: Command, ctx: CliContext): void {
  program
    .command("mcp")
    .description("an MCP server on stdio: tools for AI agents to register and sign in with passkeys, choose them, and set the user's answers")
    .option("--ephemeral", "use a throw-away store, removed when the server stops (no passphrase needed)")
    .option("--profile <name|file>", `with --ephemeral: the device to emulate (default ${DEFAULT_PROFILE})`)
    .addHelpText(
      "after",
      `
Speaks the Model Context Protocol on stdin/stdout until the client closes stdin
(or SIGINT/SIGTERM). Tools: list_credentials, select_credential,
webauthn_create, webauthn_get, set_user, set_faults, read_events,
device_info, delete_credential, attach_browser, detach_browser (the agent's
Chromium, by its DevTools endpoint). See the README ("An MCP server for agents").

An MCP client configuration:
  { "mcpServers": { "softkey": { "command": "npx", "args": ["softkey", "mcp", "--ephemeral"] } } }

Examples:
  $ softkey mcp --ephemeral
  $ softkey --store ./keystore --passphrase-file ./passphrase mcp`,
    )
    .action(async (flags: McpFlags, command: Command) => {
      const globals = globalsOf(command);
      // stdin is the protocol: nobody could answer a prompt there.
      if (globals.presence === "prompt") throw new CliError(ExitCode.USAGE, "softkey mcp speaks MCP on stdin: --presence prompt cannot ask anyone there (use set_user)");
      if (flags.profile !== undefined && !flags.ephemeral) throw new CliError(ExitCode.USAGE, "--profile goes with --ephemeral (a store keeps the profile it was made with)");
      const profile = flags.ephemeral ? loadProfile(flags.profile ?? DEFAULT_PROFILE) : undefined;
      const stop = stopSignal();
      let tempDir: string | undefined;
      try {
        let softkey: Softkey;
        if (profile) {
          tempDir = await mkdtemp(path.join(tmpdir(), "softkey-mcp-"));
          softkey = await Softkey.init(path.join(tempDir, "keystore"), randomBytes(16).toString("base64url"), { scrypt: EPHEMERAL_SCRYPT, profile }, openOptions(ctx, globals));
        } else {
          softkey = await openSoftkey(ctx, globals, { ceremonies: false });
        }
        // Loaded here, not at start-up: no other command pays for parsing the MCP SDK.
        const { McpSession, serveMcpOnStdio } = await import("../../mcp/index.js");
        const session = new McpSession(softkey);
        try {
          await serveMcpOnStdio(session, { version: packageVersion(), stdin: process.stdin, stdout: process.stdout, stop: stop.received });
        } finally {
          try {
            await session.close();
          } finally {
            await softkey.close();
          }
        }
      } finally {
        stop.dispose();
        if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
      }
    });
}

function openOptions(ctx: CliContext, globals: GlobalOptions) {
  return {
    presence: globals.presence,
    uv: globals.uv,
    log: debugLog(ctx, globals),
    ...(globals.seed !== undefined ? { seed: globals.seed } : {}),
  };
}
