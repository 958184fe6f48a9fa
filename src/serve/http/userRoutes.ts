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
import { parseControlsChange } from "../../controls/change.js";
import type { Softkey } from "../../softkey.js";
import { readJsonObject } from "./body.js";
import { asInputError, badRequest } from "./errors.js";
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
        try {
          // The same checks as the live controls' (src/controls/change.ts), for these three members.
          return { status: 200, body: softkey.setUser(parseControlsChange(body)) };
        } catch (error) {
          // A policy name that does not exist, or uv on a profile without built-in UV: the caller's mistake.
          throw asInputError(error);
        }
      },
    },
  ];
}
