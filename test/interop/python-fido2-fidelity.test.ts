/**
 * The fidelity rules of issue 10 through a real CTAP client: python-fido2
 * 0.9.1's raw Ctap2, ClientPin, Config and Ctap1 drive the real `softkey
 * serve` (test/interop/fido2/fidelity.py), with the user played by --presence
 * and --uv as a test suite would play it. What the store holds afterwards is
 * read back with the real CLI. The byte-level versions of these rules are in
 * test/authenticator (userPresence, alwaysUv, pinUvAuthToken).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runCli } from "../cli/run.js";
import { initStore, PASSPHRASE, startServe, stopAllServes, type ServeProcess } from "../helpers/serveProcess.js";
import { detectPythonFido2, IN_CI, runPythonScript } from "./pythonFido2.js";

const peer = detectPythonFido2();
const MISSING = !peer.available;
const INSTALL_HINT = "install it with `apt-get install -y python3-fido2` (run with /usr/bin/python3)";
if (MISSING && !IN_CI) console.warn(`\n*** SKIPPED: python-fido2 fidelity tests: python3-fido2 missing (${peer.reason}); ${INSTALL_HINT} ***\n`);
const interop = it.skipIf(MISSING && !IN_CI);

function requirePeer(): void {
  if (MISSING) throw new Error(`python3-fido2 is required when CI=true but is missing: ${peer.reason}; ${INSTALL_HINT}`);
}

let tmp: string;
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-fidelity-"));
});
afterEach(() => stopAllServes());
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A new store; `serve(env)` starts `softkey serve` on it with that user (SOFTKEY_PRESENCE, SOFTKEY_UV, ...). */
async function freshStore(init: string[] = []): Promise<{ store: string; serve(env?: Record<string, string>): Promise<ServeProcess> }> {
  requirePeer();
  const store = await mkdtemp(path.join(tmp, "store-"));
  await initStore(store, init);
  return { store, serve: (env = {}) => startServe(store, ["--ctaphid", "tcp:127.0.0.1:0"], env) };
}

const scenario = <T = Record<string, unknown>>(serve: ServeProcess, name: string, ...args: string[]) => runPythonScript<T>("fidelity.py", [serve.listening[0]!, name, ...args], 120_000);

/** What the store holds, as the CLI reads it: credentials with their counters, and the PIN state. */
async function storeContents(store: string): Promise<unknown> {
  const cli = async (args: string[]) => {
    const result = await runCli(["--store", store, ...args], { env: { SOFTKEY_PASSPHRASE: PASSPHRASE } });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as unknown;
  };
  return { credentials: await cli(["list", "--json"]), pin: await cli(["pin", "status", "--json"]) };
}

const TITLE = !MISSING
  ? `python-fido2 ${peer.version} against softkey serve: issue 10's rules`
  : IN_CI
    ? "python-fido2 fidelity (FAILING: python3-fido2 missing, required when CI=true)"
    : "python-fido2 fidelity (SKIPPED: python3-fido2 missing)";

