/**
 * A population over HTTP (`softkey population serve --http`), for load
 * engines in other languages (Locust): one service per generator machine,
 * no state between requests or between services with the same seed.
 *
 *   GET  /healthz
 *   GET  /v1/info                 the population's settings (never its seed)
 *   GET  /v1/users/:user          user's index, names and the population's user handle
 *   POST /v1/registrations        { user, origin, options, topOrigin? }  -> 201 RegistrationResponseJSON
 *   POST /v1/assertions           { user?, userHandle?, origin, options, topOrigin? } -> 200 AuthenticationResponseJSON
 *
 * Errors are the service's JSON errors (errors.ts): a WebAuthn error keeps its
 * DOMException name and status, a caller's mistake (no such user) is 400.
 */
import { WebAuthnError } from "../../client/errors.js";
import { PopulationError, type Population } from "../../population/index.js";
import { readJsonObject } from "./body.js";
import { badRequest } from "./errors.js";
import type { Handler, HandlerInput } from "./handlers.js";
import type { Route } from "./router.js";

const REGISTRATION_MEMBERS = new Set(["user", "origin", "topOrigin", "options"]);
const ASSERTION_MEMBERS = new Set(["user", "userHandle", "origin", "topOrigin", "options"]);

export function populationRoutes(population: Population): Route<Handler>[] {
  return [
    { method: "GET", pattern: "/healthz", handler: async () => ({ status: 200, body: { ok: true } }) },
    { method: "GET", pattern: "/v1/info", handler: async () => ({ status: 200, body: population.describe() }) },
    {
      method: "GET",
      pattern: "/v1/users/:user",
      handler: async ({ params }) => callerErrors(() => ({ status: 200, body: population.user(userIndex(params.user!)) })),
    },
    {
      method: "POST",
      pattern: "/v1/registrations",
      handler: async (input) => {
        const body = await ceremonyBody(input, REGISTRATION_MEMBERS, "{ user, origin, options, topOrigin? }");
        return callerErrors(() => ({ status: 201, body: population.create(body.options, { ...body.call, user: body.user as number }) }));
      },
    },
    {
      method: "POST",
      pattern: "/v1/assertions",
      handler: async (input) => {
        const body = await ceremonyBody(input, ASSERTION_MEMBERS, "{ user?, userHandle?, origin, options, topOrigin? }");
        const { userHandle } = body.raw;
        if (userHandle !== undefined && typeof userHandle !== "string") throw badRequest("userHandle must be a base64url string");
        return callerErrors(() => ({
          status: 200,
          body: population.get(body.options, {
            ...body.call,
            ...(body.user !== undefined ? { user: body.user as number } : {}),
            ...(userHandle !== undefined ? { userHandle } : {}),
          }),
        }));
      },
    },
  ];
}

async function ceremonyBody(input: HandlerInput, members: Set<string>, shape: string) {
  const query = input.query.keys().next();
  if (!query.done) throw badRequest(`unexpected query parameter "${query.value}"`);
  const raw = await readJsonObject(input.req, input.bodyLimit);
  const unknown = Object.keys(raw).filter((name) => !members.has(name));
  if (unknown.length > 0) throw badRequest(`unknown member${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => JSON.stringify(n)).join(", ")}; expected ${shape}`);
  const { options, origin, topOrigin, user } = raw;
  if (typeof origin !== "string") throw new WebAuthnError("TypeError", 'origin is required and must be a string such as "https://example.com"');
  if (topOrigin !== undefined && typeof topOrigin !== "string") throw new WebAuthnError("TypeError", "topOrigin must be a string");
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new WebAuthnError("TypeError", "options is required and must be an object (the RP's options JSON)");
  }
  return { raw, options, user, call: { origin, ...(topOrigin !== undefined ? { topOrigin } : {}) } };
}

/** A path segment as a user index: decimal digits only. */
function userIndex(text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw badRequest(`the user is a decimal index, got "${text.slice(0, 20)}"`);
  return Number(text);
}

/** A caller's mistake (a user out of range, a discoverable sign-in without a user) is a 400, not a 500. */
function callerErrors<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof PopulationError) throw badRequest(error.message);
    throw error;
  }
}
