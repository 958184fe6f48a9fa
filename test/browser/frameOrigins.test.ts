/**
 * The origin of every frame, as Chromium decides it, under attack. Each page is loaded twice in
 * one Chromium: in a tab with softkey attached, and in a tab with Chrome's own CDP virtual
 * authenticator; the same ceremony runs in the same frame of both, and softkey must answer what
 * Chrome answers (the DOMException, or clientDataJSON's origin, crossOrigin and topOrigin). Then
 * the attacks that go around the shim: a frame calls softkey's bindings itself, claiming the
 * relying party's origin, with and without a context token of its own. Hosts: the RP at
 * rp.localhost, an ad it embeds at ad.localhost, an attacker's page at evil.localhost (each its own
 * site, so their frames run in processes of their own), all on one loopback server.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import { attach, type SoftkeyAttachment } from "../../src/playwright/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { browserTitle, launchChromium, skipWithoutBrowser, type LaunchedChromium } from "./chromium.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type PageGlobals = any;

/** What a frame's ceremony came to: the DOMException name, or what clientDataJSON says. */
type Outcome = { ok: false; name: string } | { ok: true; type: string; origin: string; crossOrigin: boolean; topOrigin?: string };

let server: Server;
let port: number;
const url = (host: string, path: string) => `http://${host}.localhost:${port}${path}`;
const origin = (host: string) => `http://${host}.localhost:${port}`;

