/** The tools `softkey mcp` offers, in the order an agent sees them. */
import type { SoftkeyTool } from "../tool.js";
import { webauthnCreate, webauthnGet } from "./ceremonies.js";
import { deleteCredential, listCredentials, selectCredential } from "./credentials.js";
import { deviceInfo, setFaults, setUser } from "./device.js";
import { readEvents } from "./events.js";
import { attachBrowser, detachBrowser } from "./browser.js";

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
  attachBrowser,
  detachBrowser,
] as readonly SoftkeyTool[];
