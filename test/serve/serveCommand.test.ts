/**
 * `softkey serve` end to end: the built binary, a real store, CTAP requests
 * over its sockets, its JSON line and log, its signals and exit codes, and a
 * store that stays consistent when the server is killed with SIGKILL.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import { CtaphidCommand } from "../../src/ctaphid/packets.js";
import { UHID_PATH, UHID_UNAVAILABLE } from "../../src/serve/uhid.js";
import { assertBuilt, expectOneLineError, runCli } from "../cli/run.js";
import { concat, getAssertionParams, parseAuthData, parseResponse } from "../helpers/ctap.js";
import { connectCtaphid, initStore, PASSPHRASE, portOf, startServe, stopAllServes } from "../helpers/serveProcess.js";
import { spawnServe } from "../helpers/serveChild.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";

let tmp: string;
let counter = 0;

async function newStore(): Promise<string> {
  const store = path.join(tmp, `store-${++counter}`);
  await initStore(store);
  return store;
}

function softkey(store: string, args: string[], env: Record<string, string | undefined> = { SOFTKEY_PASSPHRASE: PASSPHRASE }) {
  return runCli(["--store", store, ...args], { env });
}

/** Register a credential with `softkey create`, checked by @simplewebauthn/server. */
async function register(store: string): Promise<WebAuthnCredential> {
  const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName: "alice", attestationType: "direct" });
  const file = path.join(tmp, `reg-${counter}.json`);
  await writeFile(file, JSON.stringify(options));
  const result = await softkey(store, ["create", "--origin", ORIGIN, "--options", file]);
  expect(result.code, result.stderr).toBe(0);
  const verification = await verifyRegistrationResponse({
    response: JSON.parse(result.stdout),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
  });
  expect(verification.verified).toBe(true);
  const { id, publicKey, counter: signCount } = verification.registrationInfo!.credential;
  return { id, publicKey, counter: signCount };
}

/** Sign in with `softkey get` and verify as the RP would; returns the new counter. */
async function signInWithCli(store: string, credential: WebAuthnCredential): Promise<number> {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }] });
  const file = path.join(tmp, `auth-${counter}.json`);
  await writeFile(file, JSON.stringify(options));
  const result = await softkey(store, ["get", "--origin", ORIGIN, "--options", file]);
  expect(result.code, result.stderr).toBe(0);
  const verification = await verifyAuthenticationResponse({
    response: JSON.parse(result.stdout),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: false,
  });
  expect(verification.verified).toBe(true);
  return verification.authenticationInfo.newCounter;
}

/** authenticatorGetAssertion over CTAPHID on `address`; returns the counters of `times` assertions. */
async function assertOverSocket(address: string, credentialId: string, times: number): Promise<number[]> {
  const { client, close } = await connectCtaphid(address);
  try {
    const cid = await client.allocateChannel();
    const counters: number[] = [];
    for (let i = 0; i < times; i++) {
      const request = concat(Uint8Array.of(0x02), encodeCanonical(getAssertionParams({ rpId: RP_ID, allowList: [Buffer.from(credentialId, "base64url")] })));
      const answer = await client.call(cid, CtaphidCommand.CTAPHID_CBOR, request);
      expect(answer.cmd).toBe(CtaphidCommand.CTAPHID_CBOR);
      const { status, body } = parseResponse(answer.payload);
      expect(status).toBe(0);
      counters.push(parseAuthData(body!.get(2) as Uint8Array).signCount);
    }
    return counters;
  } finally {
    close();
  }
}

async function listed(store: string): Promise<{ credentials: { credentialId: string; signCount: number }[]; corrupted: string[] }> {
  const result = await softkey(store, ["list", "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-serve-test-"));
});

