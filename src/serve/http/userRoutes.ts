/**
 * The simulated user over HTTP, as `--presence`, `--uv` and `--enroll-samples`
 * set it on the command line and Softkey.setUser() in the library: who
 * touches, which finger (on a fingerprint key: `finger:<name or template ID>`,
 * `unknown`, `none`), and what the sensor reports for the next enrollment
 * samples. A change applies from the next question the key asks.
 *
 *   GET /v1/user   -> 200 { presence, uv, enrollSamples? }
 *   PUT /v1/user   { presence?, uv?, enrollSamples? } -> 200 the user now in force
 */
import { WebAuthnError } from "../../client/errors.js";
import { parsePresencePolicy, parseSampleStatus, parseUvMode, type SampleStatus } from "../../presence/index.js";
import type { Softkey, SimulatedUser } from "../../softkey.js";
import { readJsonObject } from "./body.js";
import { badRequest } from "./errors.js";
import type { Handler } from "./handlers.js";
import type { Route } from "./router.js";

const MEMBERS = new Set(["presence", "uv", "enrollSamples"]);

export function simulatedUserRoutes(softkey: Softkey): Route<Handler>[] {
  return [
    { method: "GET", pattern: "/v1/user", handler: async () => ({ status: 200, body: softkey.user }) },
    {
      method: "PUT",
      pattern: "/v1/user",
      handler: async ({ req, bodyLimit }) => {
        const body = await readJsonObject(req, bodyLimit);
        const unknown = Object.keys(body).filter((name) => !MEMBERS.has(name));
        if (unknown.length > 0) throw badRequest(`unknown member ${JSON.stringify(unknown[0])}; expected { presence?, uv?, enrollSamples? }`);
        const change: Partial<SimulatedUser> = {};
        try {
          if (body.presence !== undefined) change.presence = parsePresencePolicy(text(body.presence, "presence"));
          if (body.uv !== undefined) change.uv = parseUvMode(text(body.uv, "uv"));
          if (body.enrollSamples !== undefined) change.enrollSamples = samples(body.enrollSamples);
          return { status: 200, body: softkey.setUser(change) };
        } catch (error) {
          // A policy name that does not exist, or uv on a profile without built-in UV: the caller's mistake.
          if (error instanceof RangeError) throw new WebAuthnError("TypeError", error.message);
          throw error;
        }
      },
    },
  ];
}

function text(value: unknown, name: string): string {
  if (typeof value !== "string") throw new RangeError(`${name} must be a string`);
  return value;
}

function samples(value: unknown): SampleStatus[] {
  if (!Array.isArray(value)) throw new RangeError("enrollSamples must be an array of sample statuses such as \"fp-too-high\"");
  return value.map((item) => parseSampleStatus(text(item, "enrollSamples[]")));
}
