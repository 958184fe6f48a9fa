/**
 * A small relying party for the browser tests: node:http, its server side
 * generating options and verifying responses with @simplewebauthn/server,
 * and one HTML page whose script does what a site's login page does: fetch
 * options, PublicKeyCredential.parseCreationOptionsFromJSON(), call
 * navigator.credentials.create()/get(), post the credential back.
 *
 * Registration posts `credential.toJSON()`; sign-in encodes the credential
 * by hand from its getters (rawId, response.authenticatorData, ...) as
 * older client libraries do, so both ways of reading a credential are proven.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from "@simplewebauthn/server";

export interface RelyingPartyOptions {
  /** The host the page is served as, e.g. "localhost", "127.0.0.1", "frame.localhost". Default "localhost". */
  host?: string;
  /** The RP ID its options name; default the host. */
  rpID?: string;
  /** Origins accepted in clientDataJSON; default the RP's own. */
  expectedOrigins?: string[];
}

export interface StoredUser {
  id: string;
  name: string;
  credentials: WebAuthnCredential[];
}

/** What a self-driving page (/auto) reported: its URL, its ceremony's outcome, and whether WebAuthn in it was the browser's own, as it loaded and as it ran the ceremony. */
export interface AutoReport {
  url: string;
  ceremony: "register" | "login";
  result: { ok: boolean; verified?: boolean; username?: string; credentialId?: string; counter?: number; name?: string; message?: string };
  nativeAtLoad: boolean;
  nativeWebAuthn: boolean;
}

export interface RelyingParty {
  origin: string;
  port: number;
  rpID: string;
  users: Map<string, StoredUser>;
  /**
   * Self-driving pages, for a browser the test cannot drive: `/auto?ceremony=register&user=NAME`
   * or `/auto?ceremony=login` (username-less), with `&open=PATH` to open PATH in a new tab
   * afterwards. Each waits until `start()`, runs its ceremony on load and posts what happened.
   */
  auto: { start(): void; reports: AutoReport[]; waitForReports(count: number, timeoutMs?: number): Promise<AutoReport[]> };
  reset(): void;
  close(): Promise<void>;
}

