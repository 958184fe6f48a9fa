/**
 * `softkey serve --http` as a command: the token (file or SOFTKEY_TOKEN),
 * running beside --ctaphid on one store, 200 parallel assertions, --quiet,
 * signals and the one-line errors of a bad command line.
 */
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, symlink, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { assertBuilt, expectOneLineError, runCli } from "../cli/run.js";
import { HTTP_PASSPHRASE, initHttpStore, startHttpServe, stopAllHttpServes, type HttpServe } from "../helpers/httpService.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";

let tmp: string;
let counter = 0;

async function newStore(): Promise<string> {
  const store = path.join(tmp, `store-${++counter}`);
  await initHttpStore(store);
  return store;
}

const tokenPath = () => path.join(tmp, `token-${++counter}`);

function softkey(store: string, args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(["--store", store, ...args], { env: { SOFTKEY_PASSPHRASE: HTTP_PASSPHRASE, ...env } });
}

async function register(serve: HttpServe) {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName: "alice", supportedAlgorithmIDs: [-7] });
  const answer = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options } });
  expect(answer.status, answer.text).toBe(201);
  const verification = await verifyRegistrationResponse({ response: answer.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID });
  const { id, publicKey, counter: signCount } = verification.registrationInfo!.credential;
  return { id, publicKey, counter: signCount };
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-http-cmd-"));
});

