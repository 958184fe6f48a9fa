/**
 * `softkey fault set` while `softkey serve` runs: the real binary reaches serve's control socket,
 * the fault is stored, and serve's very next answer shows it (no restart). Before, the command
 * failed with "in use by another process".
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from "@simplewebauthn/server";
import { assertBuilt, expectOneLineError, runCli } from "../cli/run.js";
import { HTTP_PASSPHRASE, initHttpStore, startHttpServe, stopAllHttpServes, type HttpServe } from "../helpers/httpService.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";
const tmp = mkdtempSync(path.join(tmpdir(), "softkey-serve-faults-"));
const runtime = path.join(tmp, "run");
const store = path.join(tmp, "store");
/** Another process of the same user: no passphrase, serve holds the store unlocked. */
const otherProcess = { SOFTKEY_STORE: store, XDG_RUNTIME_DIR: runtime };

beforeAll(async () => {
  assertBuilt();
  mkdirSync(runtime, { mode: 0o700 });
  await initHttpStore(store);
});
afterEach(async () => stopAllHttpServes());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function assertion(serve: HttpServe, id: string) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id }] });
  const answer = await serve.call("POST", "/v1/assertions", { json: { origin: ORIGIN, options } });
  expect(answer.status, answer.text).toBe(200);
  return { options, response: answer.body, up: Buffer.from(answer.body.response.authenticatorData as string, "base64url")[32]! & 1 };
}

describe("softkey fault set beside a running serve", () => {
  it("is stored and applied to serve's next response at once", async () => {
    const serve = await startHttpServe(store, { tokenFile: path.join(tmp, "token"), env: { XDG_RUNTIME_DIR: runtime } });
    const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName: "alice", supportedAlgorithmIDs: [-7] });
    const created = await serve.call("POST", "/v1/registrations", { json: { origin: ORIGIN, options } });
    expect(created.status, created.text).toBe(201);
    const { credential } = (await verifyRegistrationResponse({ response: created.body, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID })).registrationInfo!;
    expect((await assertion(serve, credential.id)).up).toBe(1);

    const set = await runCli(["fault", "set", "isBadUP", "on"], { env: otherProcess });
    expect(set, set.stderr).toEqual({ code: 0, stdout: "isBadUP on\n", stderr: "" });

    // The next answer has UP clear, and a relying party refuses it for that.
    const faulted = await assertion(serve, credential.id);
    expect(faulted.up).toBe(0);
    await expect(
      verifyAuthenticationResponse({ response: faulted.response, expectedChallenge: faulted.options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential }),
    ).rejects.toThrow(/user not present/i);

    // serve runs fault only: anything else still finds the store in use; agent stop does not stop serve.
    const list = await runCli(["list"], { env: { ...otherProcess, SOFTKEY_PASSPHRASE: HTTP_PASSPHRASE } });
    expect(list.code).toBe(5);
    const stop = await runCli(["agent", "stop"], { env: otherProcess });
    expect(stop.code).toBe(13);
    expectOneLineError(stop, /softkey serve's: stop serve with SIGINT or SIGTERM/);

    expect((await runCli(["fault", "set", "isBadUP", "off"], { env: otherProcess })).code).toBe(0);
    expect((await assertion(serve, credential.id)).up).toBe(1);
    await runCli(["fault", "set", "isBogusSignature", "on"], { env: otherProcess });
    expect(await serve.stop()).toEqual({ code: 0, signal: null });

    // Stored: the store opened afresh has it.
    const stored = await runCli(["fault", "list", "--json"], { env: { ...otherProcess, SOFTKEY_PASSPHRASE: HTTP_PASSPHRASE } });
    expect(stored.code, stored.stderr).toBe(0);
    expect(JSON.parse(stored.stdout)).toMatchObject({ isBadUP: false, isBogusSignature: true });
  }, 60_000);
});
