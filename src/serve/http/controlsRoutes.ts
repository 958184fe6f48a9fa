/**
 * The live controls over HTTP, as softkey.controls has them in the library
 * (src/controls/): the simulated user, this session's and the stored response
 * faults, the account the user picks, and the capability overrides. A PUT
 * body is a partial change, checked whole and applied all or nothing; it acts
 * from the next request the key answers, while the service keeps running.
 *
 *   GET /v1/controls   -> 200 the controls' state
 *   PUT /v1/controls   { presence?, uv?, enrollSamples?, faults?, storedFaults?, account?, capabilities? } -> 200 the state after
 */
import type { SoftkeyControls } from "../../controls/controls.js";
import { readJsonObject } from "./body.js";
import { asInputError } from "./errors.js";
import type { Handler } from "./handlers.js";
import type { Route } from "./router.js";

export function controlsRoutes(controls: SoftkeyControls): Route<Handler>[] {
  return [
    { method: "GET", pattern: "/v1/controls", handler: async () => ({ status: 200, body: await controls.state() }) },
    {
      method: "PUT",
      pattern: "/v1/controls",
      handler: async ({ req, bodyLimit }) => {
        const change = await readJsonObject(req, bodyLimit);
        try {
          return { status: 200, body: await controls.apply(change) };
        } catch (error) {
          // A control or value that does not exist, or uv on a profile without built-in UV: the caller's mistake, a 400.
          throw asInputError(error);
        }
      },
    },
  ];
}