afterEach(async () => {
  await stopAllHttpServes();
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey serve --http", () => {
  it("answers 200 parallel assertions for one credential with distinct counters in the order it completes them, and the store stays consistent", async () => {
    const store = await newStore();
    const serve = await startHttpServe(store, { tokenFile: tokenPath() });
    const credential = await register(serve);
    type Options = Awaited<ReturnType<typeof generateAuthenticationOptions>>;
    let completedMax = 0;
    /** One assertion; also checks that it comes after every assertion the client had seen complete before sending it. */
    const assertOnce = async () => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
      const seenBefore = completedMax;
      const answer = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options } });
      expect(answer.status, answer.text).toBe(200);
      const counter = Buffer.from(answer.body.response.authenticatorData, "base64url").readUInt32BE(33);
      expect(counter).toBeGreaterThan(seenBefore);
      completedMax = Math.max(completedMax, counter);
      return { counter, options, response: answer.body };
    };

    // 200 at once: each gets its own counter, 1..200, none twice, none lost.
    const burst: { counter: number; options: Options; response: unknown }[] = await Promise.all(Array.from({ length: 200 }, assertOnce));
    expect(burst.map((a) => a.counter).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // The RP sees them in counter order, each above the last: every one verifies.
    let last = 0;
    for (const { options, response } of [...burst].sort((a, b) => a.counter - b.counter)) {
      const verification = await verifyAuthenticationResponse({
        response: response as never,
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential: { ...credential, counter: last },
        requireUserVerification: false,
      });
      expect(verification.verified).toBe(true);
      last = verification.authenticationInfo.newCounter;
    }

    // 16 clients, 200 more: each request is sent after others completed, and its counter is above
    // every counter the client had already received (assertOnce checks it), so counters follow completion.
    const pooled: number[] = [];
    let left = 200;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (left-- > 0) pooled.push((await assertOnce()).counter);
      }),
    );
    expect(new Set(pooled).size).toBe(200);
    expect(Math.min(...pooled)).toBe(201);
    expect(Math.max(...pooled)).toBe(400);

    const listed = await serve.call("GET", "/v1/credentials");
    expect(listed.body.credentials).toEqual([expect.objectContaining({ credentialId: credential.id, signCount: 400 })]);
    expect(await serve.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    // Reopened by another process: nothing corrupt, the exact counter.
    const list = await softkey(store, ["list", "--json"]);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ credentials: [expect.objectContaining({ credentialId: credential.id, signCount: 400 })], corrupted: [] });
  });

  it("writes the token to an owner-only file, stops cleanly on SIGTERM and removes it", async () => {
    const store = await newStore();
    const file = tokenPath();
    const serve = await startHttpServe(store, { tokenFile: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect((await serve.call("GET", "/v1/info")).status).toBe(200);
    expect(await serve.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(serve.stderr().trimEnd().split("\n").slice(-2)).toEqual(["serve: SIGTERM: stopping", "serve: stopped"]);
    expect(existsSync(file)).toBe(false);
    // A second run gets a different token.
    const again = await startHttpServe(store, { tokenFile: file });
    expect(again.token).not.toBe(serve.token);
    expect((await again.call("GET", "/v1/info", { token: serve.token })).status).toBe(401);
    expect(await again.stop("SIGINT")).toEqual({ code: 0, signal: null });
  });

  it("replaces a token file a killed server left behind, and refuses any other file there", async () => {
    const store = await newStore();
    const file = tokenPath();
    const killed = await startHttpServe(store, { tokenFile: file });
    killed.child.kill("SIGKILL");
    await killed.exited;
    expect(existsSync(file)).toBe(true);
    const next = await startHttpServe(store, { tokenFile: file });
    expect(next.token).not.toBe(killed.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await next.stop();

    const foreign = tokenPath();
    await writeFile(foreign, "do not overwrite me\n", { mode: 0o600 });
    const refused = await softkey(store, ["serve", "--http", "127.0.0.1:0", "--token-file", foreign]);
    expect(refused.code).toBe(12);
    expectOneLineError(refused, /--token-file: .* already exists; refusing to overwrite it/);
    expect(await readFile(foreign, "utf8")).toBe("do not overwrite me\n");
    // A token-shaped file that others may read is not one softkey wrote either.
    const readable = tokenPath();
    await writeFile(readable, `${"A".repeat(43)}\n`);
    await chmod(readable, 0o644);
    expect((await softkey(store, ["serve", "--http", "127.0.0.1:0", "--token-file", readable])).code).toBe(12);
    // Nor a symbolic link.
    const link = tokenPath();
    await symlink(foreign, link);
    expect((await softkey(store, ["serve", "--http", "127.0.0.1:0", "--token-file", link])).code).toBe(12);
    expect(await readFile(foreign, "utf8")).toBe("do not overwrite me\n");
  });

  it("takes SOFTKEY_TOKEN when set (and writes it to --token-file if one is given)", async () => {
    const store = await newStore();
    const token = "ci-secret-token-0123456789";
    const serve = await startHttpServe(store, { args: ["--http", "127.0.0.1:0"], env: { SOFTKEY_TOKEN: token } });
    expect((await serve.call("GET", "/v1/info")).status).toBe(200);
    expect((await serve.call("GET", "/v1/info", { token: "ci-secret-token-012345678" })).status).toBe(401);
    await serve.stop();
    const file = tokenPath();
    const both = await startHttpServe(store, { args: ["--http", "127.0.0.1:0", "--token-file", file], env: { SOFTKEY_TOKEN: token } });
    expect(await readFile(file, "utf8")).toBe(`${token}\n`);
    expect((await both.call("GET", "/v1/info")).status).toBe(200);
    await both.stop();
  });

  it("refuses to start without a known token, with a bad SOFTKEY_TOKEN or a bad address: exit 2, one line", async () => {
    const store = await newStore();
    const none = await softkey(store, ["serve", "--http", "127.0.0.1:0"]);
    expect(none.code).toBe(2);
    expectOneLineError(none, /--http needs a known token: give --token-file FILE .* or set SOFTKEY_TOKEN/);
    const short = await softkey(store, ["serve", "--http", "127.0.0.1:0"], { SOFTKEY_TOKEN: "short" });
    expect(short.code).toBe(2);
    expectOneLineError(short, /SOFTKEY_TOKEN must be at least 16 characters/);
    const spaced = await softkey(store, ["serve", "--http", "127.0.0.1:0"], { SOFTKEY_TOKEN: "has a space in it, sadly" });
    expect(spaced.code).toBe(2);
    const address = await softkey(store, ["serve", "--http", "http://127.0.0.1:0", "--token-file", tokenPath()]);
    expect(address.code).toBe(2);
    expectOneLineError(address, /--http: invalid HTTP address/);
    const orphan = await softkey(store, ["serve", "--ctaphid", "tcp:0", "--token-file", tokenPath()]);
    expect(orphan.code).toBe(2);
    expectOneLineError(orphan, /--token-file is for --http/);
  });

  it("fails with exit 12 and one line when the address is taken, leaving no token file", async () => {
    const store = await newStore();
    const first = await startHttpServe(store, { tokenFile: tokenPath() });
    const file = tokenPath();
    const taken = first.listening[0]!.slice("http:".length);
    const second = await softkey(await newStore(), ["serve", "--http", taken, "--token-file", file]);
    expect(second.code).toBe(12);
    expectOneLineError(second, /cannot serve HTTP on .*(EADDRINUSE|address already in use)/);
    expect(existsSync(file)).toBe(false);
  });

  it("runs beside --ctaphid over one store; --quiet silences the request log", async () => {
    const store = await newStore();
    const serve = await startHttpServe(store, {
      tokenFile: path.join(tmp, "token-beside"),
      args: ["--ctaphid", "tcp:127.0.0.1:0", "--http", "127.0.0.1:0", "--token-file", path.join(tmp, "token-beside"), "--quiet"],
    });
    expect(serve.listening).toEqual([expect.stringMatching(/^tcp:127\.0\.0\.1:\d+$/), expect.stringMatching(/^http:127\.0\.0\.1:\d+$/)]);
    const credential = await register(serve);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
    expect((await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options } })).status).toBe(200);
    expect(await serve.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(serve.stderr()).toBe("");
  });

  it("warns (even with --quiet) when told to listen beyond loopback", async () => {
    const store = await newStore();
    const file = tokenPath();
    const serve = await startHttpServe(store, { tokenFile: file, args: ["--http", "0.0.0.0:0", "--token-file", file, "--quiet"] });
    expect(serve.listening).toEqual([expect.stringMatching(/^http:0\.0\.0\.0:\d+$/)]);
    expect(serve.stderr()).toBe("http: warning: 0.0.0.0 is not a loopback address; anyone who reaches it with the token can use this authenticator\n");
    await serve.stop();
  });

  it("a stop while a ceremony waits ends it cleanly", async () => {
    const store = await newStore();
    const file = tokenPath();
    const serve = await startHttpServe(store, { tokenFile: file });
    const credential = await register(serve);
    // Fire a burst and stop in the middle of it: every request gets an answer or a closed connection, and the process exits 0.
    const burst = Array.from({ length: 50 }, async () => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
      return serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options } }).then(
        (answer) => answer.status,
        () => "closed",
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const exit = serve.stop("SIGTERM");
    const statuses = await Promise.all(burst);
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(statuses.every((s) => s === 200 || s === 503 || s === "closed")).toBe(true);
    const list = await softkey(store, ["list", "--json"]);
    expect(JSON.parse(list.stdout).corrupted).toEqual([]);
  });
});
