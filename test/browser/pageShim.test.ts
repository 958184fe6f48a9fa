/**
 * What a page sees of softkey/playwright in Chromium: objects that pass the
 * page's own instanceof checks and read like the browser's, the
 * PublicKeyCredential statics, errors as the DOMExceptions a browser
 * throws, the origin decided by Node (a page cannot claim another), and
 * cross-origin iframes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import { attach, type SoftkeyAttachment } from "../../src/playwright/index.js";
import { PageMessage } from "../../src/client/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "./chromium.js";
import { startRelyingParty, type RelyingParty } from "./relyingParty.js";

/**
 * The page's globals, as the in-page callbacks below use them: each starts with `const w: PageGlobals = globalThis`
 * (they are serialised into the page, so they cannot close over anything here; the tests compile without the DOM lib).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PageGlobals = any;

const challenge = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

describe.skipIf(skipWithoutBrowser)(browserTitle("the page side of softkey/playwright in Chromium"), () => {
  let browser: LaunchedChromium;
  let rp: RelyingParty;
  let framed: RelyingParty;
  /** localhost on another port: another origin, but the same site, so its frames share the embedder's renderer. */
  let sameSite: RelyingParty;
  let dir: string;
  let softkey: Softkey;
  let key: SoftkeyAttachment;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    rp = await startRelyingParty();
    framed = await startRelyingParty({ host: "frame.localhost" });
    sameSite = await startRelyingParty();
    dir = mkdtempSync(join(tmpdir(), "softkey-shim-"));
    softkey = await Softkey.init(join(dir, "store"), "shim test", { scrypt: TEST_SCRYPT });
    // A page already open before attach() gets the shim too.
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(rp.origin);
    key = await attach(browser.context, { softkey });
  });
  afterAll(async () => {
    await key?.detach();
    await browser?.close();
    await rp?.close();
    await framed?.close();
    await sameSite?.close();
    await softkey?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("returns a PublicKeyCredential the page's own checks accept, with the browser's getters and toJSON()", async () => {
    const result = await page.evaluate(async (challenge) => {
      const w: PageGlobals = globalThis;
      const credential = await w.navigator.credentials.create({
        publicKey: {
          rp: { name: "Shim test" },
          user: { id: new Uint8Array([7, 7, 7]), name: "alice", displayName: "Alice" },
          challenge: new Uint8Array(challenge),
          pubKeyCredParams: [{ type: "public-key", alg: -7 }],
          authenticatorSelection: { residentKey: "required" },
          extensions: { credProps: true },
        },
      });
      const r = credential.response;
      const json = credential.toJSON();
      const clientData = JSON.parse(new TextDecoder().decode(r.clientDataJSON));
      const assertion = await w.navigator.credentials.get({ publicKey: { challenge: new Uint8Array(challenge), allowCredentials: [{ type: "public-key", id: credential.rawId }] } });
      const a = assertion.response;
      return {
        isPublicKeyCredential: credential instanceof w.PublicKeyCredential,
        isCredential: credential instanceof w.Credential,
        isAttestationResponse: r instanceof w.AuthenticatorAttestationResponse,
        isAuthenticatorResponse: r instanceof w.AuthenticatorResponse,
        tag: Object.prototype.toString.call(credential),
        type: credential.type,
        idMatchesRawId: json.rawId === json.id && credential.rawId instanceof ArrayBuffer && credential.rawId.byteLength > 0,
        sameRawId: credential.rawId === credential.rawId,
        attachment: credential.authenticatorAttachment,
        clientDataIsBuffer: r.clientDataJSON instanceof ArrayBuffer,
        clientData,
        attestationObjectIsBuffer: r.attestationObject instanceof ArrayBuffer,
        authenticatorDataLength: r.getAuthenticatorData().byteLength,
        publicKeyLength: r.getPublicKey().byteLength,
        algorithm: r.getPublicKeyAlgorithm(),
        transports: r.getTransports(),
        extensions: credential.getClientExtensionResults(),
        ownKeys: Object.keys(credential),
        stringified: JSON.parse(JSON.stringify(credential)),
        json,
        assertion: {
          isPublicKeyCredential: assertion instanceof w.PublicKeyCredential,
          isAssertionResponse: a instanceof w.AuthenticatorAssertionResponse,
          buffers: [a.clientDataJSON, a.authenticatorData, a.signature, a.userHandle].every((b) => b instanceof ArrayBuffer),
          userHandle: Array.from(new Uint8Array(a.userHandle)),
          json: assertion.toJSON(),
        },
      };
    }, challenge);
    expect(result).toMatchObject({
      isPublicKeyCredential: true,
      isCredential: true,
      isAttestationResponse: true,
      isAuthenticatorResponse: true,
      tag: "[object PublicKeyCredential]",
      type: "public-key",
      idMatchesRawId: true,
      sameRawId: true,
      attachment: "cross-platform",
      clientDataIsBuffer: true,
      clientData: { type: "webauthn.create", origin: rp.origin, crossOrigin: false },
      attestationObjectIsBuffer: true,
      publicKeyLength: 91,
      algorithm: -7,
      transports: ["usb"],
      extensions: { credProps: { rk: true } },
      ownKeys: [],
      assertion: { isPublicKeyCredential: true, isAssertionResponse: true, buffers: true, userHandle: [7, 7, 7] },
    });
    expect(result.authenticatorDataLength).toBeGreaterThan(37);
    expect(result.stringified).toEqual(result.json);
    expect(result.json).toMatchObject({ type: "public-key", response: { publicKeyAlgorithm: -7, transports: ["usb"] }, clientExtensionResults: { credProps: { rk: true } } });
    expect(result.assertion.json).toMatchObject({ id: result.json.id, response: { userHandle: "BwcH" } });
  });

  it("answers the PublicKeyCredential statics and parses options from JSON", async () => {
    const result = await page.evaluate(async () => {
      const w: PageGlobals = globalThis;
      const PKC = w.PublicKeyCredential;
      const parsed = PKC.parseRequestOptionsFromJSON({
        challenge: "AQID",
        allowCredentials: [{ type: "public-key", id: "BAUG" }],
        extensions: { prf: { eval: { first: "CAkK" } } },
      });
      let encodingError;
      try {
        PKC.parseCreationOptionsFromJSON({ rp: { name: "x" }, user: { id: "a+b", name: "u", displayName: "u" }, challenge: "AA", pubKeyCredParams: [] });
      } catch (error) {
        encodingError = { name: (error as Error).name, isDOMException: error instanceof w.DOMException };
      }
      return {
        uvpaa: await PKC.isUserVerifyingPlatformAuthenticatorAvailable(),
        conditional: await PKC.isConditionalMediationAvailable(),
        capabilities: await PKC.getClientCapabilities(),
        challenge: Array.from(new Uint8Array(parsed.challenge)),
        allowId: parsed.allowCredentials[0].id instanceof ArrayBuffer,
        prfFirst: Array.from(new Uint8Array(parsed.extensions.prf.eval.first)),
        encodingError,
      };
    });
    expect(result).toMatchObject({
      uvpaa: false,
      conditional: true,
      capabilities: { conditionalGet: true, conditionalCreate: false, "extension:prf": true, "extension:largeBlob": true },
      challenge: [1, 2, 3],
      allowId: true,
      prfFirst: [8, 9, 10],
      encodingError: { name: "EncodingError", isDOMException: true },
    });
  });

  it("rejects as a browser does: TypeError for bad options, the signal's reason when already aborted", async () => {
    const result = await page.evaluate(async () => {
      const w: PageGlobals = globalThis;
      const outcome = (promise: Promise<unknown>) =>
        promise.then(
          () => "resolved",
          (error: Error) => `${error instanceof w.DOMException ? "DOMException" : error.constructor.name}:${error.name}`,
        );
      const aborted = new AbortController();
      aborted.abort();
      return {
        noChallenge: await outcome(w.navigator.credentials.get({ publicKey: {} })),
        stringChallenge: await outcome(w.navigator.credentials.get({ publicKey: { challenge: "AQID" } })),
        aborted: await outcome(w.navigator.credentials.get({ publicKey: { challenge: new Uint8Array(16) }, signal: aborted.signal })),
        noCredential: await outcome(w.navigator.credentials.get({ publicKey: { challenge: new Uint8Array(16), rpId: "localhost", allowCredentials: [{ type: "public-key", id: new Uint8Array(16) }] } })),
      };
    });
    expect(result).toEqual({
      noChallenge: "TypeError:TypeError",
      stringChallenge: "TypeError:TypeError",
      aborted: "DOMException:AbortError",
      noCredential: "DOMException:NotAllowedError",
    });
  });

  it("leaves other credential types to the browser", async () => {
    const result = await page.evaluate(async () => {
      const w: PageGlobals = globalThis;
      const credential = await w.navigator.credentials.create({ password: { id: "alice", password: "hunter2" } });
      return { isPassword: credential instanceof w.PasswordCredential, id: credential.id };
    });
    expect(result).toEqual({ isPassword: true, id: "alice" });
  });

  it("takes the origin from the browser, not from the page: a page calling the binding with another origin is refused", async () => {
    const fake = await browser.context.newPage();
    try {
      await fake.goto(`http://127.0.0.1:${rp.port}/`);
      const response = await fake.evaluate(
        ([origin, challenge]) =>
          (globalThis as PageGlobals).__softkeyPlaywright({
            op: "create",
            id: "spoof",
            origin,
            options: {
              rp: { id: "localhost", name: "x" },
              user: { id: "AQ", name: "x", displayName: "x" },
              challenge,
              pubKeyCredParams: [{ type: "public-key", alg: -7 }],
            },
          }),
        [rp.origin, Buffer.from(challenge).toString("base64url")] as const,
      );
      // In Chromium the binding serves only calls that carry the context token the CDP channel gave the calling
      // document; the page reads Chrome's generic message, as for every refusal.
      expect(response).toMatchObject({ ok: false, name: "NotAllowedError", message: PageMessage.notAllowed });
    } finally {
      await fake.close();
    }
  });

  it("runs in a cross-origin iframe that is allowed to, with crossOrigin and topOrigin in clientDataJSON", async () => {
    const allow = "publickey-credentials-create; publickey-credentials-get";
    const clientData = async (allowAttribute: string | null) => {
      const url = new URL("/embed", rp.origin);
      url.searchParams.set("src", framed.origin);
      if (allowAttribute !== null) url.searchParams.set("allow", allowAttribute);
      const top = await browser.context.newPage();
      try {
        await top.goto(url.toString());
        const frame = top.frames().find((f) => f.url().startsWith(framed.origin));
        if (!frame) throw new Error("the iframe did not load");
        await frame.waitForFunction(() => (globalThis as PageGlobals).rp !== undefined);
        return await frame.evaluate(async (challenge) => {
          const w: PageGlobals = globalThis;
          try {
            const credential = await w.navigator.credentials.create({
              publicKey: {
                rp: { name: "Framed" },
                user: { id: new Uint8Array([1]), name: "f", displayName: "f" },
                challenge: new Uint8Array(challenge),
                pubKeyCredParams: [{ type: "public-key", alg: -7 }],
              },
            });
            return JSON.parse(new TextDecoder().decode(credential.response.clientDataJSON));
          } catch (error) {
            // A framed page that skips the shim and calls the binding itself is refused by Node as well.
            const direct = await w.__softkeyPlaywright({
              op: "create",
              id: "direct",
              origin: w.origin,
              options: { rp: { name: "x" }, user: { id: "AQ", name: "f", displayName: "f" }, challenge: "AQIDBAUGBwgJCgsMDQ4PEA", pubKeyCredParams: [{ type: "public-key", alg: -7 }] },
            });
            return { error: (error as Error).name, direct: direct.name };
          }
        }, challenge);
      } finally {
        await top.close();
      }
    };
    expect(await clientData(allow)).toEqual({
      type: "webauthn.create",
      challenge: Buffer.from(challenge).toString("base64url"),
      origin: framed.origin,
      crossOrigin: true,
      topOrigin: rp.origin,
    });
    // Without the permissions policy delegation the browser refuses, and so does softkey.
    expect(await clientData(null)).toEqual({ error: "NotAllowedError", direct: "NotAllowedError" });
  });

  describe("Chromium's CDP channel", () => {
    /** A page opened after attach() gets its CDP session a few round trips later; until then its calls take the binding. */
    const fastChannelReady = (p: Page) => p.waitForFunction(() => typeof (globalThis as PageGlobals).__softkeyPlaywrightCdp === "function");

    /** Runs create() then get() in `p`'s top-level document, counting the calls that went through Playwright's binding. */
    const ceremoniesCountingBindingCalls = (p: Page) =>
      p.evaluate(async (challenge) => {
        const w: PageGlobals = globalThis;
        const binding = w.__softkeyPlaywright;
        let calls = 0;
        w.__softkeyPlaywright = (request: unknown) => {
          calls++;
          return binding(request);
        };
        try {
          const created = await w.navigator.credentials.create({
            publicKey: { rp: { name: "Fast" }, user: { id: new Uint8Array([9]), name: "fast", displayName: "Fast" }, challenge: new Uint8Array(challenge), pubKeyCredParams: [{ type: "public-key", alg: -7 }] },
          });
          const asserted = await w.navigator.credentials.get({ publicKey: { challenge: new Uint8Array(challenge), allowCredentials: [{ type: "public-key", id: created.rawId }] } });
          const origin = JSON.parse(new TextDecoder().decode(asserted.response.clientDataJSON)).origin;
          return { origin, bindingCalls: calls, fastBinding: typeof w.__softkeyPlaywrightCdp };
        } finally {
          w.__softkeyPlaywright = binding;
        }
      }, challenge);

    it("carries a top-level document's ceremonies, also after a cross-site navigation of the same tab", async () => {
      const tab = await browser.context.newPage();
      try {
        await tab.goto(rp.origin);
        await fastChannelReady(tab);
        expect(await ceremoniesCountingBindingCalls(tab)).toEqual({ origin: rp.origin, bindingCalls: 0, fastBinding: "function" });
        // Another site: Chromium swaps renderer processes; the page's CDP session follows.
        await tab.goto(`http://127.0.0.1:${sameSite.port}/`);
        await tab.goto(sameSite.origin);
        expect(await ceremoniesCountingBindingCalls(tab)).toEqual({ origin: sameSite.origin, bindingCalls: 0, fastBinding: "function" });
      } finally {
        await tab.close();
      }
    });

    it("refuses a page that calls the CDP binding itself while claiming another origin", async () => {
      const fake = await browser.context.newPage();
      try {
        await fake.goto(`http://127.0.0.1:${rp.port}/`);
        await fastChannelReady(fake);
        const failed = key.waitForEvent("ceremonyFailed", { predicate: (e) => e.page === fake, timeout: 5000 });
        await fake.evaluate(
          ([origin, challenge]) =>
            (globalThis as PageGlobals).__softkeyPlaywrightCdp(
              JSON.stringify({
                call: 1,
                request: {
                  op: "create",
                  id: "spoof",
                  origin,
                  options: { rp: { id: "localhost", name: "x" }, user: { id: "AQ", name: "x", displayName: "x" }, challenge, pubKeyCredParams: [{ type: "public-key", alg: -7 }] },
                },
              }),
            ),
          [rp.origin, Buffer.from(challenge).toString("base64url")] as const,
        );
        const event = await failed;
        expect(event).toMatchObject({ ceremony: "create", name: "NotAllowedError", origin: `http://127.0.0.1:${rp.port}`, message: PageMessage.notAllowed });
        expect(event.reason).toContain("127.0.0.1");
      } finally {
        await fake.close();
      }
    });

    it("does not serve frames: a same-process cross-origin iframe calling the CDP binding itself is sent back to the Playwright binding's rules", async () => {
      const url = new URL("/embed", rp.origin);
      url.searchParams.set("src", sameSite.origin); // no allow attribute: the frame may not use WebAuthn
      const top = await browser.context.newPage();
      const before = (await softkey.listCredentials()).credentials.length;
      const events: string[] = [];
      const onCreated = () => events.push("created");
      key.on("credentialCreated", onCreated);
      try {
        await top.goto(url.toString());
        await fastChannelReady(top);
        const frame = top.frames().find((f) => f.url().startsWith(sameSite.origin));
        if (!frame) throw new Error("the iframe did not load");
        await frame.waitForFunction(() => (globalThis as PageGlobals).rp !== undefined);
        const seen = await frame.evaluate((challenge) => {
          const w: PageGlobals = globalThis;
          if (typeof w.__softkeyPlaywrightCdp !== "function") return "no CDP binding in this frame";
          w.__softkeyPlaywrightCdp(
            JSON.stringify({
              call: 1,
              request: {
                op: "create",
                id: "framed",
                origin: w.origin,
                options: { rp: { name: "x" }, user: { id: "AQ", name: "f", displayName: "f" }, challenge, pubKeyCredParams: [{ type: "public-key", alg: -7 }] },
              },
            }),
          );
          return "called";
        }, Buffer.from(challenge).toString("base64url"));
        expect(seen).toBe("called"); // the frame shares the page's renderer, so it does see the binding
        // The same session answers in order: once the top document's own call is back, the frame's was answered.
        const outcome = await top.evaluate(async () => {
          const w: PageGlobals = globalThis;
          return w.navigator.credentials
            .get({ publicKey: { challenge: new Uint8Array(16), rpId: "localhost", allowCredentials: [{ type: "public-key", id: new Uint8Array(16) }] } })
            .then(() => "resolved", (error: Error) => error.name);
        });
        expect(outcome).toBe("NotAllowedError");
        expect(events).toEqual([]);
        expect((await softkey.listCredentials()).credentials).toHaveLength(before);
        // Through the shim the frame gets the Playwright binding's answer: not delegated, NotAllowedError.
        const viaShim = await frame.evaluate(async (challenge) => {
          const w: PageGlobals = globalThis;
          const publicKey = { rp: { name: "x" }, user: { id: new Uint8Array([1]), name: "f", displayName: "f" }, challenge: new Uint8Array(challenge), pubKeyCredParams: [{ type: "public-key", alg: -7 }] };
          return w.navigator.credentials.create({ publicKey }).then(() => "resolved", (error: Error) => error.name);
        }, challenge);
        expect(viaShim).toBe("NotAllowedError");
      } finally {
        key.off("credentialCreated", onCreated);
        await top.close();
      }
    });
  });
});
