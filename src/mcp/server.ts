/**
 * softkey as an MCP server (Model Context Protocol, the official SDK): the
 * session's tools registered on an McpServer, and that server on stdio. A
 * tool's JSON answer goes out twice, as text for the model and as
 * structuredContent for programs; a failure is an error result that names
 * the error as a browser or the CLI would (NotAllowedError: ..., with the
 * CTAP status when there is one), never a stack trace.
 */
import type { Readable, Writable } from "node:stream";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { WebAuthnError } from "../client/errors.js";
import type { McpSession } from "./session.js";
import type { SoftkeyTool } from "./tool.js";
import { SOFTKEY_TOOLS } from "./tools/index.js";

const INSTRUCTIONS =
  "softkey is a virtual FIDO2 security key (passkey authenticator) for testing. Use webauthn_create / webauthn_get with the " +
  "options JSON a site's server sends, and give the site the JSON they return. list_credentials and select_credential pick " +
  "the passkey to sign in with; set_user makes the user approve, refuse or fail verification; set_faults makes the key " +
  "misbehave; read_events shows what happened.";

export interface McpServerOptions {
  version: string;
  tools?: readonly SoftkeyTool[];
}

export function createMcpServer(session: McpSession, options: McpServerOptions): McpServer {
  const server = new McpServer({ name: "softkey", title: "softkey virtual security key", version: options.version }, { instructions: INSTRUCTIONS });
  for (const tool of options.tools ?? SOFTKEY_TOOLS) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.inputSchema, annotations: tool.annotations },
      async (input: unknown, extra: { signal: AbortSignal }): Promise<CallToolResult> => {
        try {
          return toolResult(await tool.run(session, input as never, { signal: extra.signal }));
        } catch (error) {
          return errorResult(error);
        }
      },
    );
  }
  return server;
}

/**
 * Serve `session` over stdio until the client goes away (its end of stdin closes) or `stop`
 * resolves; resolves once the server is closed. Nothing but MCP messages is written to `stdout`.
 */
export async function serveMcpOnStdio(
  session: McpSession,
  options: McpServerOptions & { stdin: Readable; stdout: Writable; stop: Promise<unknown> },
): Promise<void> {
  const server = createMcpServer(session, options);
  const transport = new StdioServerTransport(options.stdin, options.stdout);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    options.stdin.once("end", resolve);
    options.stdin.once("close", resolve);
  });
  await server.connect(transport);
  await Promise.race([closed, options.stop]);
  await server.close();
}

function toolResult(value: unknown): CallToolResult {
  const json = value === undefined ? null : value;
  return {
    content: [{ type: "text", text: JSON.stringify(json, null, 2) }],
    ...(isObject(json) ? { structuredContent: json } : {}),
  };
}

function errorResult(error: unknown): CallToolResult {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const ctapStatus = error instanceof WebAuthnError ? error.ctapStatusName : undefined;
  const detail = { name, message, ...(ctapStatus ? { ctapStatus } : {}) };
  return {
    isError: true,
    content: [{ type: "text", text: `${name}: ${message}${ctapStatus ? ` (${ctapStatus})` : ""}` }],
    structuredContent: { error: detail },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