describe(TITLE, () => {
  interop("--presence deny, 100 rounds: OPERATION_DENIED every time; uvRetries and the store stay as they were", { timeout: 120_000 }, async () => {
    const { store, serve } = await freshStore();
    const touching = await serve();
    const { discoverable } = await scenario<{ discoverable: string }>(touching, "register");
    await touching.stop();
    const before = await storeContents(store);
    expect(before).toMatchObject({ pin: { uvRetries: 8 } });

    const refusing = await serve({ SOFTKEY_PRESENCE: "deny" });
    const result = await scenario(refusing, "deny", discoverable, "100");
    expect(result).toEqual({
      statuses: {
        "getAssertion uv": { OPERATION_DENIED: 100 },
        "uv token": { OPERATION_DENIED: 100 },
        "getAssertion up": { OPERATION_DENIED: 100 },
        makeCredential: { OPERATION_DENIED: 100 },
      },
      uvRetries: 8,
    });
    expect((await refusing.stop()).code).toBe(0);
    expect(await storeContents(store)).toEqual(before);

    // The next user touches and is verified at once: nothing was blocked.
    const touchingAgain = await serve();
    expect(await scenario(touchingAgain, "empty-allow-list")).toEqual({ found: true, userId: expect.any(String) });
  });

  interop("--presence timeout: USER_ACTION_TIMEOUT after the key's timeout (shortened with --user-action-timeout), with keepalives meanwhile", async () => {
    const { serve } = await freshStore();
    const absent = await serve({ SOFTKEY_PRESENCE: "timeout", SOFTKEY_USER_ACTION_TIMEOUT: "0.5" });
    const result = await scenario<{ status: string; seconds: number; keepalives: number[]; uvRetries: number }>(absent, "timeout");
    expect(result).toMatchObject({ status: "USER_ACTION_TIMEOUT", uvRetries: 8 });
    expect(result.seconds).toBeGreaterThanOrEqual(0.45);
    expect(result.keepalives).toContain(2); // STATUS_UPNEEDED
  });

  interop("excludeList: CREDENTIAL_EXCLUDED after the presence test, whether the user touches, refuses or never answers", async () => {
    const { serve } = await freshStore();
    const touching = await serve();
    const { nonDiscoverable } = await scenario<{ nonDiscoverable: string }>(touching, "register");
    expect(await scenario(touching, "excluded", nonDiscoverable)).toEqual({ status: "CREDENTIAL_EXCLUDED" });
    await touching.stop();
    const users: Record<string, string>[] = [{ SOFTKEY_PRESENCE: "deny" }, { SOFTKEY_PRESENCE: "timeout", SOFTKEY_USER_ACTION_TIMEOUT: "0.2" }];
    for (const env of users) {
      const user = await serve(env);
      expect(await scenario(user, "excluded", nonDiscoverable), JSON.stringify(env)).toEqual({ status: "CREDENTIAL_EXCLUDED" });
      await user.stop();
    }
  });

  interop("--uv fail, the wrong finger: each try spends a uvRetries, in makeCredential and getAssertion too; blocked at 0; the PIN restores them", async () => {
    const { serve } = await freshStore();
    const wrongFinger = await serve({ SOFTKEY_UV: "fail" });
    expect(await scenario(wrongFinger, "wrong-finger")).toEqual({
      steps: [
        // A PIN is set: each failed match answers PUAT_REQUIRED (python-fido2's PIN_REQUIRED), so the platform uses the PIN.
        ["getAssertion uv", "PIN_REQUIRED", 7],
        ["makeCredential uv", "PIN_REQUIRED", 6],
        ["uv token", "UV_INVALID", 5],
        ["uv token", "UV_INVALID", 4],
        ["uv token", "UV_INVALID", 3],
        ["uv token", "UV_INVALID", 2],
        ["uv token", "UV_INVALID", 1],
        // 0x3C, CTAP2_ERR_UV_BLOCKED, as python-fido2 0.9.1 spells it.
        ["uv token", "UV_BLOCKD", 0],
        ["getAssertion uv", "PIN_REQUIRED", 0],
        ["pin token", "OK", 8],
      ],
    });
  });

  interop("alwaysUv on a key with no form of UV: PUAT_REQUIRED, silent up=false probes still answer; U2F answers 0x6985", async () => {
    const { serve } = await freshStore();
    const key = await serve({ SOFTKEY_UV: "off" });
    expect(await scenario(key, "always-uv")).toEqual({
      alwaysUv: true,
      makeCredential: "PIN_REQUIRED",
      getAssertion: "PIN_REQUIRED",
      silentProbe: { status: "OK", flags: 0 },
      u2fRegister: "0x6985",
      versions: ["FIDO_2_0", "FIDO_2_1", "FIDO_2_2"],
    });
  });

  interop("alwaysUv on a key with built-in UV: it verifies the user itself; acfg comes only from the PIN (no uvAcfg)", async () => {
    const { serve } = await freshStore();
    const key = await serve();
    expect(await scenario(key, "always-uv-builtin")).toEqual({
      uvTokenWithAcfg: "UNAUTHORIZED_PERMISSION",
      assertionFlags: 0x05,
      registrationFlags: 0x05,
      silentProbe: "OK",
    });
  });

  interop("makeCredential step 7: rk without UV is OPERATION_DENIED on a key with built-in UV and no PIN, PUAT_REQUIRED once a PIN is set", async () => {
    const { serve } = await freshStore();
    expect(await scenario(await serve(), "step7")).toEqual({ withoutPin: "OPERATION_DENIED", withPin: "PIN_REQUIRED" });
  });

  interop("permissions and tokens: uvAcfg/uvBioEnroll, undefined bits, getPinToken's parameters, one token per protocol", async () => {
    const { serve } = await freshStore();
    expect(await scenario(await serve(), "permissions")).toEqual({
      uvTokenAcfg: "UNAUTHORIZED_PERMISSION",
      uvTokenBe: "UNAUTHORIZED_PERMISSION",
      undefinedBits: "OK",
      getPinTokenWithPermissions: "INVALID_PARAMETER",
      getPinTokenWithRpId: "INVALID_PARAMETER",
      v1TokenAsV2: "PIN_AUTH_INVALID",
      v1TokenAsV1: "OK",
      v2TokenAsV1: "PIN_AUTH_INVALID",
      v2TokenAsV2: "OK",
    });
  });

  interop("an empty allowList is no allowList: the discoverable credential answers", async () => {
    const { serve } = await freshStore();
    expect(await scenario(await serve(), "empty-allow-list")).toEqual({ found: true, userId: Buffer.from("kim").toString("hex") });
  });

  interop("non-canonical request CBOR is INVALID_CBOR (0x12), as on a key; a lenient profile takes it", async () => {
    const { serve } = await freshStore();
    // With no credential at all, a request read to the end answers NO_CREDENTIALS (0x2E).
    expect(await scenario(await serve(), "canonical")).toEqual({ canonical: 0x2e, keysOutOfOrder: 0x12, longFormLength: 0x12 });
    await stopAllServes();
    const profile = path.join(tmp, "lenient.json");
    const shown = await runCli(["profile", "show", "softkey-roaming", "--json"]);
    await writeFile(profile, JSON.stringify({ ...JSON.parse(shown.stdout), name: "lenient", requestCbor: "lenient" }));
    const lenient = await freshStore(["--profile", profile]);
    expect(await scenario(await lenient.serve(), "canonical")).toEqual({ canonical: 0x2e, keysOutOfOrder: 0x2e, longFormLength: 0x2e });
  });
});
