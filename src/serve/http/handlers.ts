/**
 * The endpoints: the WebAuthn client's two ceremonies as JSON, the signal
 * methods and getClientCapabilities(), the credential list, deleting a
 * credential and the device's info. Each handler gets the request already
 * authorized and answers with a status and a JSON body (or throws; errors.ts
 * turns that into the error JSON).
 */
import type { IncomingMessage } from "node:http";
import { parseAccountSelector, type AccountSelector } from "../../client/accountChoice.js";
import { WebAuthnError } from "../../client/errors.js";
import type { SignalName } from "../../client/signals.js";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../../client/responseJSON.js";
import { readJsonObject } from "./body.js";
import { badRequest, notFound } from "./errors.js";
import type { Route } from "./router.js";

/** Per-call options of a ceremony, as the WebAuthn client takes them. */
export interface CeremonyCall {
  origin: string;
  topOrigin?: string;
  signal: AbortSignal;
  /** "conditional" (create, get) or "immediate" (get), as CredentialCreationOptions / CredentialRequestOptions carry it. */
  mediation?: string;
  /** get(): which of several discoverable credentials answers. */
  account?: AccountSelector;
}

/** What the service needs of the virtual key; a Softkey provides it (see softkeyBackend.ts). */
export interface HttpBackend {
  create(options: object, call: CeremonyCall): Promise<RegistrationResponseJSON>;
  get(options: object, call: CeremonyCall): Promise<AuthenticationResponseJSON>;
  /** `{ credentials: [...summaries], corrupted: [ids] }`, never a secret. */
  listCredentials(filter: { rpId?: string }): Promise<unknown>;
  /** false when there is no such credential. */
  deleteCredential(credentialId: string): Promise<boolean>;
  /** The device and its decoded authenticatorGetInfo, as `softkey info --json` shows them. */
  info(): Promise<unknown>;
  /** One of the PublicKeyCredential signal methods; resolves whatever the store did with it. */
  signal(name: SignalName, options: unknown, call: { origin: string; signal: AbortSignal }): Promise<void>;
  /** PublicKeyCredential.getClientCapabilities() for this key. */
  capabilities(): Promise<Record<string, boolean>>;
  /** A sign-in the browser mediated on `origin` (conditional create may follow). */
  recordMediatedSignIn(signIn: { origin: string; userName?: string }): void;
}

export interface HandlerInput {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when the client goes away or the service stops. */
  signal: AbortSignal;
  bodyLimit: number;
}

