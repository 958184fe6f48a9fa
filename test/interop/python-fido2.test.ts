/**
 * softkey against a real CTAP client: python-fido2 (Debian's python3-fido2,
 * 0.9.1) drives the real `softkey serve` over CTAPHID on a TCP or unix socket.
 * The scripts in ./fido2 print JSON; these tests assert on it.
 *
 * Locally a missing python3-fido2 skips these tests, with a warning that says
 * so; with CI=true it fails them (.ci/apt-packages installs it there).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "../cli/run.js";
import { initStore, startServe, stopAllServes, type ServeProcess } from "../helpers/serveProcess.js";
import { detectPythonFido2, IN_CI, runPythonScript } from "./pythonFido2.js";

const peer = detectPythonFido2();
const MISSING = !peer.available;
const INSTALL_HINT = "install it with `apt-get install -y python3-fido2` (run with /usr/bin/python3)";
if (MISSING && !IN_CI) {
  console.warn(`\n*** SKIPPED: python-fido2 interop tests: python3-fido2 missing (${peer.reason}); ${INSTALL_HINT} ***\n`);
}

/** Locally, skipped without the peer; in CI, run, so that requirePeer() fails them. */
const interop = it.skipIf(MISSING && !IN_CI);

function requirePeer(): void {
  if (MISSING) throw new Error(`python3-fido2 is required when CI=true but is missing: ${peer.reason}; ${INSTALL_HINT} (listed in .ci/apt-packages)`);
}

const SOFTKEY_AAGUID = "1d22abe7f7cc493e87322b75abc380a7";
const hex = (text: string) => Buffer.from(text).toString("hex");

let tmp: string | undefined;

interface Key {
  store: string;
  serve: ServeProcess;
  /** The first address the server listens on. */
  spec: string;
  /** Stop the server (a power cycle) and start it again on the same store. */
  restart(): Promise<void>;
}

/** A new store and a `softkey serve` on it, by default on TCP 127.0.0.1 with a free port. */
async function freshKey(args: string[] = ["--ctaphid", "tcp:127.0.0.1:0"]): Promise<Key> {
  requirePeer();
  tmp ??= await mkdtemp(path.join(tmpdir(), "softkey-interop-"));
  const store = await mkdtemp(path.join(tmp, "store-"));
  await initStore(store);
  const key: Key = {
    store,
    serve: await startServe(store, args),
    get spec() {
      return this.serve.listening[0]!;
    },
    async restart() {
      const exit = await key.serve.stop("SIGTERM");
      expect(exit, key.serve.stderr()).toEqual({ code: 0, signal: null });
      key.serve = await startServe(store, args);
    },
  };
  return key;
}

/** The CTAP log lines (`ctap2 <command> ... -> <status>`) the server wrote on stderr. */
function ctapLog(serve: ServeProcess): string[] {
  return serve
    .stderr()
    .split("\n")
    .filter((line) => line.startsWith("ctap2 "));
}

beforeAll(() => {
  assertBuilt();
});