afterEach(async () => {
  await stopAllServes();
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey serve", () => {
  it("prints one JSON line with the real addresses, logs each CTAP command, and stops cleanly on SIGTERM", async () => {
    const store = await newStore();
    const credential = await register(store);
    const socket = path.join(tmp, "serve.sock");
    const serve = await startServe(store, ["--ctaphid", "tcp:0", "--ctaphid", `unix:${socket}`, "--ctaphid", "udp:127.0.0.1:0"]);
    expect(serve.stdout()).toMatch(/^\{"listening":\[.*\]\}\n$/);
    expect(serve.listening).toEqual([expect.stringMatching(/^tcp:127\.0\.0\.1:\d+$/), `unix:${socket}`, expect.stringMatching(/^udp:127\.0\.0\.1:\d+$/)]);
    expect(portOf(serve.listening[0]!)).toBeGreaterThan(0);

    const overTcp = await assertOverSocket(serve.listening[0]!, credential.id, 2);
    const overUnix = await assertOverSocket(`unix:${socket}`, credential.id, 1);
    expect([...overTcp, ...overUnix]).toEqual([1, 2, 3]);
    // An unknown command is logged with its status too.
    const { client, close } = await connectCtaphid(`unix:${socket}`);
    const cid = await client.allocateChannel();
    expect((await client.call(cid, CtaphidCommand.CTAPHID_CBOR, Uint8Array.of(0x44))).payload).toEqual(Uint8Array.of(0x01));
    close();

    expect(await serve.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    const lines = serve.stderr().trimEnd().split("\n");
    expect(lines).toContain(`ctaphid: listening on ${serve.listening[0]}`);
    expect(lines.filter((line) => line === "ctap2 authenticatorGetAssertion example.com -> CTAP2_OK")).toHaveLength(3);
    expect(lines).toContain("ctap2 command 0x44 -> CTAP1_ERR_INVALID_COMMAND");
    expect(lines.slice(-2)).toEqual(["serve: SIGTERM: stopping", "serve: stopped"]);
    expect(serve.stdout().split("\n").filter(Boolean)).toHaveLength(1);
    expect(existsSync(socket)).toBe(false);
    // A clean stop records the exact counter.
    const { credentials } = await listed(store);
    expect(credentials.find((c) => c.credentialId === credential.id)!.signCount).toBe(3);
  });

  it("turns core dumps off before the store opens (RLIMIT_CORE 0, soft and hard, though started unlimited) and runs with umask 077", async () => {
    const store = await newStore();
    const serve = await spawnServe(store, ["--ctaphid", "tcp:127.0.0.1:0"], { SOFTKEY_PASSPHRASE: PASSPHRASE }, { coreFileSize: "unlimited" });
    try {
      const limits = readFileSync(`/proc/${serve.child.pid}/limits`, "utf8");
      expect(/^Max core file size\s+(\S+)\s+(\S+)/m.exec(limits)?.slice(1)).toEqual(["0", "0"]);
      expect(serve.stderr()).not.toContain("core dumps not disabled");
      // And it runs with umask 077 (bin/softkey.js): whatever LevelDB creates while it serves is 0600 from the start.
      expect(/^Umask:\s+(\d+)/m.exec(readFileSync(`/proc/${serve.child.pid}/status`, "utf8"))?.[1]).toBe("0077");
    } finally {
      await serve.stop();
    }
  });

  it("says so, even with --quiet, when it cannot turn core dumps off (no prlimit on the PATH)", async () => {
    const store = await newStore();
    const serve = await spawnServe(store, ["--ctaphid", "tcp:127.0.0.1:0", "--quiet"], { SOFTKEY_PASSPHRASE: PASSPHRASE, PATH: "/nonexistent" });
    try {
      expect(serve.stderr()).toContain("serve: warning: core dumps not disabled (prlimit (util-linux) is not installed); a crash could write the keys in memory to disk: start it under `ulimit -c 0`");
    } finally {
      await serve.stop();
    }
  });

  it("--quiet logs nothing; SIGINT stops it with exit 0", async () => {
    const store = await newStore();
    const credential = await register(store);
    const serve = await startServe(store, ["--ctaphid", "tcp:127.0.0.1:0", "--quiet"]);
    expect(await assertOverSocket(serve.listening[0]!, credential.id, 1)).toEqual([1]);
    expect(await serve.stop("SIGINT")).toEqual({ code: 0, signal: null });
    expect(serve.stderr()).toBe("");
  });

  it("leaves a consistent store when killed with SIGKILL: it opens again and the counter never goes back", async () => {
    const store = await newStore();
    const credential = await register(store);
    const serve = await startServe(store);
    const counters = await assertOverSocket(serve.listening[0]!, credential.id, 5);
    expect(counters).toEqual([1, 2, 3, 4, 5]);
    serve.child.kill("SIGKILL");
    expect(await serve.exited).toEqual({ code: null, signal: "SIGKILL" });

    // The store opens (no lock left behind), nothing failed its integrity check.
    const after = await listed(store);
    expect(after.corrupted).toEqual([]);
    expect(after.credentials.find((c) => c.credentialId === credential.id)!.signCount).toBeGreaterThanOrEqual(5);
    // Sign in through the CLI: the RP, which last saw 5, accepts the new counter.
    const next = await signInWithCli(store, { ...credential, counter: 5 });
    expect(next).toBeGreaterThan(5);
    // And a new server on the same store carries on above it.
    const again = await startServe(store);
    const [resumed] = await assertOverSocket(again.listening[0]!, credential.id, 1);
    expect(resumed).toBeGreaterThan(next);
    expect(await again.stop()).toEqual({ code: 0, signal: null });
  });

  it("--uhid where /dev/uhid is missing: one line, exit 12, before asking for a passphrase", async () => {
    if (existsSync(UHID_PATH)) return; // this machine has uhid: nothing to check here
    const store = await newStore();
    const result = await softkey(store, ["serve", "--uhid"], {});
    expect(result.code).toBe(12);
    expectOneLineError(result);
    expect(result.stderr).toBe(`softkey: ${UHID_UNAVAILABLE}\n`);
    const asSpec = await softkey(store, ["serve", "--ctaphid", "tcp:0", "--ctaphid", "uhid"], {});
    expect(asSpec.code).toBe(12);
    expect(asSpec.stderr).toBe(`softkey: ${UHID_UNAVAILABLE}\n`);
  });

  it("refuses a bad command line with exit 2 and one line", async () => {
    const store = await newStore();
    const none = await softkey(store, ["serve"]);
    expect(none.code).toBe(2);
    expectOneLineError(none, /nothing to serve/);
    const bad = await softkey(store, ["serve", "--ctaphid", "http:80"]);
    expect(bad.code).toBe(2);
    expectOneLineError(bad, /invalid CTAPHID address "http:80"/);
    const port = await softkey(store, ["serve", "--ctaphid", "tcp:70000"]);
    expect(port.code).toBe(2);
    expectOneLineError(port, /port must be 0\.\.65535/);
  });

  it("fails with exit 12 when an address is taken, and with exit 5 when the store is in use", async () => {
    const first = await startServe(await newStore());
    const taken = first.listening[0]!;
    const other = await softkey(await newStore(), ["serve", "--ctaphid", "tcp:127.0.0.1:0", "--ctaphid", taken]);
    expect(other.code).toBe(12);
    expectOneLineError(other, new RegExp(`^softkey: cannot serve ${taken.replace(/\./g, "\\.")}: .*(EADDRINUSE|address already in use)`));

    const store = await newStore();
    const running = await startServe(store);
    const second = await softkey(store, ["serve", "--ctaphid", "tcp:127.0.0.1:0"]);
    expect(second.code).toBe(5);
    expectOneLineError(second);
    expect(await running.stop()).toEqual({ code: 0, signal: null });
  });

  it("needs a store (exit 6) and a terminal for --presence prompt (exit 10)", async () => {
    const missing = await softkey(path.join(tmp, "no-such-store"), ["serve", "--ctaphid", "tcp:0"]);
    expect(missing.code).toBe(6);
    expectOneLineError(missing);
    const prompt = await softkey(await newStore(), ["--presence", "prompt", "serve", "--ctaphid", "tcp:0"]);
    expect(prompt.code).toBe(10);
    expectOneLineError(prompt);
  });

  it("is listed in --help with its exit code", async () => {
    const help = await runCli(["--help"]);
    expect(help.stdout).toContain("serve");
    expect(help.stdout).toMatch(/12\s+softkey serve: a host could not start/);
    const serveHelp = await runCli(["serve", "--help"]);
    expect(serveHelp.stdout).toContain("--ctaphid <spec>");
    expect(serveHelp.stdout).toContain('{"listening":');
  });
});
