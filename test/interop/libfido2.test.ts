/**
 * softkey against libfido2's own command-line tools (Debian 12's fido2-tools,
 * libfido2 1.12): fido2-token, fido2-cred and fido2-assert drive the real
 * `softkey serve` over a unix socket, through the LD_PRELOAD shim in
 * ./libfido2/ (no /dev/hidraw here), answering PIN prompts on a
 * pseudo-terminal. Everything a YubiKey does with these tools must work:
 * libfido2 before 1.15 sends credential management as the prototype command
 * 0x41, which is what "list RPs", "delete", "rename" and large blobs by RP use.
 *
 * fido2-cred -V and fido2-assert -V verify what the tools made: attestation
 * and assertion signatures, the UP/UV/ED flags, credProtect.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "./../cli/run.js";
import { initStore, startServe, stopAllServes, type ServeProcess } from "../helpers/serveProcess.js";
import { IN_CI } from "./pythonFido2.js";
import { buildShim, detectLibfido2Tools, expectSuccess, INSTALL_HINT, runTool, type ToolOptions, type ToolRun } from "./libfido2/tools.js";

const peer = detectLibfido2Tools();
const MISSING = !peer.available;
if (MISSING && !IN_CI) console.warn(`\n*** SKIPPED: libfido2 tools interop tests: ${peer.reason}; ${INSTALL_HINT} ***\n`);
const interop = it.skipIf(MISSING && !IN_CI);

function requirePeer(): void {
  if (MISSING) throw new Error(`libfido2's tools are required when CI=true but are missing: ${peer.reason}; ${INSTALL_HINT}`);
}

const PIN = "1234";
const SOFTKEY_AAGUID = "1d22abe7f7cc493e87322b75abc380a7";
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

let tmp: string;
let shim: string;
let keys = 0;

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-libfido2-"));
  if (!MISSING) shim = await buildShim(tmp);
});
afterEach(() => stopAllServes());
afterAll(() => rm(tmp, { recursive: true, force: true }));

interface Key {
  /** The libfido2 device path the shim understands. */
  device: string;
  serve: ServeProcess;
  store: string;
  /** Run a tool under the pseudo-terminal; prompts are answered as they appear. */
  tool(argv: string[], options?: ToolOptions): Promise<ToolRun>;
  /** Run a tool that must succeed. */
  ok(argv: string[], options?: ToolOptions): Promise<ToolRun>;
  /** A file in the scratch directory, one line per entry. */
  file(name: string, lines: string[]): Promise<string>;
  /** The CTAP log lines of the server. */
  log(): string[];
}

/** A new store and `softkey serve` on a unix socket, with `env` (SOFTKEY_UV, SOFTKEY_PRESENCE). */
async function freshKey(env: Record<string, string> = {}): Promise<Key> {
  requirePeer();
  const n = ++keys;
  const store = path.join(tmp, `store-${n}`);
  await initStore(store);
  const socket = path.join(tmp, `key-${n}.sock`);
  const serve = await startServe(store, ["--ctaphid", `unix:${socket}`], env);
  const key: Key = {
    device: `softkey:${socket}`,
    serve,
    store,
    tool: (argv, options = {}) => runTool(shim, argv, { cwd: tmp, ...options }),
    ok: async (argv, options) => expectSuccess(await key.tool(argv, options), argv.join(" ")),
    async file(name, lines) {
      const target = path.join(tmp, `${n}-${name}`);
      await writeFile(target, lines.map((line) => `${line}\n`).join(""));
      return target;
    },
    log: () => serve.stderr().split("\n").filter((line) => line.startsWith("ctap2 ")),
  };
  return key;
}

const pin = (value = PIN): [string, string][] => [["Enter PIN for", value]];

async function setPin(key: Key, value = PIN): Promise<void> {
  const run = await key.ok(["fido2-token", "-S", key.device], {
    prompts: [
      ["Enter new PIN for", value],
      ["Enter the same PIN again", value],
    ],
  });
  expect(run.answered).toHaveLength(2);
}

