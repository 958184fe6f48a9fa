/**
 * Related origin requests (WebAuthn L3 section 5.11) seen from a page in
 * Chromium: a page on https://shop.example.co.uk registers and signs in
 * under the RP ID example.com because example.com's well-known file lists
 * it, and gets Chrome's SecurityError once the file no longer does. The page
 * is served over https (a self-signed certificate Chromium is told to
 * accept, the name mapped to loopback) because related origins need an
 * origin under a real public suffix; the well-known file comes through the
 * client's injected fetcher (test/webauthn/relatedOrigins.test.ts fetches it
 * from a real server).
 */
import { webcrypto } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadX509 } from "../../src/crypto/x509.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { PageMessage, WebAuthnClient, type WellKnownFetcher } from "../../src/client/index.js";
import { attach, type SoftkeyAttachment } from "../../src/playwright/index.js";
import { Softkey } from "../../src/softkey.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "./chromium.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PageGlobals = any;

const HOST = "shop.example.co.uk";
const RP_ID = "example.com";

async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const x509 = await loadX509();
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${HOST}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
    signingAlgorithm: algorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: HOST }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)).toString("base64");
  return { key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join("\n")}\n-----END PRIVATE KEY-----\n`, cert: certificate.toString("pem") };
}

describe.skipIf(skipWithoutBrowser)(browserTitle("related origin requests in a Chromium page"), () => {
  let server: Server;
  let origin: string;
  let browser: LaunchedChromium;
  let dir: string;
  let softkey: Softkey;
  let key: SoftkeyAttachment;
  /** What https://example.com/.well-known/webauthn lists. */
  let listed: string[] = [];

  beforeAll(async () => {
    server = createServer(await selfSignedCertificate(), (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>shop</title>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `https://${HOST}:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium({ args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`], ignoreHTTPSErrors: true });
    dir = mkdtempSync(join(tmpdir(), "softkey-related-"));
    softkey = await Softkey.init(join(dir, "store"), "related", { scrypt: TEST_SCRYPT });
    const fetcher: WellKnownFetcher = async (url) => {
      expect(url).toBe(`https://${RP_ID}/.well-known/webauthn`);
      return new Response(JSON.stringify({ origins: listed }), { headers: { "content-type": "application/json" } });
    };
    const client = new WebAuthnClient(softkey.clientDevice, { ...softkey.asAuthenticator(), relatedOrigins: { fetch: fetcher } });
    key = await attach(browser.context, { softkey, client });
  });
  afterAll(async () => {
    await key?.detach();
    await browser?.close();
    await softkey?.close();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function ceremony(kind: "create" | "get", options: unknown) {
    return browser.context.pages()[0]!.evaluate(
      async ([kind, options]) => {
        const w: PageGlobals = globalThis;
        try {
          const publicKey = kind === "create" ? w.PublicKeyCredential.parseCreationOptionsFromJSON(options) : w.PublicKeyCredential.parseRequestOptionsFromJSON(options);
          return { ok: true, secure: w.isSecureContext, json: (await w.navigator.credentials[kind]({ publicKey })).toJSON() };
        } catch (error) {
          return { ok: false, name: (error as Error).name, message: (error as Error).message };
        }
      },
      [kind, options] as const,
    );
  }

  it("a listed origin registers and signs in under the RP ID; unlisted, the page gets Chrome's SecurityError", async () => {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${origin}/`);
    listed = ["https://example.de", origin];
    const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName: "alice", authenticatorSelection: { residentKey: "discouraged", userVerification: "discouraged" } });
    const created = await ceremony("create", options);
    expect(created).toMatchObject({ ok: true, secure: true });
    const registration = await verifyRegistrationResponse({ response: created.json, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: RP_ID, requireUserVerification: false });
    expect(registration.verified).toBe(true);
    const request = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: created.json.id }], userVerification: "discouraged" });
    const asserted = await ceremony("get", request);
    expect(asserted.ok).toBe(true);
    const authentication = await verifyAuthenticationResponse({
      response: asserted.json,
      expectedChallenge: request.challenge,
      expectedOrigin: origin,
      expectedRPID: RP_ID,
      credential: registration.registrationInfo!.credential,
      requireUserVerification: false,
    });
    expect(authentication.verified).toBe(true);

    listed = ["https://example.de"];
    const refused = await ceremony("get", await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: created.json.id }] }));
    expect(refused).toEqual({ ok: false, name: "SecurityError", message: PageMessage.relatedOriginNoMatch });
  });
});
