/** softkey's MCP server: `softkey mcp` loads this module only when it runs, so other commands never parse the SDK. */
export { createMcpServer, serveMcpOnStdio, type McpServerOptions } from "./server.js";
export { McpSession } from "./session.js";
export { EventLog, type EventPage, type LoggedEvent } from "./eventLog.js";
export { SOFTKEY_TOOLS } from "./tools/index.js";
export type { SoftkeyTool } from "./tool.js";