interface Made {
  /** fido2-cred -M's output lines. */
  lines: string[];
  credentialId: string;
  /** The PEM public key fido2-cred -V extracted after verifying the attestation. */
  publicKeyFile: string;
}

/** fido2-cred -M, then fido2-cred -V on its output (with `verifyFlags`), as the man page's example does. */
async function makeCredential(key: Key, name: string, options: { rp: string; user: string; flags?: string[]; type?: string; verifyFlags?: string[]; prompts?: [string, string][] }): Promise<Made> {
  const type = options.type ?? "es256";
  const input = await key.file(`${name}.param`, [b64(randomBytes(32)), options.rp, options.user, b64(randomBytes(16))]);
  const output = path.join(tmp, `${name}.cred`);
  const made = await key.ok(["fido2-cred", "-M", ...(options.flags ?? []), "-i", input, "-o", output, key.device, type], { prompts: options.prompts });
  expect(made.answered).toEqual((options.prompts ?? []).map(([prompt]) => prompt));
  const lines = (await readFile(output, "utf8")).trimEnd().split("\n");
  // -b adds the largeBlobKey as the last line; without an attestation certificate that would read as one, so it is left out.
  const attestation = options.flags?.includes("-b") ? lines.slice(0, -1) : lines;
  const verified = path.join(tmp, `${name}.pub`);
  await key.ok(["fido2-cred", "-V", ...(options.verifyFlags ?? []), "-i", await key.file(`${name}.att`, attestation), "-o", verified, type]);
  const [credentialId, ...pem] = (await readFile(verified, "utf8")).trimEnd().split("\n");
  const publicKeyFile = await key.file(`${name}.pem`, pem);
  expect(credentialId).toBe(lines[4]);
  return { lines, credentialId: credentialId!, publicKeyFile };
}

/** fido2-assert -G with `flags`; returns its output lines. */
async function getAssertion(key: Key, name: string, inputLines: string[], flags: string[] = [], prompts?: [string, string][]): Promise<string[]> {
  const output = path.join(tmp, `${name}.assert`);
  const run = await key.ok(["fido2-assert", "-G", ...flags, "-i", await key.file(`${name}.in`, inputLines), "-o", output, key.device], { prompts });
  expect(run.answered).toEqual((prompts ?? []).map(([prompt]) => prompt));
  return (await readFile(output, "utf8")).trimEnd().split("\n");
}

/** fido2-assert -V of the first four lines of an assertion; resolves whether it verified. */
async function verifyAssertion(key: Key, name: string, assertion: string[], publicKeyFile: string, flags: string[] = [], type = "es256"): Promise<ToolRun> {
  return key.tool(["fido2-assert", "-V", ...flags, "-i", await key.file(`${name}.verify`, assertion.slice(0, 4)), publicKeyFile, type]);
}

const TITLE = !MISSING
  ? `libfido2's tools (fido2-token ${peer.version}) against softkey serve`
  : IN_CI
    ? "libfido2 tools interop (FAILING: missing, required when CI=true)"
    : "libfido2 tools interop (SKIPPED: fido2-tools/libfido2-dev/cc missing)";

