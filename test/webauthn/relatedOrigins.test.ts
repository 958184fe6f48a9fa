/**
 * Related origin requests (WebAuthn L3 section 5.11): an origin that is not
 * under the RP ID may still use it when https://RPID/.well-known/webauthn
 * lists it. The file is served by a real HTTP server on loopback, reached
 * through the client's injectable fetcher (a browser would fetch it over
 * https from the RP ID's host); every way of failing gives the SecurityError
 * and the page message Chrome gives, and the RP verifies what succeeds with
 * the related origin as expectedOrigin.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { PageMessage, WebAuthnClient, type WellKnownFetcher, type WellKnownRequest } from "../../src/client/index.js";
import { relatedOriginsAllow } from "../../src/client/relatedOrigins.js";
import { openSoftkey, registrationOptions, rejection, type TestSoftkey } from "./helpers.js";

const RP_ID = "example.com";
const RELATED = "https://example.co.uk";

interface Answer {
  status?: number;
  type?: string;
  body?: string;
  location?: string;
}

let server: Server;
let port: number;
/** What the well-known URL of each host answers. */
const answers = new Map<string, Answer>();
const fetched: { url: string; init: WellKnownRequest }[] = [];

/** https://HOST/PATH → the loopback server, told which host was asked. */
const fetcher: WellKnownFetcher = (url, init) => {
  fetched.push({ url, init });
  const target = new URL(url);
  return fetch(`http://127.0.0.1:${port}/${target.hostname}${target.pathname}`, { ...init, signal: init.signal });
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const [, host, ...rest] = (req.url ?? "").split("/");
    const answer = rest.join("/") === ".well-known/webauthn" ? answers.get(host!) : undefined;
    if (!answer) return void res.writeHead(404).end();
    res.writeHead(answer.status ?? 200, {
      ...(answer.type !== undefined ? { "content-type": answer.type } : { "content-type": "application/json" }),
      ...(answer.location ? { location: answer.location } : {}),
    });
    res.end(answer.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

let t: TestSoftkey;
let client: WebAuthnClient;
beforeEach(async () => {
  t = await openSoftkey();
  client = new WebAuthnClient(t.key.clientDevice, { ...t.key.asAuthenticator(), relatedOrigins: { fetch: fetcher } });
  answers.clear();
  fetched.length = 0;
});
afterEach(async () => {
  await t.close();
});

const wellKnown = (origins: unknown) => ({ body: JSON.stringify({ origins }) });

describe("related origin requests", () => {
  it("lets a listed origin register and sign in under the RP ID; the RP verifies both with that origin", async () => {
    answers.set(RP_ID, wellKnown(["https://example.de", RELATED]));
    const options = await registrationOptions({ rpID: RP_ID });
    const created = await client.create(options, { origin: RELATED });
    const registration = await verifyRegistrationResponse({ response: created, expectedChallenge: options.challenge, expectedOrigin: RELATED, expectedRPID: RP_ID, requireUserVerification: false });
    expect(registration.verified).toBe(true);
    const request = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: created.id }], userVerification: "discouraged" });
    const asserted = await client.get(request, { origin: RELATED });
    const authentication = await verifyAuthenticationResponse({
      response: asserted,
      expectedChallenge: request.challenge,
      expectedOrigin: RELATED,
      expectedRPID: RP_ID,
      credential: registration.registrationInfo!.credential,
      requireUserVerification: false,
    });
    expect(authentication.verified).toBe(true);
    // Fetched as the spec says: no credentials, no referrer, redirects handled by the client.
    expect(fetched).toHaveLength(2);
    expect(fetched[0]).toMatchObject({ url: "https://example.com/.well-known/webauthn", init: { credentials: "omit", referrerPolicy: "no-referrer", redirect: "manual" } });
  });

  it("asks nothing when the origin is under the RP ID, or when related origins are off", async () => {
    await client.create(await registrationOptions({ rpID: RP_ID }), { origin: "https://login.example.com" });
    expect(fetched).toHaveLength(0);
    const strict = new WebAuthnClient(t.key.clientDevice, { relatedOrigins: false });
    const error = await rejection(strict.create(await registrationOptions({ rpID: RP_ID }), { origin: RELATED }));
    expect(error).toMatchObject({ name: "SecurityError", pageMessage: PageMessage.badRelyingPartyId });
    expect(fetched).toHaveLength(0);
  });

  it.each([
    ["the file lists another origin", wellKnown(["https://example.de"]), PageMessage.relatedOriginNoMatch],
    ["the file is not there", { status: 404 }, PageMessage.relatedOriginFetchFailed],
    ["the content type is not application/json", { ...wellKnown([RELATED]), type: "text/plain" }, PageMessage.relatedOriginWrongContentType],
    ["the body is not JSON", { body: "{origins" }, PageMessage.relatedOriginJsonParseError],
    ["origins is not an array of strings", wellKnown([RELATED, 7]), PageMessage.relatedOriginJsonParseError],
    ["there is no origins member", { body: "{}" }, PageMessage.relatedOriginJsonParseError],
    ["a redirect leaves https", { status: 302, location: "http://example.com/webauthn.json" }, PageMessage.relatedOriginFetchFailed],
  ])("SecurityError when %s", async (_why, answer, pageMessage) => {
    answers.set(RP_ID, answer);
    const error = await rejection(client.create(await registrationOptions({ rpID: RP_ID }), { origin: RELATED }));
    expect(error).toMatchObject({ name: "SecurityError", pageMessage });
    expect(error.message).toContain("https://example.com/.well-known/webauthn");
    expect(await t.key.listCredentials()).toMatchObject({ credentials: [] });
  });

  it("follows an https redirect", async () => {
    answers.set(RP_ID, { status: 301, location: "https://static.example.com/.well-known/webauthn" });
    answers.set("static.example.com", wellKnown([RELATED]));
    expect((await client.create(await registrationOptions({ rpID: RP_ID }), { origin: RELATED })).type).toBe("public-key");
    expect(fetched.map((f) => f.url)).toEqual(["https://example.com/.well-known/webauthn", "https://static.example.com/.well-known/webauthn"]);
  });

  it("counts five registrable origin labels: an origin listed past them is not found, and the message says why", async () => {
    const labels = ["https://a.com", "https://b.com", "https://c.com", "https://d.com", "https://e.com"];
    answers.set(RP_ID, wellKnown([...labels, "https://sub.a.co.uk", RELATED]));
    const error = await rejection(client.create(await registrationOptions({ rpID: RP_ID }), { origin: RELATED }));
    expect(error).toMatchObject({ name: "SecurityError", pageMessage: PageMessage.relatedOriginNoMatchHitLimits });
    // The same label again does not count twice: example.de and example.co.uk are both "example".
    answers.set(RP_ID, wellKnown(["https://example.de", ...labels.slice(0, 4), "https://example.net", RELATED]));
    expect((await client.create(await registrationOptions({ rpID: RP_ID }), { origin: RELATED })).type).toBe("public-key");
  });

  it("the signal methods validate their RP ID the same way", async () => {
    answers.set(RP_ID, wellKnown([RELATED]));
    await client.signal("signalUnknownCredential", { rpId: RP_ID, credentialId: "AAAA" }, { origin: RELATED });
    const error = await rejection(client.signal("signalUnknownCredential", { rpId: RP_ID, credentialId: "AAAA" }, { origin: "https://other.example.org" }));
    expect(error).toMatchObject({ name: "SecurityError", pageMessage: PageMessage.relatedOriginNoMatch });
  });
});

describe("the related origins validation procedure (section 5.11.1)", () => {
  it("matches origins exactly, port and scheme included, and skips what has no registrable label", () => {
    expect(relatedOriginsAllow("https://example.co.uk", ["https://example.co.uk"], 5)).toBe("match");
    expect(relatedOriginsAllow("https://example.co.uk", ["https://example.co.uk:8443", "http://example.co.uk"], 5)).toBe("noMatch");
    expect(relatedOriginsAllow("http://localhost:3000", ["http://localhost:3000"], 5)).toBe("noMatch");
    expect(relatedOriginsAllow("https://app.github.io", ["not a url", "https://app.github.io"], 5)).toBe("match");
  });
});