/** Pages: a button (for user activation), and one iframe with the given attributes. */
function startSite(): Promise<void> {
  const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  server = createServer((req, res) => {
    const target = new URL(req.url ?? "/", "http://x");
    const q = target.searchParams;
    let body = `<!doctype html><title>${escape(target.pathname)}</title><button id="go">go</button>`;
    if (target.pathname === "/ceremony") {
      // The page runs create() itself, on load (no user activation) or when its button is clicked (with it), and logs
      // what came of it: read from the console, since Playwright's evaluate() would give the frame an activation of its own.
      body += `<script>
        const run = async () => {
          const challenge = crypto.getRandomValues(new Uint8Array(16));
          try {
            const c = await navigator.credentials.create({ publicKey: { rp: { id: ${JSON.stringify(q.get("rp") ?? "")}, name: "x" },
              user: { id: crypto.getRandomValues(new Uint8Array(8)), name: "u", displayName: "u" }, challenge,
              pubKeyCredParams: [{ type: "public-key", alg: -7 }], authenticatorSelection: { userVerification: "discouraged" } } });
            const d = JSON.parse(new TextDecoder().decode(c.response.clientDataJSON));
            console.log("outcome " + JSON.stringify({ ok: true, type: d.type, origin: d.origin, crossOrigin: d.crossOrigin, ...(d.topOrigin ? { topOrigin: d.topOrigin } : {}) }));
          } catch (e) { console.log("outcome " + JSON.stringify({ ok: false, name: e.name })); }
        };
        ${q.get("when") === "click" ? `document.getElementById("go").onclick = run;` : "run();"}
      </script>`;
    }
    if (target.pathname === "/frame") {
      const attrs = ["src", "srcdoc", "allow", "sandbox"].filter((a) => q.has(a)).map((a) => ` ${a}="${escape(q.get(a)!)}"`);
      body += `<iframe id="f"${attrs.join("")}></iframe>`;
    } else if (target.pathname === "/blob-frame") {
      body += `<script>const f = document.createElement("iframe"); f.id = "f"; f.src = URL.createObjectURL(new Blob(["<button id=go>go</button>"], { type: "text/html" })); document.body.append(f);</script>`;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => ((port = (server.address() as AddressInfo).port), resolve())));
}

/** create() or get() in `frame`, with a discoverable credential of `rpId` (made beforehand for get). */
function ceremonyIn(frame: Frame, op: "create" | "get", rpId: string): Promise<Outcome> {
  return frame.evaluate(
    async ([op, rpId]) => {
      const w: PageGlobals = globalThis;
      const challenge = w.crypto.getRandomValues(new Uint8Array(16));
      try {
        const credential =
          op === "create"
            ? await w.navigator.credentials.create({
                publicKey: {
                  rp: { id: rpId, name: "x" },
                  user: { id: w.crypto.getRandomValues(new Uint8Array(8)), name: "u", displayName: "u" },
                  challenge,
                  pubKeyCredParams: [{ type: "public-key", alg: -7 }],
                  authenticatorSelection: { residentKey: "required", userVerification: "discouraged" },
                },
              })
            : await w.navigator.credentials.get({ publicKey: { rpId, challenge, userVerification: "discouraged" } });
        const clientData = JSON.parse(new TextDecoder().decode(credential.response.clientDataJSON));
        return { ok: true, type: clientData.type, origin: clientData.origin, crossOrigin: clientData.crossOrigin, ...(clientData.topOrigin ? { topOrigin: clientData.topOrigin } : {}) };
      } catch (error) {
        return { ok: false, name: (error as Error).name };
      }
    },
    [op, rpId] as const,
  ) as Promise<Outcome>;
}

/** The frame of `page` whose URL starts with `prefix` (or is exactly it), once it is there. */
async function frameOf(page: Page, match: (f: Frame) => boolean): Promise<Frame> {
  for (let i = 0; i < 100; i++) {
    const frame = page.frames().find((f) => f !== page.mainFrame() && match(f));
    if (frame) {
      await frame.waitForLoadState();
      return frame;
    }
    await page.waitForTimeout(50);
  }
  throw new Error(`no such frame in ${page.url()}: ${page.frames().map((f) => f.url()).join(", ")}`);
}

describe.skipIf(skipWithoutBrowser)(browserTitle("the origin of every frame, as Chromium decides it"), () => {
  let browser: LaunchedChromium;
  let dir: string;
  let softkey: Softkey;
  let key: SoftkeyAttachment;
  let withSoftkey: Page;
  let withChrome: Page;
  const events: string[] = [];

  beforeAll(async () => {
    await startSite();
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), "softkey-frames-"));
    softkey = await Softkey.init(join(dir, "store"), "frames", { scrypt: TEST_SCRYPT });
    withSoftkey = await browser.context.newPage();
    key = await attach(withSoftkey, { softkey });
    key.on("credentialCreated", (e) => events.push(`created ${e.origin} ${e.rpId}`));
    key.on("credentialAsserted", (e) => events.push(`asserted ${e.origin} ${e.rpId}`));
    withChrome = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(withChrome);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "usb", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    // Each tab holds a passkey for the RP and one for the ad, made in their own top-level pages.
    for (const page of [withSoftkey, withChrome]) {
      for (const host of ["rp", "ad"]) {
        await page.goto(url(host, "/blank"));
        expect(await ceremonyIn(page.mainFrame(), "create", `${host}.localhost`)).toMatchObject({ ok: true, crossOrigin: false });
      }
    }
    events.length = 0;
  }, 60_000);
  afterAll(async () => {
    await key?.detach();
    await browser?.close();
    await softkey?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Load `top` in both tabs, find the frame, prepare it, run the ceremony in it: softkey's outcome must be Chrome's. */
  async function sameAsChrome(
    top: string,
    match: (f: Frame) => boolean,
    op: "create" | "get",
    rpId: string,
    prepare: (page: Page, frame: Frame) => Promise<Frame> = async (_page, frame) => frame,
  ): Promise<Outcome> {
    const outcomes: Outcome[] = [];
    for (const page of [withChrome, withSoftkey]) {
      await page.goto(top);
      const frame = await prepare(page, await frameOf(page, match));
      outcomes.push(await ceremonyIn(frame, op, rpId));
    }
    expect(outcomes[1], `softkey vs Chrome in ${top}`).toEqual(outcomes[0]);
    return outcomes[1]!;
  }

  /** The ad frame navigates itself to about:blank (its document then has the ad's origin, not the RP's). */
  const toAboutBlank = async (page: Page, frame: Frame): Promise<Frame> => {
    await frame.evaluate(() => void ((globalThis as PageGlobals).location.href = "about:blank"));
    return frameOf(page, (f) => f.url() === "about:blank");
  };
  const adFrame = (f: Frame) => f.url().startsWith(origin("ad"));

  it("an ad's frame gone to about:blank in the RP's page: its document is the ad's, not delegated, so both refuse", async () => {
    const top = url("rp", `/frame?src=${encodeURIComponent(url("ad", "/blank"))}`);
    expect(await sameAsChrome(top, adFrame, "get", "ad.localhost", toAboutBlank)).toEqual({ ok: false, name: "NotAllowedError" });
    expect(await sameAsChrome(top, adFrame, "get", "rp.localhost", toAboutBlank)).toEqual({ ok: false, name: "NotAllowedError" });
    expect(await sameAsChrome(top, adFrame, "create", "rp.localhost", toAboutBlank)).toEqual({ ok: false, name: "NotAllowedError" });
  });

  it("the ad's way in: a same-origin popup it opened, scripting the about:blank document it left behind; both refuse", async () => {
    const outcomes: unknown[] = [];
    for (const page of [withChrome, withSoftkey]) {
      await page.goto(url("rp", `/frame?src=${encodeURIComponent(url("ad", "/blank"))}`));
      const ad = await frameOf(page, adFrame);
      const opened = page.waitForEvent("popup");
      await ad.evaluate((popupUrl) => void (globalThis as PageGlobals).open(popupUrl), url("ad", "/blank"));
      const popup = await opened;
      await popup.waitForLoadState();
      await toAboutBlank(page, ad);
      // The popup keeps a script running after its opener's frame navigated away, and calls into the about:blank document.
      outcomes.push(
        await popup.evaluate(async (rpOrigin) => {
          const w: PageGlobals = globalThis;
          const challenge = new Uint8Array(16);
          const viaApi = await w.opener.navigator.credentials.get({ publicKey: { rpId: "rp.localhost", challenge } }).then(
            () => "resolved",
            (error: Error) => error.name,
          );
          const binding = w.opener.__softkeyPlaywright;
          const viaBinding =
            typeof binding === "function"
              ? (await binding({ op: "get", id: "popup", origin: rpOrigin, options: { challenge: "AAAAAAAAAAAAAAAAAAAAAA", rpId: "rp.localhost" } })).name
              : "NotAllowedError"; // Chrome's tab has no binding: nothing to call
          return { viaApi, viaBinding };
        }, origin("rp")),
      );
      await popup.close();
    }
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[1]).toEqual({ viaApi: "NotAllowedError", viaBinding: "NotAllowedError" });
    expect(events).toEqual([]);
  });

  it("the same frame, delegated: about:blank signs in as the ad (crossOrigin, the RP as topOrigin), as in Chrome", async () => {
    const top = url("rp", `/frame?src=${encodeURIComponent(url("ad", "/blank"))}&allow=publickey-credentials-get`);
    expect(await sameAsChrome(top, adFrame, "get", "ad.localhost", toAboutBlank)).toEqual({
      ok: true,
      type: "webauthn.get",
      origin: origin("ad"),
      crossOrigin: true,
      topOrigin: origin("rp"),
    });
  });

  it("srcdoc takes its parent's origin: in the RP's page it is the RP; inside the ad's frame it is the ad, not delegated", async () => {
    expect(await sameAsChrome(url("rp", "/frame?srcdoc=%3Cp%3Es%3C/p%3E"), (f) => f.url() === "about:srcdoc", "get", "rp.localhost")).toEqual({
      ok: true,
      type: "webauthn.get",
      origin: origin("rp"),
      crossOrigin: false,
    });
    const nested = url("rp", `/frame?src=${encodeURIComponent(url("ad", "/frame?srcdoc=%3Cp%3Es%3C/p%3E"))}`);
    expect(await sameAsChrome(nested, (f) => f.url() === "about:srcdoc", "get", "ad.localhost")).toEqual({ ok: false, name: "NotAllowedError" });
  });

  it("a data: URL frame and a sandboxed frame of the RP's own page have opaque origins: both refuse, even delegated to *", async () => {
    // A data: document is not a secure context, so it has no navigator.credentials at all (the page's call is a TypeError).
    const data = url("rp", `/frame?src=${encodeURIComponent("data:text/html,<p>d</p>")}&allow=${encodeURIComponent("publickey-credentials-get *")}`);
    expect(await sameAsChrome(data, (f) => f.url().startsWith("data:"), "get", "rp.localhost")).toMatchObject({ ok: false });
    const sandboxed = url("rp", `/frame?src=/blank&sandbox=allow-scripts&allow=${encodeURIComponent("publickey-credentials-get *")}`);
    expect(await sameAsChrome(sandboxed, (f) => f.url().endsWith("/blank"), "get", "rp.localhost")).toMatchObject({ ok: false });
  });

  it("a blob: URL frame has its creator's origin: the RP's, same-origin", async () => {
    expect(await sameAsChrome(url("rp", "/blob-frame"), (f) => f.url().startsWith("blob:"), "get", "rp.localhost")).toEqual({
      ok: true,
      type: "webauthn.get",
      origin: origin("rp"),
      crossOrigin: false,
    });
  });

  it("an attacker's page framing the RP: refused without delegation; with it, crossOrigin and the attacker as topOrigin, as in Chrome", async () => {
    const rpFrame = (f: Frame) => f.url().startsWith(origin("rp"));
    const framing = (allow?: string) => url("evil", `/frame?src=${encodeURIComponent(url("rp", "/blank"))}${allow ? `&allow=${allow}` : ""}`);
    expect(await sameAsChrome(framing(), rpFrame, "get", "rp.localhost")).toEqual({ ok: false, name: "NotAllowedError" });
    expect(await sameAsChrome(framing("publickey-credentials-get"), rpFrame, "get", "rp.localhost")).toEqual({
      ok: true,
      type: "webauthn.get",
      origin: origin("rp"),
      crossOrigin: true,
      topOrigin: origin("evil"),
    });
  });

  it("create() in a delegated cross-origin frame needs user activation (WebAuthn L3 5.1.3), as in Chrome", async () => {
    const outcomes: Record<string, Outcome[]> = { load: [], click: [] };
    for (const when of ["load", "click"] as const) {
      const framed = url("rp", `/ceremony?rp=rp.localhost&when=${when}`);
      for (const page of [withChrome, withSoftkey]) {
        const logged = page.waitForEvent("console", { predicate: (m) => m.text().startsWith("outcome "), timeout: 10_000 });
        await page.goto(url("evil", `/frame?src=${encodeURIComponent(framed)}&allow=publickey-credentials-create`));
        if (when === "click") await (await frameOf(page, (f) => f.url().startsWith(origin("rp")))).click("#go");
        outcomes[when]!.push(JSON.parse((await logged).text().slice("outcome ".length)) as Outcome);
      }
      expect(outcomes[when]![1], `softkey vs Chrome, create on ${when}`).toEqual(outcomes[when]![0]);
    }
    expect(outcomes.load![1]).toEqual({ ok: false, name: "NotAllowedError" });
    expect(outcomes.click![1]).toEqual({ ok: true, type: "webauthn.create", origin: origin("rp"), crossOrigin: true, topOrigin: origin("evil") });
  });

  describe("calling softkey's bindings around the shim", () => {
    /**
     * From `frame`, call both bindings as an attacker would, claiming the RP's origin: Playwright's
     * (it has no context token: the CDP channel gives one only to the shim's resolver, which the page
     * cannot replace) and the CDP one (whose answers go to that resolver; only events can show them).
     */
    const attackFrom = (frame: Frame) =>
      frame.evaluate(async (rpOrigin) => {
        const w: PageGlobals = globalThis;
        const request = { op: "get", id: `attack-${Math.random()}`, origin: rpOrigin, options: { challenge: "AAAAAAAAAAAAAAAAAAAAAA", rpId: "rp.localhost", allowCredentials: [] } };
        if (typeof w.__softkeyPlaywrightCdp === "function") w.__softkeyPlaywrightCdp(JSON.stringify({ call: 424242, request }));
        return w.__softkeyPlaywright(request);
      }, origin("rp"));

    it("an ad's about:blank document, a data: frame and a sandboxed frame claiming the RP's origin get nothing", async () => {
      events.length = 0;
      const before = (await softkey.listCredentials()).credentials.map((c) => `${c.credentialId} ${c.signCount}`);
      {
        const cases: [string, (f: Frame) => boolean, ((page: Page, frame: Frame) => Promise<Frame>) | undefined][] = [
          [url("rp", `/frame?src=${encodeURIComponent(url("ad", "/blank"))}`), adFrame, toAboutBlank],
          [url("rp", `/frame?src=${encodeURIComponent("data:text/html,<p>d</p>")}`), (f) => f.url().startsWith("data:"), undefined],
          [url("rp", "/frame?src=/blank&sandbox=allow-scripts"), (f) => f.url().endsWith("/blank"), undefined],
        ];
        for (const [top, match, prepare] of cases) {
          await withSoftkey.goto(top);
          let frame = await frameOf(withSoftkey, match);
          if (prepare) frame = await prepare(withSoftkey, frame);
          expect(await attackFrom(frame), top).toMatchObject({ ok: false, name: "NotAllowedError" });
        }
        // The CDP binding's answers went to the shim; that nothing was signed shows in the store and the events.
        await withSoftkey.goto(url("rp", "/blank"));
        expect(events).toEqual([]);
        expect((await softkey.listCredentials()).credentials.map((c) => `${c.credentialId} ${c.signCount}`)).toEqual(before);
      }
    });
  });
});
