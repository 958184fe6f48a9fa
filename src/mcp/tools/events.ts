/** read_events: what happened on the key since the agent last looked, optionally waiting for the next thing. */
import { z } from "zod";
import { defineTool } from "../tool.js";

export const readEvents = defineTool({
  name: "read_events",
  title: "Read what happened on the key",
  description:
    "Events in order, each with a number (seq): ceremonyStart, ceremonySuccess (with credentialId), ceremonyFailure (with errorName: " +
    "NotAllowedError when the user denied or no passkey fit, ...), credentialDeleted; with the RP ID and origin, never a secret. " +
    "Pass the `last` of the previous answer as `after` to get only newer ones; `waitMs` waits that long for one when there is none yet.",
  inputSchema: {
    after: z.number().int().min(0).optional().describe("only events numbered above this (default 0: all kept, up to the last 1000)"),
    limit: z.number().int().min(1).max(1000).optional().describe("at most this many (default 100)"),
    waitMs: z.number().int().min(0).max(60_000).optional().describe("wait up to this many milliseconds for a newer event (default 0)"),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  run(session, { after, limit, waitMs }, { signal }) {
    return session.events.read({ after, limit, waitMs, signal });
  },
});
