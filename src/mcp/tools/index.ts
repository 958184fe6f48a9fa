/**
 * The tools `softkey mcp` offers, in the order an agent sees them. A tool
 * that attaches softkey to the agent's browser by its CDP or BiDi endpoint
 * joins this list when `softkey attach` exists; it needs nothing more than
 * the session (see session.ts).
 */
import type { SoftkeyTool } from "../tool.js";
import { webauthnCreate, webauthnGet } from "./ceremonies.js";
import { deleteCredential, listCredentials, selectCredential } from "./credentials.js";
import { deviceInfo, setFaults, setUser } from "./device.js";
import { readEvents } from "./events.js";

export const SOFTKEY_TOOLS: readonly SoftkeyTool[] = [
  listCredentials,
  selectCredential,
  webauthnCreate,
  webauthnGet,
  setUser,
  setFaults,
  readEvents,
  deviceInfo,
  deleteCredential,
] as readonly SoftkeyTool[];
