/**
 * One MCP tool: its name, what an agent reads about it, its input as a zod
 * shape (the SDK validates calls against it and advertises it as JSON
 * Schema), and what it does with the session. A tool returns a JSON value;
 * server.ts turns it into the tool result, and a thrown error into an error
 * result naming it (NotAllowedError, RangeError, ...).
 */
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { McpSession } from "./session.js";

export interface SoftkeyTool<Shape extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  inputSchema: Shape;
  annotations: ToolAnnotations;
  run(session: McpSession, input: z.infer<z.ZodObject<Shape>>, call: { signal: AbortSignal }): Promise<unknown>;
}

/** Keeps each tool's input type tied to its schema. */
export function defineTool<Shape extends z.ZodRawShape>(tool: SoftkeyTool<Shape>): SoftkeyTool<Shape> {
  return tool;
}

/** A tool's failure that is the caller's to fix (an unknown credential, an RP with none). */
export class ToolInputError extends Error {
  override name = "ToolInputError";
}