afterEach(async () => {
  await stopAllServes();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

const TITLE = !MISSING
  ? `python-fido2 ${peer.version} against softkey serve`
  : IN_CI
    ? "python-fido2 interop (FAILING: python3-fido2 missing, required when CI=true)"
    : "python-fido2 interop (SKIPPED: python3-fido2 missing)";

describe(TITLE, () => {
  interop("Fido2Client + Fido2Server: registers a discoverable credential with UV and signs in with it", async () => {
    const key = await freshKey();
    const result = await runPythonScript("webauthn_roundtrip.py", [key.spec, "preferred", "rk"]);
    expect(result).toMatchObject({
      versions: expect.arrayContaining(["FIDO_2_0", "FIDO_2_1"]),
      fmt: "packed",
      attestationVerified: true,
      aaguid: SOFTKEY_AAGUID,
      alg: -7,
      registration: { counter: 0, up: true, uv: true },
      signIns: [
        { counter: 1, up: true, uv: true, userHandle: hex("user-0001") },
        { counter: 2, up: true, uv: true, userHandle: hex("user-0001") },
      ],
      discoverable: { userHandle: hex("user-0001") },
    });
    const { credentialId, signIns, discoverable } = result as { credentialId: string; signIns: { credentialId: string }[]; discoverable: { credentialId: string } };
    expect(signIns.map((s) => s.credentialId)).toEqual([credentialId, credentialId]);
    expect(discoverable.credentialId).toBe(credentialId);
    // It went through CTAP2, not a U2F fallback.
    expect(ctapLog(key.serve)).toContain("ctap2 authenticatorMakeCredential localhost -> CTAP2_OK");
  });

  interop("Fido2Client + Fido2Server: a non-discoverable credential without UV, over a unix socket", async () => {
    tmp ??= await mkdtemp(path.join(tmpdir(), "softkey-interop-"));
    const key = await freshKey(["--ctaphid", `unix:${path.join(tmp, "key.sock")}`]);
    expect(key.spec).toBe(`unix:${path.join(tmp, "key.sock")}`);
    const result = await runPythonScript("webauthn_roundtrip.py", [key.spec, "discouraged", "no-rk"]);
    expect(result).toMatchObject({
      fmt: "packed",
      attestationVerified: true,
      registration: { counter: 0, up: true, uv: false },
      signIns: [
        { counter: 1, up: true, uv: false, userHandle: null },
        { counter: 2, up: true, uv: false, userHandle: null },
      ],
      discoverable: null,
    });
  });

  interop("Ctap2 directly: getInfo, makeCredential (ES256, EdDSA), getAssertion, getNextAssertion and their errors", async () => {
    const key = await freshKey();
    const result = await runPythonScript("ctap2_direct.py", [key.spec]);
    expect(result.info).toEqual({
      versions: expect.arrayContaining(["FIDO_2_0", "FIDO_2_1"]),
      extensions: expect.arrayContaining(["credProtect", "hmac-secret", "credBlob", "largeBlobKey", "minPinLength"]),
      aaguid: SOFTKEY_AAGUID,
      options: expect.objectContaining({
        rk: true,
        up: true,
        uv: true,
        plat: false,
        clientPin: false,
        pinUvAuthToken: true,
        credMgmt: true,
        largeBlobs: true,
        makeCredUvNotRqd: true,
      }),
      maxMsgSize: 7609,
      pinUvAuthProtocols: [2, 1],
      maxCredentialCountInList: 16,
      maxCredentialIdLength: 128,
      transports: ["usb"],
      algorithms: [-7, -8],
      minPinLength: 4,
      firmwareVersion: 1,
      remainingDiscoverableCredentials: expect.any(Number),
    });
    for (const [alg, coseType] of [["-7", "ES256"], ["-8", "EdDSA"]] as const) {
      expect(result[alg], `alg ${alg}`).toMatchObject({
        fmt: "packed",
        attestationVerified: true,
        publicKeyAlg: Number(alg),
        coseType,
        registrationFlags: { up: true, uv: false },
        assertionVerified: true,
        counter: 1,
      });
    }
    expect(result.discoverable).toEqual({ count: 2, numberOfCredentials: 2, users: ["carol", "dave"], uv: [true, true] });
    expect(result.errors).toEqual({
      unknownRp: "NO_CREDENTIALS",
      excluded: "CREDENTIAL_EXCLUDED",
      unsupportedAlgorithm: "UNSUPPORTED_ALGORITHM",
      upFalseMakeCredential: "INVALID_OPTION",
    });
    expect(result.silentAssertion).toEqual({ up: false, verified: true });
  });

  for (const protocol of ["1", "2"]) {
    interop(`ClientPin with PIN/UV auth protocol ${protocol}: set, change, getPinToken, and tokens that open one ceremony`, async () => {
      const key = await freshKey();
      const result = await runPythonScript("client_pin.py", [key.spec, "flow", protocol]);
      expect(result).toEqual({
        protocol: Number(protocol),
        clientPinBefore: false,
        clientPinAfter: true,
        retriesAfterSet: 8,
        powerCycleState: expect.toBeOneOf([false, null]),
        // CTAP 2.1 6.5.5.5: setPIN when a PIN is already set.
        setAgain: "PIN_AUTH_INVALID",
        tokenLength: 32,
        makeCredentialUv: true,
        // makeCredential cleared the token's mc/ga permissions.
        tokenReused: "PIN_AUTH_INVALID",
        getAssertionUv: true,
        otherRp: "PIN_AUTH_INVALID",
        badPinUvAuthParam: "PIN_AUTH_INVALID",
        legacyTokenUv: true,
        wrong: [
          { status: "PIN_INVALID", retries: 7 },
          { status: "PIN_INVALID", retries: 6 },
        ],
        retriesAfterRightPin: 8,
        oldPinAfterChange: "PIN_INVALID",
        retriesAfterOldPin: 7,
        newPinAfterChange: "OK",
        retriesAfterNewPin: 8,
        tokenAfterChange: "PIN_AUTH_INVALID",
        changeWithWrongPin: "PIN_INVALID",
        retriesAfterBadChange: 7,
        finalPin: "OK",
      });
      // The log says what happened and nothing secret.
      const log = ctapLog(key.serve);
      expect(log).toContain("ctap2 authenticatorClientPIN setPIN -> CTAP2_OK");
      expect(log).toContain("ctap2 authenticatorClientPIN getPinUvAuthTokenUsingPinWithPermissions -> CTAP2_ERR_PIN_INVALID");
      expect(log).toContain("ctap2 authenticatorClientPIN getPinToken -> CTAP2_OK");
      expect(key.serve.stderr()).not.toMatch(/1234|56789|24680/);
      for (const line of key.serve.stderr().trimEnd().split("\n")) expect(line).toMatch(/^(ctap2 |ctaphid: |serve: )/);
    });
  }

  interop("ClientPin: wrong PINs count down; three in a row is PIN_AUTH_BLOCKED until a power cycle; the eighth is PIN_BLOCKED", { timeout: 90_000 }, async () => {
    const key = await freshKey();
    // Power-up 1 (protocol 1): the third wrong PIN in a row blocks PIN entry, even the right PIN, until a power cycle.
    expect(await runPythonScript("client_pin.py", [key.spec, "attempts", "1", "3", "--set", "1234", "--then", "1234"])).toEqual({
      protocol: 1,
      retriesBefore: 8,
      attempts: [
        { status: "PIN_INVALID", retries: 7 },
        { status: "PIN_INVALID", retries: 6 },
        { status: "PIN_AUTH_BLOCKED", retries: 5 },
      ],
      then: "PIN_AUTH_BLOCKED",
      retriesAfter: 5,
    });
    // Power-up 2 (protocol 2): the retries counter survived the restart; three more wrong.
    await key.restart();
    expect(await runPythonScript("client_pin.py", [key.spec, "attempts", "2", "3"])).toEqual({
      protocol: 2,
      retriesBefore: 5,
      attempts: [
        { status: "PIN_INVALID", retries: 4 },
        { status: "PIN_INVALID", retries: 3 },
        { status: "PIN_AUTH_BLOCKED", retries: 2 },
      ],
    });
    // Power-up 3: the eighth wrong PIN blocks the PIN for good.
    await key.restart();
    expect(await runPythonScript("client_pin.py", [key.spec, "attempts", "1", "2", "--then", "1234"])).toEqual({
      protocol: 1,
      retriesBefore: 2,
      attempts: [
        { status: "PIN_INVALID", retries: 1 },
        { status: "PIN_BLOCKED", retries: 0 },
      ],
      then: "PIN_BLOCKED",
      retriesAfter: 0,
    });
    // A power cycle does not lift PIN_BLOCKED (only authenticatorReset does).
    await key.restart();
    expect(await runPythonScript("client_pin.py", [key.spec, "attempts", "2", "0", "--then", "1234"])).toEqual({
      protocol: 2,
      retriesBefore: 0,
      attempts: [],
      then: "PIN_BLOCKED",
      retriesAfter: 0,
    });
  });

  for (const protocol of ["1", "2"]) {
    interop(`CredentialManagement (protocol ${protocol}): metadata, enumeration, update_user_info and delete`, async () => {
      const key = await freshKey();
      const result = await runPythonScript("cred_mgmt.py", [key.spec, protocol]);
      const credential = (user: string, name: string, displayName: string) => ({ user, name, displayName, idMatches: true, alg: -7, credProtect: expect.toBeOneOf([1, null]) });
      expect(result).toEqual({
        withoutCmPermission: "PIN_AUTH_INVALID",
        metadata: { existing: 3, remaining: expect.any(Number) },
        rps: ["a.example", "b.example"],
        rpIdHashesMatch: true,
        totalRps: 2,
        aCredentials: [credential("alice", "alice", "Alice"), credential("bob", "bob", "Bob")],
        aTotal: 2,
        unknownRp: [],
        afterUpdate: [
          ["alice", "alice", "Alice"],
          ["bob", "robert", "Robert"],
        ],
        updateOtherUserId: "INVALID_PARAMETER",
        deleteAgain: "NO_CREDENTIALS",
        afterDelete: ["bob"],
        deletedSignIn: "NO_CREDENTIALS",
        metadataAfter: 2,
        rpsAfter: ["a.example"],
      });
      expect((result.metadata as { remaining: number }).remaining).toBeGreaterThan(0);
    });
  }

  interop("HmacSecretExtension: the same salt gives the same secret, a different one with and without UV, under both PIN protocols", async () => {
    const key = await freshKey();
    const result = await runPythonScript("extensions.py", [key.spec, "hmac-secret"]);
    expect(result).toMatchObject({
      created: { hmacCreateSecret: true },
      client: {
        uvFlags: [true, false],
        outputLength: 32,
        sameSaltSameOutput: true,
        twoSalts: true,
        otherSaltOtherOutput: true,
        withoutUvDiffers: true,
      },
      ctap2: { protocolsAgreeWithUv: true, protocolsAgreeWithoutUv: true },
    });
    // A salt of the wrong length is refused, not hashed.
    expect(result.shortSalt).not.toBe("OK");
  });

  interop("CredProtectExtension: levels 1-3 are stored and enforced on discoverable and allow-listed sign-ins", async () => {
    const key = await freshKey();
    const result = await runPythonScript("extensions.py", [key.spec, "cred-protect"]);
    expect(result).toEqual({
      level1: { requested: 1, authData: 1 },
      level2: { requested: 2, authData: 2 },
      level3: { requested: 3, authData: 3 },
      discoverableWithUv: ["level-1", "level-2", "level-3"],
      discoverableWithoutUv: ["level-1"],
      allowListWithoutUv: { "1": "OK", "2": "OK", "3": "NO_CREDENTIALS" },
      allowListWithUv: { "1": "OK", "2": "OK", "3": "OK" },
      invalidLevel: "INVALID_PARAMETER",
    });
  });

  interop("CredBlobExtension: a blob up to maxCredBlobLength is stored and read back", async () => {
    const key = await freshKey();
    const result = await runPythonScript("extensions.py", [key.spec, "cred-blob"]);
    expect(result).toEqual({
      maxCredBlobLength: 32,
      stored: true,
      tooLongStored: false,
      read: hex("softkey cred blob ") + "00ff",
      readMatches: true,
      notAsked: null,
      tooLongRead: "",
    });
  });

  for (const protocol of ["1", "2"]) {
    interop(`LargeBlobs (protocol ${protocol}): write with a token, read back through largeBlobKey, replace, delete`, async () => {
      const key = await freshKey();
      const result = await runPythonScript("large_blobs.py", [key.spec, protocol]);
      expect(result).toEqual({
        maxSerializedLargeBlobArray: 4096,
        largeBlobKeyLength: 32,
        keysDiffer: true,
        assertionKeyMatches: true,
        initialArray: [],
        writeWithoutToken: "PIN_REQUIRED", // 0x36, CTAP2_ERR_PUAT_REQUIRED
        arrayEntries: 2,
        readFirst: true,
        readSecond: true,
        replaced: hex("replaced"),
        afterDelete: null,
        arrayEntriesAfterDelete: 1,
        writeWithGaToken: "PIN_AUTH_INVALID",
        tooLarge: "LARGE_BLOB_STORAGE_FULL",
        stillReadable: hex("replaced"),
      });
    });
  }

  interop("authenticatorReset within 10 s of power-up removes credentials, PIN and blobs but keeps the device", async () => {
    // A server of its own, started just now: reset is only allowed in the first 10 s.
    const key = await freshKey();
    const result = await runPythonScript("reset.py", [key.spec]);
    expect(result).toEqual({
      before: { clientPin: true, credentials: 1 },
      after: {
        clientPin: false,
        aaguidKept: true,
        signIn: "NO_CREDENTIALS",
        discoverable: "NO_CREDENTIALS",
        pinRetries: 8,
        getPinToken: "PIN_NOT_SET",
      },
      keepalives: [],
      pinSetAgain: true,
    });
    expect(ctapLog(key.serve)).toContain("ctap2 authenticatorReset -> CTAP2_OK");
  });

  interop("the same server answers python-fido2 on TCP and unix at once, one authenticator behind both", async () => {
    tmp ??= await mkdtemp(path.join(tmpdir(), "softkey-interop-"));
    const socket = path.join(tmp, "both.sock");
    const key = await freshKey(["--ctaphid", "tcp:127.0.0.1:0", "--ctaphid", `unix:${socket}`]);
    expect(key.serve.listening).toEqual([expect.stringMatching(/^tcp:127\.0\.0\.1:\d+$/), `unix:${socket}`]);
    const overTcp = await runPythonScript("ctap2_direct.py", [key.serve.listening[0]!]);
    const overUnix = await runPythonScript("ctap2_direct.py", [key.serve.listening[1]!]);
    // The second client sees the two discoverable credentials the first one made.
    const remaining = (r: Record<string, unknown>) => (r.info as { remainingDiscoverableCredentials: number }).remainingDiscoverableCredentials;
    expect(remaining(overUnix)).toBe(remaining(overTcp) - 2);
    expect(overUnix.discoverable).toEqual(overTcp.discoverable);
  });
});

describe(`${TITLE}: CTAP1/U2F (fido2.ctap1.Ctap1 over CTAPHID_MSG)`, () => {
  /** A new store (init with `init` flags) and `softkey serve` on TCP with `env`; returns the server. */
  async function u2fServe(init: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
    requirePeer();
    tmp ??= await mkdtemp(path.join(tmpdir(), "softkey-interop-"));
    const store = await mkdtemp(path.join(tmp, "store-"));
    await initStore(store, init);
    return startServe(store, ["--ctaphid", "tcp:127.0.0.1:0"], env);
  }

  const u2fLog = (serve: ServeProcess) =>
    serve
      .stderr()
      .split("\n")
      .filter((line) => line.startsWith("ctap1 "));

  interop("get_version, register, authenticate and check-only; U2F and CTAP2 credentials used across both protocols", async () => {
    const serve = await u2fServe();
    const result = await runPythonScript("ctap1.py", [serve.listening[0]!, "flow"]);
    expect(result).toEqual({
      capabilities: { cbor: true, nmsg: false },
      version: "U2F_V2",
      registration: {
        verified: true,
        publicKeyLength: 65,
        keyHandleLength: 32,
        certificateCn: "softkey U2F Self-Signed Attestation",
        wrongChallengeVerified: false,
      },
      signIns: [
        { userPresence: 1, counter: 1, verified: true },
        { userPresence: 1, counter: 2, verified: true },
      ],
      checkOnly: { own: "0x6985", foreign: "0x6A80", otherApp: "0x6A80" },
      otherAppSign: "0x6A80",
      ctap2Versions: ["U2F_V2", "FIDO_2_0", "FIDO_2_1", "FIDO_2_2"],
      u2fViaCtap2: { verified: true, rpIdHashIsAppParam: true, counter: 3, credentialId: true },
      u2fViaCtap2OtherRp: "NO_CREDENTIALS",
      ctap2ViaU2f: { verified: true, userPresence: 1, counter: 1 },
    });
    const log = u2fLog(serve);
    expect(log).toContain("ctap1 U2F_VERSION -> SW_NO_ERROR");
    expect(log).toContain("ctap1 U2F_REGISTER -> SW_NO_ERROR");
    expect(log).toContain("ctap1 U2F_AUTHENTICATE -> SW_CONDITIONS_NOT_SATISFIED");
    expect(log).toContain("ctap1 U2F_AUTHENTICATE -> SW_WRONG_DATA");
  });

  interop("--presence deny: U2F_REGISTER answers 0x6985 (no keepalive in U2F: the client would retry)", async () => {
    const serve = await u2fServe([], { SOFTKEY_PRESENCE: "deny" });
    expect(await runPythonScript("ctap1.py", [serve.listening[0]!, "deny"])).toEqual({ version: "U2F_V2", register: "0x6985" });
  });

  interop("the u2f-only profile: no CAPABILITY_CBOR, so python-fido2's Ctap2 refuses the device and Ctap1 works", async () => {
    const serve = await u2fServe(["--profile", "u2f-only"]);
    const result = await runPythonScript("ctap1.py", [serve.listening[0]!, "u2f-only"]);
    expect(result).toMatchObject({
      capabilities: { cbor: false, nmsg: false },
      ctap2: "refused: Device does not support CTAP2.",
      version: "U2F_V2",
      registration: { verified: true, publicKeyLength: 65 },
      checkOnly: { own: "0x6985", foreign: "0x6A80", otherApp: "0x6A80" },
      fido2Client: { usedCtap1: true, fmt: "fido-u2f", attestationVerified: true, aaguidZero: true, countersIncrease: true },
    });
    // One global counter, as U2F keys have: it only goes up.
    const [first, second] = (result.signIns as { counter: number }[]).map((s) => s.counter);
    expect(second).toBeGreaterThan(first!);
  });
});
