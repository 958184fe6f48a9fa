/**
 * The two WebAuthn ceremonies as tools: the RP's options JSON in, the JSON a
 * page's navigator.credentials.create()/get() would give it out, exactly as
 * `softkey create`/`get` and the HTTP service's /v1/registrations and
 * /v1/assertions. They run through the Softkey, so they appear in read_events.
 */
import { z } from "zod";
import { defineTool } from "../tool.js";

const ceremonyInput = {
  origin: z.string().min(1).describe('the origin of the page making the call, e.g. "https://example.com" or "http://localhost:3000"'),
  options: z
    .record(z.string(), z.unknown())
    .describe("the RP's options JSON as its server sends it to the browser (PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON, or { publicKey: ... })"),
  topOrigin: z.string().min(1).optional().describe("the top-level origin when the caller is a cross-origin iframe"),
};

export const webauthnCreate = defineTool({
  name: "webauthn_create",
  title: "Register a passkey (navigator.credentials.create)",
  description:
    "Register a new credential as navigator.credentials.create() would for a page at `origin`: the RP's creation options in, " +
    "RegistrationResponseJSON out (send it to the RP's verify endpoint). Fails with the DOMException name a browser would use " +
    "(NotAllowedError, InvalidStateError, SecurityError, ...).",
  inputSchema: ceremonyInput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run(session, { origin, options, topOrigin }, { signal }) {
    return session.softkey.create(options as never, { origin, signal, ...(topOrigin !== undefined ? { topOrigin } : {}) });
  },
});

export const webauthnGet = defineTool({
  name: "webauthn_get",
  title: "Sign in with a passkey (navigator.credentials.get)",
  description:
    "Sign in as navigator.credentials.get() would for a page at `origin`: the RP's request options in, AuthenticationResponseJSON " +
    "out. With an empty allowCredentials and several passkeys for the RP, the one chosen with select_credential answers (else the first).",
  inputSchema: ceremonyInput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  run(session, { origin, options, topOrigin }, { signal }) {
    return session.softkey.get(options as never, {
      origin,
      signal,
      selectCredential: session.selectCredential,
      ...(topOrigin !== undefined ? { topOrigin } : {}),
    });
  },
});
