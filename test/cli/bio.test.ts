/**
 * `softkey bio` with the built binary: the CTAP commands' refusals as one
 * line and a documented exit code, and the whole cycle through --json.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, expectOneLineError, runCli } from "./run.js";

let tmp: string;
const env = { SOFTKEY_PASSPHRASE: "bio cli" };

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-bio-cli-"));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function store(name: string, profile: string): Promise<string[]> {
  const dir = path.join(tmp, name);
  const init = await runCli(["--store", dir, "init", "--kdf-cost", "10", "--profile", profile], { env });
  expect(init.code, init.stderr).toBe(0);
  return ["--store", dir];
}

describe("softkey bio", () => {
  it("enroll, list, rename, remove with --json; the finger's name then verifies with --uv finger:NAME", async () => {
    const s = await store("cycle", "softkey-bio");
    expect((await runCli([...s, "pin", "set"], { env: { ...env, SOFTKEY_NEW_PIN: "3141" } })).code).toBe(0);
    // The PIN rides in the environment: softkey refuses secrets in argv.
    const withPin = { env: { ...env, SOFTKEY_PIN: "3141" } };
    const enrolled = await runCli([...s, "--enroll-samples", "fp-too-slow", "bio", "enroll", "--name", "thumb", "--json"], withPin);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const { id, samples } = JSON.parse(enrolled.stdout) as { id: string; samples: string[] };
    expect(samples).toEqual(["CTAP2_ENROLL_FEEDBACK_FP_TOO_SLOW", ...new Array(5).fill("CTAP2_ENROLL_FEEDBACK_FP_GOOD")]);
    expect(JSON.parse((await runCli([...s, "bio", "list", "--json"], withPin)).stdout)).toEqual({ templates: [{ id, name: "thumb" }] });
    // Without a PIN, an enrolled finger opens the session (uvBioEnroll).
    expect((await runCli([...s, "bio", "list"], { env })).stdout).toBe(`${id}  thumb\n`);
    expect(JSON.parse((await runCli([...s, "bio", "rename", id, "index", "--json"], withPin)).stdout)).toEqual({ templates: [{ id, name: "index" }] });
    const pending = await runCli([...s, "--uv", "finger:thumb", "bio", "list"], { env });
    expect(pending.code).toBe(7); // thumb is now called index: no enrolled finger matches, and no PIN was given
    expect(JSON.parse((await runCli([...s, "bio", "remove", id, "--json"], withPin)).stdout)).toEqual({ templates: [] });
  });

  it("refuses as the key does: no sensor, an unknown template, a bad ID, a wrong PIN, a bad --uv", async () => {
    const plain = await store("plain", "softkey-roaming");
    expectOneLineError(await runCli([...plain, "bio", "list"], { env }), /NotSupportedError: this authenticator has no fingerprint sensor/);
    expect((await runCli([...plain, "bio", "list"], { env })).code).toBe(7);

    const s = await store("errors", "softkey-bio");
    expect((await runCli([...s, "pin", "set"], { env: { ...env, SOFTKEY_NEW_PIN: "3141" } })).code).toBe(0);
    const unknown = await runCli([...s, "bio", "rename", "abcd", "x"], { env: { ...env, SOFTKEY_PIN: "3141" } });
    expect(unknown.code).toBe(7);
    expectOneLineError(unknown, /CTAP2_ERR_INVALID_OPTION/);
    const badId = await runCli([...s, "bio", "remove", "not-hex"], { env: { ...env, SOFTKEY_PIN: "3141" } });
    expect(badId.code).toBe(3);
    expectOneLineError(badId, /a template ID is hex/);
    const wrongPin = await runCli([...s, "bio", "list"], { env: { ...env, SOFTKEY_PIN: "0000" } });
    expect(wrongPin.code).toBe(7);
    // No finger enrolled and no PIN: built-in UV cannot open the session yet.
    expectOneLineError(await runCli([...s, "bio", "list"], { env }), /a PIN is needed/);
    const badUv = await runCli([...s, "--uv", "thumb", "bio", "list"], { env });
    expect(badUv.code).toBe(2);
    expectOneLineError(badUv, /unknown built-in UV mode "thumb"/);
    expect((await runCli([...s, "--enroll-samples", "fp-sideways", "bio", "list"], { env })).code).toBe(2);
  });
});