describe(TITLE, () => {
  interop("fido2-token -L finds the device; -I reads getInfo, PIN and UV retries", async () => {
    const key = await freshKey();
    const list = await key.ok(["fido2-token", "-L"], { env: { SOFTKEY_FIDO_DEVICE: key.device } });
    expect(list.stdout).toContain(`${key.device}: vendor=0x0000, product=0x0000 (softkey virtual FIDO2 key)`);
    const info = (await key.ok(["fido2-token", "-I", key.device])).stdout;
    expect(info).toMatch(/^version strings: U2F_V2, FIDO_2_0, FIDO_2_1, FIDO_2_2$/m);
    expect(info).toMatch(/^extension strings: credProtect, hmac-secret, hmac-secret-mc, credBlob, largeBlobKey, minPinLength, thirdPartyPayment$/m);
    expect(info).toMatch(/^algorithms: es256 \(public-key\), eddsa \(public-key\)$/m);
    expect(info).toContain(`aaguid: ${SOFTKEY_AAGUID}`);
    expect(info).toMatch(/^options: rk, up, uv, noplat, noalwaysUv, credMgmt, authnrCfg, noclientPin, largeBlobs, perCredMgmtRO, pinUvAuthToken, setMinPINLength, makeCredUvNotRqd$/m);
    expect(info).toMatch(/^pin protocols: 2, 1$/m);
    expect(info).toMatch(/^pin retries: 8$/m);
    expect(info).toMatch(/^uv retries: 8$/m);
  });

  interop("sets and changes the PIN; authenticatorConfig sets the minimum PIN length, forces a PIN change, turns always-UV on and off", async () => {
    const key = await freshKey();
    await setPin(key);
    const info = async () => (await key.ok(["fido2-token", "-I", key.device])).stdout;
    expect(await info()).toMatch(/options: .*\bclientPin\b/);
    await key.ok(["fido2-token", "-C", key.device], {
      prompts: [
        ["Enter current PIN for", PIN],
        ["Enter new PIN for", "567890"],
        ["Enter the same PIN again", "567890"],
      ],
    });
    // acfg from built-in UV needs uvAcfg, which softkey does not offer: the tool falls back to the PIN, as with a YubiKey Bio.
    const minimum = await key.ok(["fido2-token", "-S", "-l", "6", key.device], { prompts: pin("567890") });
    expect(minimum.answered).toEqual(["Enter PIN for"]);
    expect(await info()).toMatch(/^minpinlen: 6$/m);
    expect(key.log()).toContain("ctap2 authenticatorClientPIN getPinUvAuthTokenUsingUvWithPermissions -> CTAP2_ERR_UNAUTHORIZED_PERMISSION");
    expect(key.log()).toContain("ctap2 authenticatorConfig setMinPINLength -> CTAP2_OK");

    await key.ok(["fido2-token", "-S", "-f", key.device], { prompts: pin("567890") });
    expect(await info()).toMatch(/^pin change required: true$/m);
    await key.ok(["fido2-token", "-C", key.device], {
      prompts: [
        ["Enter current PIN for", "567890"],
        ["Enter new PIN for", "24681357"],
        ["Enter the same PIN again", "24681357"],
      ],
    });
    expect(await info()).toMatch(/^pin change required: false$/m);

    await key.ok(["fido2-token", "-S", "-u", key.device], { prompts: pin("24681357") });
    expect(await info()).toMatch(/options: .*\balwaysUv\b.*\bnomakeCredUvNotRqd$/m);
    await key.ok(["fido2-token", "-D", "-u", key.device], { prompts: pin("24681357") });
    expect(await info()).toMatch(/options: .*\bnoalwaysUv\b.*\bmakeCredUvNotRqd$/m);
  });

  interop("fido2-cred makes what fido2-cred -V verifies: es256 discoverable with hmac-secret, eddsa with credProtect, a largeBlobKey", async () => {
    const key = await freshKey();
    await setPin(key);
    // A discoverable credential on a key with a PIN needs UV: PUAT_REQUIRED, and the tool asks for the PIN.
    const rk = await makeCredential(key, "rk", { rp: "example.org", user: "alice", flags: ["-r", "-h"], verifyFlags: ["-h"], prompts: pin() });
    expect(rk.lines[2]).toBe("packed");
    expect(key.log()).toContain("ctap2 authenticatorMakeCredential example.org -> CTAP2_ERR_PUAT_REQUIRED");
    // Non-discoverable needs no UV (makeCredUvNotRqd): no prompt.
    const protectedCredential = await makeCredential(key, "cp", { rp: "example.org", user: "bob", flags: ["-c", "2"], type: "eddsa", verifyFlags: ["-c", "2"] });
    const wrongLevel = await key.tool(["fido2-cred", "-V", "-c", "3", "-i", await key.file("cp3.att", protectedCredential.lines), "eddsa"]);
    expect(wrongLevel.code).toBe(1);
    expect(wrongLevel.tty).toContain("FIDO_ERR_INVALID_PARAM");
    const withBlobKey = await makeCredential(key, "lbk", { rp: "example.org", user: "carol", flags: ["-r", "-b"], prompts: pin() });
    expect(Buffer.from(withBlobKey.lines[6]!, "base64")).toHaveLength(32);
  });

  interop("fido2-assert gets what fido2-assert -V verifies: up=false, UV by PIN and by built-in UV, hmac-secret, discoverable, eddsa", async () => {
    const key = await freshKey();
    await setPin(key);
    const es256 = await makeCredential(key, "a", { rp: "example.org", user: "alice", flags: ["-r", "-h"], verifyFlags: ["-h"], prompts: pin() });
    const eddsa = await makeCredential(key, "e", { rp: "example.org", user: "bob", type: "eddsa" });
    const cdh = () => b64(randomBytes(32));
    const salt = b64(randomBytes(32));

    const plain = await getAssertion(key, "plain", [cdh(), "example.org", es256.credentialId]);
    expect((await verifyAssertion(key, "plain", plain, es256.publicKeyFile, ["-p"])).code).toBe(0);
    expect((await verifyAssertion(key, "plain-uv", plain, es256.publicKeyFile, ["-v"])).code).toBe(1);

    // up=false: a silent probe, signed without UP (fido2-assert -V -p refuses it).
    const silent = await getAssertion(key, "silent", [cdh(), "example.org", es256.credentialId], ["-t", "up=false"]);
    expect((await verifyAssertion(key, "silent", silent, es256.publicKeyFile)).code).toBe(0);
    expect((await verifyAssertion(key, "silent-up", silent, es256.publicKeyFile, ["-p"])).code).toBe(1);

    // UV through the PIN (-v), and through built-in UV (uv=true: a token from getPinUvAuthTokenUsingUvWithPermissions).
    const byPin = await getAssertion(key, "pin", [cdh(), "example.org", es256.credentialId], ["-v"], pin());
    expect((await verifyAssertion(key, "pin", byPin, es256.publicKeyFile, ["-p", "-v"])).code).toBe(0);
    const byBuiltIn = await getAssertion(key, "builtin", [cdh(), "example.org", es256.credentialId], ["-t", "uv=true"]);
    expect((await verifyAssertion(key, "builtin", byBuiltIn, es256.publicKeyFile, ["-p", "-v"])).code).toBe(0);
    expect(key.log()).toContain("ctap2 authenticatorClientPIN getPinUvAuthTokenUsingUvWithPermissions -> CTAP2_OK");

    // hmac-secret: the same salt gives the same 32-byte secret, with UV as without (two different ones).
    const secret = async (name: string, flags: string[], prompts?: [string, string][]) => {
      const lines = await getAssertion(key, name, [cdh(), "example.org", es256.credentialId, salt], ["-h", ...flags], prompts);
      expect((await verifyAssertion(key, name, lines, es256.publicKeyFile, ["-h"])).code).toBe(0);
      return lines[4]!;
    };
    const first = await secret("h1", []);
    expect(Buffer.from(first, "base64")).toHaveLength(32);
    expect(await secret("h2", [])).toBe(first);
    const withUv = await secret("h3", ["-v"], pin());
    expect(withUv).not.toBe(first);
    expect(await secret("h4", ["-t", "uv=true"])).toBe(withUv);

    // A discoverable credential found without its ID (-r): the user ID comes back.
    const discovered = await getAssertion(key, "rk", [cdh(), "example.org"], ["-r"]);
    expect((await verifyAssertion(key, "rk", discovered, es256.publicKeyFile, ["-p"])).code).toBe(0);
    expect(discovered[4]).toBe((await readFile(path.join(tmp, `${keys}-a.param`), "utf8")).trimEnd().split("\n")[3]);

    const ed = await getAssertion(key, "ed", [cdh(), "example.org", eddsa.credentialId]);
    expect((await verifyAssertion(key, "ed", ed, eddsa.publicKeyFile, ["-p"], "eddsa")).code).toBe(0);
  });

  for (const uv of ["on", "off"] as const) {
    interop(`credential management as libfido2 1.12 sends it (0x41), ${uv === "on" ? "with tokens from built-in UV" : "with the PIN"}: metadata, RPs, credentials, info, rename, delete`, async () => {
      const key = await freshKey({ SOFTKEY_UV: uv });
      await setPin(key);
      const alice = await makeCredential(key, "alice", { rp: "a.example", user: "alice", flags: ["-r"], prompts: pin() });
      const bob = await makeCredential(key, "bob", { rp: "a.example", user: "bob", flags: ["-r"], prompts: pin() });
      await makeCredential(key, "carol", { rp: "b.example", user: "carol", flags: ["-r"], prompts: pin() });
      // With built-in UV the tools get a cm token without asking; without it they ask for the PIN.
      const prompts = uv === "on" ? [] : pin();
      const manage = (argv: string[]) => key.ok(["fido2-token", ...argv, key.device], { prompts });

      expect((await manage(["-I", "-c"])).stdout).toBe("existing rk(s): 3\nremaining rk(s): 99997\n");
      const rps = (await manage(["-L", "-r"])).stdout.trimEnd().split("\n");
      expect(rps.map((line) => line.split(" ").pop())).toEqual(["a.example", "b.example"]);
      const credentials = async () => (await manage(["-L", "-k", "a.example"])).stdout.trimEnd().split("\n");
      expect((await credentials()).map((line) => line.split(" ")[1]).sort()).toEqual([alice.credentialId, bob.credentialId].sort());
      const credentialInfo = (await manage(["-I", "-k", "a.example", "-i", alice.credentialId])).stdout;
      expect(credentialInfo).toBe(`${alice.credentialId}\n${await readFile(alice.publicKeyFile, "utf8")}`);

      const bobUserId = (await readFile(path.join(tmp, `${keys}-bob.param`), "utf8")).trimEnd().split("\n")[3]!;
      await manage(["-S", "-c", "-i", bob.credentialId, "-k", bobUserId, "-n", "robert", "-p", "Robert B"]);
      expect((await credentials()).find((line) => line.includes(bob.credentialId))).toContain(" Robert B ");

      await manage(["-D", "-i", alice.credentialId]);
      expect((await credentials()).map((line) => line.split(" ")[1])).toEqual([bob.credentialId]);
      expect((await manage(["-I", "-c"])).stdout).toMatch(/^existing rk\(s\): 2$/m);
      expect(key.log()).toContain("ctap2 prototypeAuthenticatorCredentialManagement enumerateRPsBegin -> CTAP2_OK");
      expect(key.log()).toContain("ctap2 prototypeAuthenticatorCredentialManagement deleteCredential -> CTAP2_OK");
      expect(key.log().some((line) => line.includes("INVALID_COMMAND"))).toBe(false);
    });
  }

  interop("large blobs by key and by RP: set, get, list, delete", async () => {
    const key = await freshKey();
    await setPin(key);
    const credential = await makeCredential(key, "blob", { rp: "example.org", user: "alice", flags: ["-r", "-b"], prompts: pin() });
    // libfido2 1.12 refuses to seal blobs under 16 bytes compressed; random base64 does not compress.
    const blob = await key.file("blob.txt", [b64(randomBytes(300))]);
    const keyFile = await key.file("blob.key", [b64(randomBytes(32))]);
    await key.ok(["fido2-token", "-S", "-b", "-k", keyFile, blob, key.device]);
    const byKey = path.join(tmp, "blob-by-key.out");
    await key.ok(["fido2-token", "-G", "-b", "-k", keyFile, byKey, key.device]);
    expect(await readFile(byKey, "utf8")).toBe(await readFile(blob, "utf8"));

    // By RP: libfido2 finds the credential's largeBlobKey through credential management (0x41).
    const rpBlob = await key.file("rp-blob.txt", [b64(randomBytes(200))]);
    await key.ok(["fido2-token", "-S", "-b", "-n", "example.org", "-i", credential.credentialId, rpBlob, key.device]);
    const byRp = path.join(tmp, "blob-by-rp.out");
    await key.ok(["fido2-token", "-G", "-b", "-n", "example.org", "-i", credential.credentialId, byRp, key.device]);
    expect(await readFile(byRp, "utf8")).toBe(await readFile(rpBlob, "utf8"));

    // fido2-token 1.12 lists the entries (it cannot name their RPs: its own inflate is the wrong variant, fixed in 1.13).
    const entries = async () => (await key.ok(["fido2-token", "-L", "-b", key.device], { prompts: pin() })).stdout.trimEnd().split("\n").slice(1);
    expect(await entries()).toHaveLength(2);
    await key.ok(["fido2-token", "-D", "-b", "-k", keyFile, key.device]);
    await key.ok(["fido2-token", "-D", "-b", "-n", "example.org", "-i", credential.credentialId, key.device]);
    expect(await entries()).toEqual([]);
    const gone = await key.tool(["fido2-token", "-G", "-b", "-k", keyFile, path.join(tmp, "gone.out"), key.device]);
    expect(gone.tty).toContain("FIDO_ERR_NOTFOUND");
    expect(key.log()).toContain("ctap2 authenticatorLargeBlobs set -> CTAP2_OK");
  });

  interop("always-UV: silent up=false probes still answer (ssh -i does this), and the key verifies the user itself", async () => {
    const key = await freshKey();
    await setPin(key);
    const credential = await makeCredential(key, "auv", { rp: "example.org", user: "alice", flags: ["-r"], prompts: pin() });
    await key.ok(["fido2-token", "-S", "-u", key.device], { prompts: pin() });
    const cdh = () => b64(randomBytes(32));
    const probe = await getAssertion(key, "probe", [cdh(), "example.org", credential.credentialId], ["-t", "up=false"]);
    expect((await verifyAssertion(key, "probe", probe, credential.publicKeyFile)).code).toBe(0);
    // No PIN and no uv option: the key does its built-in UV rather than answering PUAT_REQUIRED.
    const signed = await getAssertion(key, "auv-signed", [cdh(), "example.org", credential.credentialId]);
    expect((await verifyAssertion(key, "auv-signed", signed, credential.publicKeyFile, ["-p", "-v"])).code).toBe(0);
    const made = await makeCredential(key, "auv-made", { rp: "example.org", user: "bob", verifyFlags: ["-v"] });
    expect(made.credentialId).toBeTruthy();
  });

  interop("the user who refuses, the one who never answers and the wrong finger, as the tools see them", async () => {
    const refusing = await freshKey({ SOFTKEY_PRESENCE: "deny" });
    const denied = await refusing.tool(["fido2-assert", "-G", "-r", "-t", "uv=true", "-i", await refusing.file("deny.in", [b64(randomBytes(32)), "example.org"]), refusing.device]);
    expect(denied.code).toBe(1);
    expect(denied.tty).toContain("FIDO_ERR_OPERATION_DENIED");
    expect((await refusing.ok(["fido2-token", "-I", refusing.device])).stdout).toMatch(/^uv retries: 8$/m);

    const absent = await freshKey({ SOFTKEY_PRESENCE: "timeout", SOFTKEY_USER_ACTION_TIMEOUT: "0.3" });
    const timedOut = await absent.tool(["fido2-cred", "-M", "-i", await absent.file("absent.param", [b64(randomBytes(32)), "example.org", "alice", b64(randomBytes(16))]), absent.device]);
    expect(timedOut.code).toBe(1);
    expect(timedOut.tty).toContain("FIDO_ERR_USER_ACTION_TIMEOUT");

    const wrongFinger = await freshKey({ SOFTKEY_UV: "fail" });
    const failed = await wrongFinger.tool(["fido2-assert", "-G", "-r", "-t", "uv=true", "-i", await wrongFinger.file("fail.in", [b64(randomBytes(32)), "example.org"]), wrongFinger.device]);
    expect(failed.code).toBe(1);
    expect(failed.tty).toContain("FIDO_ERR_UV_INVALID");
    expect((await wrongFinger.ok(["fido2-token", "-I", wrongFinger.device])).stdout).toMatch(/^uv retries: 7$/m);
  });
});