export async function startRelyingParty(options: RelyingPartyOptions = {}): Promise<RelyingParty> {
  const host = options.host ?? "localhost";
  const users = new Map<string, StoredUser>();
  const challenges = new Map<string, { kind: "registration" | "authentication"; username?: string; userId?: string; requireUV: boolean }>();
  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => send(res, 400, { error: error instanceof Error ? error.message : String(error) }));
  });
  // Chromium resolves localhost and *.localhost to loopback itself.
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;
  const rpID = options.rpID ?? host;
  const expectedOrigin = () => options.expectedOrigins ?? [origin];
  const reports: AutoReport[] = [];
  let started!: () => void;
  const start = new Promise<void>((resolve) => (started = resolve));

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", origin);
    if (req.method === "GET" && url.pathname === "/") return sendHtml(res, PAGE);
    if (req.method === "GET" && url.pathname === "/simplewebauthn") return sendHtml(res, SIMPLEWEBAUTHN_PAGE);
    if (req.method === "GET" && url.pathname === "/simplewebauthn-browser.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
      return void res.end(simpleWebAuthnBrowser());
    }
    if (req.method === "GET" && url.pathname === "/embed") {
      const src = url.searchParams.get("src") ?? "";
      const allow = url.searchParams.get("allow");
      return sendHtml(res, `<!doctype html><title>embed</title><iframe id="frame" src="${escapeHtml(src)}"${allow === null ? "" : ` allow="${escapeHtml(allow)}"`}></iframe>`);
    }
    if (req.method === "GET" && url.pathname === "/auto") return sendHtml(res, PAGE.replace("</body>", `${AUTO_SCRIPT}</body>`));
    if (req.method === "GET" && url.pathname === "/auto/start") return start.then(() => send(res, 200, {}));
    if (req.method !== "POST") return send(res, 404, { error: "not found" });
    const body = (await readJson(req)) as Record<string, unknown>;
    switch (url.pathname) {
      case "/auto/report":
        reports.push(body as unknown as AutoReport);
        return send(res, 200, {});
      case "/register/options": {
        const username = String(body.username);
        const user = users.get(username);
        const userVerification = (body.userVerification as "required" | "preferred" | "discouraged" | undefined) ?? "preferred";
        const created = await generateRegistrationOptions({
          rpName: "Browser test RP",
          rpID,
          userName: username,
          ...(user ? { userID: Buffer.from(user.id, "base64url") } : {}),
          attestationType: (body.attestation as "direct" | "none" | undefined) ?? "direct",
          supportedAlgorithmIDs: [-7, -8, -257],
          excludeCredentials: body.excludeExisting && user ? user.credentials.map((c) => ({ id: c.id, transports: c.transports })) : [],
          authenticatorSelection: { residentKey: (body.residentKey as "required" | "discouraged" | undefined) ?? "required", userVerification },
          ...(body.extensions ? { extensions: body.extensions as Record<string, unknown> } : {}),
        });
        challenges.set(created.challenge, { kind: "registration", username, userId: created.user.id, requireUV: userVerification === "required" });
        return send(res, 200, created);
      }
      case "/register/verify": {
        const response = body.response as RegistrationResponseJSON;
        const challenge = challengeOf(response.response.clientDataJSON);
        const pending = challenges.get(challenge);
        if (!pending || pending.kind !== "registration") throw new Error("unknown registration challenge");
        challenges.delete(challenge);
        const verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: expectedOrigin(),
          expectedRPID: rpID,
          requireUserVerification: pending.requireUV,
          supportedAlgorithmIDs: [-7, -8, -257],
        });
        if (!verification.verified) throw new Error("registration not verified");
        const info = verification.registrationInfo;
        const username = pending.username!;
        const user = users.get(username) ?? { id: pending.userId!, name: username, credentials: [] };
        user.credentials.push(info.credential);
        users.set(username, user);
        return send(res, 200, {
          verified: true,
          credentialId: info.credential.id,
          fmt: info.fmt,
          userVerified: info.userVerified,
          origin: info.origin,
        });
      }
      case "/login/options": {
        const username = body.username === undefined ? undefined : String(body.username);
        const user = username === undefined ? undefined : users.get(username);
        if (username !== undefined && !user) throw new Error(`no user ${username}`);
        const userVerification = (body.userVerification as "required" | "preferred" | "discouraged" | undefined) ?? "preferred";
        const created = await generateAuthenticationOptions({
          rpID,
          userVerification,
          allowCredentials: user ? user.credentials.map((c) => ({ id: c.id, transports: c.transports })) : [],
          ...(body.extensions ? { extensions: body.extensions as Record<string, unknown> } : {}),
        });
        challenges.set(created.challenge, { kind: "authentication", requireUV: userVerification === "required" });
        return send(res, 200, created);
      }
      case "/login/verify": {
        const response = body.response as AuthenticationResponseJSON;
        const challenge = challengeOf(response.response.clientDataJSON);
        const pending = challenges.get(challenge);
        if (!pending || pending.kind !== "authentication") throw new Error("unknown authentication challenge");
        challenges.delete(challenge);
        const found = [...users.values()].flatMap((u) => u.credentials.map((c) => ({ user: u, credential: c }))).find((x) => x.credential.id === response.id);
        if (!found) throw new Error(`unknown credential ${response.id}`);
        if (response.response.userHandle !== undefined && response.response.userHandle !== found.user.id) {
          throw new Error("the user handle does not belong to the credential's user");
        }
        const verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: expectedOrigin(),
          expectedRPID: rpID,
          credential: found.credential,
          requireUserVerification: pending.requireUV,
        });
        if (!verification.verified) throw new Error("authentication not verified");
        found.credential.counter = verification.authenticationInfo.newCounter;
        return send(res, 200, {
          verified: true,
          username: found.user.name,
          counter: verification.authenticationInfo.newCounter,
          userVerified: verification.authenticationInfo.userVerified,
          origin: verification.authenticationInfo.origin,
        });
      }
      default:
        return send(res, 404, { error: "not found" });
    }
  }

  return {
    origin,
    port,
    rpID,
    users,
    auto: {
      start: () => started(),
      reports,
      async waitForReports(count, timeoutMs = 30_000) {
        for (let waited = 0; reports.length < count; waited += 50) {
          if (waited >= timeoutMs) throw new Error(`${reports.length} of ${count} self-driving pages reported within ${timeoutMs} ms: ${JSON.stringify(reports)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return reports.slice(0, count);
      },
    },
    reset() {
      users.clear();
      challenges.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function challengeOf(clientDataJSON: string): string {
  return (JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { challenge: string }).challenge;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, html: string): void {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The RP's login page. `window.rp.register()` / `window.rp.login()` return and show what happened. */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>softkey browser test RP</title></head>
<body>
  <label>Username <input id="username" name="username" autocomplete="username webauthn"></label>
  <button id="register">Register</button>
  <button id="login">Sign in</button>
  <pre id="status"></pre>
<script>
  const $ = (id) => document.getElementById(id);
  const b64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  async function post(path, body) {
    const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = await response.json();
    if (!response.ok) throw Object.assign(new Error(json.error), { name: "ServerError" });
    return json;
  }
  function report(result) {
    $("status").textContent = JSON.stringify(result);
    return result;
  }
  function failure(error) {
    return { ok: false, name: error.name, message: error.message, isDOMException: error instanceof DOMException };
  }
  function describeExtensions(results) {
    const out = {};
    for (const [name, value] of Object.entries(results)) {
      out[name] = JSON.parse(JSON.stringify(value, (k, v) => (v instanceof ArrayBuffer ? { arrayBuffer: b64url(v) } : v)));
    }
    return out;
  }
  window.rp = {
    async register(username, opts = {}) {
      try {
        const { signal, ...serverOptions } = opts;
        const options = await post("/register/options", { username, ...serverOptions });
        const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
        const credential = await navigator.credentials.create({ publicKey, signal });
        const verified = await post("/register/verify", { response: credential.toJSON() });
        return report({ ok: true, ...verified, extensions: describeExtensions(credential.getClientExtensionResults()) });
      } catch (error) {
        return report(failure(error));
      }
    },
    async login(username, opts = {}) {
      try {
        const { signal, mediation, ...serverOptions } = opts;
        const options = await post("/login/options", { username, ...serverOptions });
        const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
        const credential = await navigator.credentials.get({ publicKey, signal, mediation });
        const r = credential.response;
        const response = {
          id: credential.id,
          rawId: b64url(credential.rawId),
          type: credential.type,
          authenticatorAttachment: credential.authenticatorAttachment,
          clientExtensionResults: {},
          response: {
            clientDataJSON: b64url(r.clientDataJSON),
            authenticatorData: b64url(r.authenticatorData),
            signature: b64url(r.signature),
            ...(r.userHandle ? { userHandle: b64url(r.userHandle) } : {}),
          },
        };
        const verified = await post("/login/verify", { response });
        return report({ ok: true, ...verified, extensions: describeExtensions(credential.getClientExtensionResults()) });
      } catch (error) {
        return report(failure(error));
      }
    },
  };
  $("register").addEventListener("click", () => rp.register($("username").value));
  $("login").addEventListener("click", () => rp.login($("username").value || undefined));
</script>
</body>
</html>`;

/** The self-driving part of /auto: wait for the test's start, run the ceremony, report, open the next page. */
const AUTO_SCRIPT = `<script>
  (async () => {
    const auto = new URLSearchParams(location.search);
    const ceremony = auto.get("ceremony");
    const native = () => /\\[native code\\]/.test(Function.prototype.toString.call(navigator.credentials.create));
    const nativeAtLoad = native();
    await fetch("/auto/start");
    const nativeWebAuthn = native();
    const result = ceremony === "register" ? await rp.register(auto.get("user")) : await rp.login();
    await post("/auto/report", { url: location.href, ceremony, result, nativeAtLoad, nativeWebAuthn });
    if (auto.get("open")) window.open(auto.get("open"));
  })();
</script>
`;

/** @simplewebauthn/browser's own browser build (a UMD bundle defining SimpleWebAuthnBrowser), as a site serves it. */
function simpleWebAuthnBrowser(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("@simplewebauthn/browser"); // .../script/index.js
  return readFileSync(new URL("../dist/bundle/index.umd.min.js", `file://${main}`), "utf8");
}

/**
 * A login page written the way sites use @simplewebauthn/browser: `startRegistration()` and
 * `startAuthentication()` with the server's options JSON, their result posted back as it is.
 * `window.swa.register(username)` / `window.swa.login(username?)` return what happened.
 */
const SIMPLEWEBAUTHN_PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>softkey @simplewebauthn/browser RP</title><script src="/simplewebauthn-browser.js"></script></head>
<body>
<script>
  const { startRegistration, startAuthentication, browserSupportsWebAuthn } = SimpleWebAuthnBrowser;
  async function post(path, body) {
    const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = await response.json();
    if (!response.ok) throw Object.assign(new Error(json.error), { name: "ServerError" });
    return json;
  }
  const failure = (error) => ({ ok: false, name: error.name, message: error.message, code: error.code });
  window.swa = {
    supported: () => browserSupportsWebAuthn(),
    async register(username) {
      try {
        const optionsJSON = await post("/register/options", { username });
        const response = await startRegistration({ optionsJSON });
        return { ok: true, ...(await post("/register/verify", { response })) };
      } catch (error) {
        return failure(error);
      }
    },
    async login(username) {
      try {
        const optionsJSON = await post("/login/options", { username });
        const response = await startAuthentication({ optionsJSON });
        return { ok: true, ...(await post("/login/verify", { response })) };
      } catch (error) {
        return failure(error);
      }
    },
  };
</script>
</body>
</html>`;