export interface HandlerResult {
  status: number;
  /** JSON body; none for 204. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (input: HandlerInput) => Promise<HandlerResult>;

const CEREMONY_MEMBERS = new Set(["origin", "topOrigin", "options", "mediation"]);
const SIGNALS: readonly SignalName[] = ["signalUnknownCredential", "signalAllAcceptedCredentials", "signalCurrentUserDetails"];
const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1400}={0,2}$/;

export function apiRoutes(backend: HttpBackend): Route<Handler>[] {
  return [
    { method: "GET", pattern: "/healthz", handler: async () => ({ status: 200, body: { ok: true } }) },
    {
      method: "POST",
      pattern: "/v1/registrations",
      handler: async (input) => {
        const { options, call } = await ceremonyRequest(input, CEREMONY_MEMBERS);
        const credential = await backend.create(options, call);
        return { status: 201, body: credential, headers: { location: `/v1/credentials/${credential.id}` } };
      },
    },
    {
      method: "POST",
      pattern: "/v1/assertions",
      handler: async (input) => {
        const { options, call, body } = await ceremonyRequest(input, new Set([...CEREMONY_MEMBERS, "account"]));
        const account = parseAccountSelector(body.account);
        return { status: 200, body: await backend.get(options, { ...call, ...(account ? { account } : {}) }) };
      },
    },
    {
      method: "POST",
      pattern: "/v1/signals",
      handler: async (input) => {
        onlyQuery(input.query, []);
        const body = await readJsonObject(input.req, input.bodyLimit);
        onlyMembers(body, new Set(["origin", "signal", "options"]), "{ origin, signal, options }");
        if (typeof body.origin !== "string") throw new WebAuthnError("TypeError", 'origin is required and must be a string such as "https://example.com"');
        if (!SIGNALS.includes(body.signal as SignalName)) throw badRequest(`signal must be one of ${SIGNALS.join(", ")}`);
        await backend.signal(body.signal as SignalName, body.options, { origin: body.origin, signal: input.signal });
        return { status: 204 };
      },
    },
    {
      method: "POST",
      pattern: "/v1/mediated-sign-ins",
      handler: async (input) => {
        onlyQuery(input.query, []);
        const body = await readJsonObject(input.req, input.bodyLimit);
        onlyMembers(body, new Set(["origin", "userName"]), "{ origin, userName? }");
        if (typeof body.origin !== "string") throw new WebAuthnError("TypeError", 'origin is required and must be a string such as "https://example.com"');
        if (body.userName !== undefined && typeof body.userName !== "string") throw new WebAuthnError("TypeError", "userName must be a string");
        try {
          backend.recordMediatedSignIn({ origin: body.origin, ...(body.userName !== undefined ? { userName: body.userName } : {}) });
        } catch (cause) {
          throw new WebAuthnError("TypeError", `origin "${body.origin}" is not a URL`, { cause });
        }
        return { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: "/v1/capabilities",
      handler: async ({ query }) => {
        onlyQuery(query, []);
        return { status: 200, body: await backend.capabilities() };
      },
    },
    {
      method: "GET",
      pattern: "/v1/credentials",
      handler: async ({ query }) => {
        onlyQuery(query, ["rpId"]);
        const rpId = query.get("rpId");
        return { status: 200, body: await backend.listCredentials(rpId === null ? {} : { rpId }) };
      },
    },
    {
      method: "DELETE",
      pattern: "/v1/credentials/:id",
      handler: async ({ params, query }) => {
        onlyQuery(query, []);
        const id = params.id!;
        if (!CREDENTIAL_ID.test(id)) throw badRequest("the credential ID must be base64url, as `id` in a registration response");
        if (!(await backend.deleteCredential(id))) throw notFound(`no credential ${id}`);
        return { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: "/v1/info",
      handler: async ({ query }) => {
        onlyQuery(query, []);
        return { status: 200, body: await backend.info() };
      },
    },
  ];
}

/**
 * `{ origin, options, topOrigin?, mediation? }` (and `account?` for an assertion): the body of both
 * ceremonies. The WebAuthn client checks origin and options in depth.
 */
async function ceremonyRequest(
  input: HandlerInput,
  members: ReadonlySet<string>,
): Promise<{ options: object; call: CeremonyCall; body: Record<string, unknown> }> {
  onlyQuery(input.query, []);
  const body = await readJsonObject(input.req, input.bodyLimit);
  onlyMembers(body, members, `{ ${[...members].map((m) => (m === "origin" || m === "options" ? m : `${m}?`)).join(", ")} }`);
  const { options, origin, topOrigin, mediation } = body;
  if (typeof origin !== "string") throw new WebAuthnError("TypeError", 'origin is required and must be a string such as "https://example.com"');
  if (topOrigin !== undefined && typeof topOrigin !== "string") throw new WebAuthnError("TypeError", "topOrigin must be a string");
  if (mediation !== undefined && typeof mediation !== "string") throw new WebAuthnError("TypeError", "mediation must be a string");
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new WebAuthnError("TypeError", "options is required and must be an object (the RP's options JSON)");
  }
  const call: CeremonyCall = {
    origin,
    signal: input.signal,
    ...(topOrigin !== undefined ? { topOrigin } : {}),
    ...(mediation !== undefined ? { mediation } : {}),
  };
  return { options, call, body };
}

function onlyMembers(body: Record<string, unknown>, allowed: ReadonlySet<string>, expected: string): void {
  const unknown = Object.keys(body).filter((name) => !allowed.has(name));
  if (unknown.length > 0) throw badRequest(`unknown member${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => JSON.stringify(n)).join(", ")}; expected ${expected}`);
}

function onlyQuery(query: URLSearchParams, allowed: string[]): void {
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) {
      throw badRequest(allowed.length === 0 ? `unexpected query parameter "${name}"` : `unexpected query parameter "${name}"; allowed: ${allowed.join(", ")}`);
    }
    if (query.getAll(name).length > 1) throw badRequest(`query parameter "${name}" is given more than once`);
  }
}
