/**
 * `softkey fill` and the progress display of long commands: the built binary
 * on a real store; filled credentials sign in and @simplewebauthn/server
 * verifies them; the progress bar is drawn under a pseudo-terminal (util-linux
 * `script`) and absent when output is not a terminal, as in CI logs.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, verifyAuthenticationResponse } from "@simplewebauthn/server";
import { Softkey } from "../../src/softkey.js";
import { assertBuilt, BIN, expectOneLineError, runCli, type RunOptions } from "./run.js";
import { IN_CI } from "../interop/pythonFido2.js";

const PASSPHRASE = "fill test";
let tmp: string;
let store: string;

function softkey(args: string[], options: RunOptions = {}) {
  return runCli(["--store", store, ...args], { ...options, env: { SOFTKEY_PASSPHRASE: PASSPHRASE, ...options.env } });
}

/** `node bin/softkey.js ...args` under a pseudo-terminal: stdout and stderr are the terminal. */
function onTerminal(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm-256color", SOFTKEY_PASSPHRASE: PASSPHRASE, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;
if (!hasScript && !IN_CI) console.warn("\n*** SKIPPED progress-bar tests: util-linux `script` is missing ***\n");

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-fill-"));
  store = path.join(tmp, "keystore");
  expect((await softkey(["init", "--kdf-cost", "10"])).code).toBe(0);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("softkey fill", () => {
  it("adds N credentials over M relying parties and prints a JSON summary when not on a terminal", async () => {
    const result = await softkey(["fill", "--credentials", "300", "--rps", "7"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ store, added: 300, total: 300, discoverable: true, relyingParties: 7 });
    const { credentials } = JSON.parse((await softkey(["list", "--json"])).stdout) as { credentials: { rpId: string; userName: string; discoverable: boolean }[] };
    expect(credentials).toHaveLength(300);
    expect(new Set(credentials.map((c) => c.rpId))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6].map((k) => `rp${k}.fill.example`)));
    expect(credentials.filter((c) => c.rpId === "rp3.fill.example")).toHaveLength(43);
    expect(credentials.every((c) => c.discoverable)).toBe(true);
    expect(credentials.map((c) => c.userName)).toContain("user10@rp3.fill.example");
  });

  it("a filled credential signs in, and the relying party verifies it", async () => {
    const rpId = "rp3.fill.example";
    const listed = JSON.parse((await softkey(["list", "--rp", rpId, "--json"])).stdout).credentials as { credentialId: string }[];
    const id = listed[5]!.credentialId;
    const key = await Softkey.open(store, { passphrase: PASSPHRASE });
    const publicKey = new Uint8Array((await key.keystore.findCredential(Buffer.from(id, "base64url")))!.publicKey);
    await key.close();
    const options = await generateAuthenticationOptions({ rpID: rpId, allowCredentials: [{ id }], userVerification: "discouraged" });
    const result = await softkey(["get", "--origin", `https://${rpId}`], { input: JSON.stringify(options) });
    expect(result.code, result.stderr).toBe(0);
    const verification = await verifyAuthenticationResponse({
      response: JSON.parse(result.stdout),
      expectedChallenge: options.challenge,
      expectedOrigin: `https://${rpId}`,
      expectedRPID: rpId,
      credential: { id, publicKey, counter: 0 },
      requireUserVerification: false,
    });
    expect(verification.verified).toBe(true);
  });

  it("continues the user numbering, takes named RP IDs, and makes server-side credentials on request", async () => {
    const result = await softkey(["fill", "--credentials", "4", "--rp", "app.example.com", "--rp", "login.example.com", "--non-discoverable", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ added: 4, total: 304, discoverable: false, relyingParties: 2 });
    const { credentials } = JSON.parse((await softkey(["list", "--rp", "app.example.com", "--json"])).stdout);
    expect(credentials).toHaveLength(2);
    expect(credentials.every((c: { discoverable: boolean; userName?: string }) => !c.discoverable && c.userName === undefined)).toBe(true);
  });

  it("refuses what a real key could not hold, and bad arguments, with one line", async () => {
    const small = path.join(tmp, "small.json");
    const profile = JSON.parse((await runCli(["profile", "show", "softkey-roaming", "--json"])).stdout);
    profile.name = "small";
    profile.getInfo.maxDiscoverableCredentials = 10;
    await writeFile(small, JSON.stringify(profile));
    const smallStore = path.join(tmp, "small-store");
    const env = { SOFTKEY_PASSPHRASE: PASSPHRASE };
    expect((await runCli(["--store", smallStore, "init", "--kdf-cost", "10", "--profile", small], { env })).code).toBe(0);
    const full = await runCli(["--store", smallStore, "fill", "--credentials", "11"], { env });
    expect(full.code).toBe(3);
    expectOneLineError(full, /room for 10 more discoverable credentials \(maxDiscoverableCredentials 10\), not 11/);
    expect((await runCli(["--store", smallStore, "fill", "--credentials", "11", "--non-discoverable"], { env })).code).toBe(0);

    const u2f = path.join(tmp, "u2f-store");
    expect((await runCli(["--store", u2f, "init", "--kdf-cost", "10", "--profile", "u2f-only"], { env })).code).toBe(0);
    expectOneLineError(await runCli(["--store", u2f, "fill", "--credentials", "1"], { env }), /no discoverable credentials .*--non-discoverable/);

    const both = await softkey(["fill", "--credentials", "1", "--rps", "1", "--rp", "a.example"]);
    expect(both.code).toBe(2);
    const zero = await softkey(["fill", "--credentials", "0"]);
    expect(zero.code).toBe(3);
    expectOneLineError(zero, /--credentials must be a whole number of at least 1, got "0"/);
    expectOneLineError(await softkey(["fill", "--credentials", "1", "--rp", "not a domain"]), /"not a domain" is not an RP ID/);
  });
});

describe.skipIf(!hasScript && !IN_CI)("progress bars", () => {
  // eslint-disable-next-line no-control-regex
  const CONTROL = /\x1b|\r/;

  it("are drawn on a terminal for fill, with the human summary", async () => {
    const { code, output } = await onTerminal(["--store", store, "fill", "--credentials", "6000", "--rps", "3"]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/filling \[[^\]]*\] 100% \| 6000\/6000 credentials/);
    expect(output).toMatch(CONTROL);
    expect(output).toMatch(/Added 6,000 discoverable credentials over 3 relying parties/);
  });

  it("are drawn for export and import, and the JSON still goes to stdout", async () => {
    const bundle = path.join(tmp, "all.json");
    const env = { SOFTKEY_BUNDLE_PASSPHRASE: "bundle" };
    const exported = await onTerminal(["--store", store, "export", "--format", "softkey", "--kdf-cost", "10", "--out", bundle, "--json"], env);
    expect(exported.code, exported.output).toBe(0);
    expect(exported.output).toMatch(/reading \[[^\]]*\] 100% \| 6304\/6304 credentials/);
    const target = path.join(tmp, "import-store");
    expect((await runCli(["--store", target, "init", "--kdf-cost", "10"], { env: { SOFTKEY_PASSPHRASE: PASSPHRASE } })).code).toBe(0);
    const imported = await onTerminal(["--store", target, "import", "--format", "softkey", bundle], env);
    expect(imported.code, imported.output).toBe(0);
    expect(imported.output).toMatch(/checking \[[^\]]*\] 100% \| 6304\/6304 credentials/);
    expect(imported.output).toMatch(/importing \[[^\]]*\] 100% \| 6304\/6304 credentials/);
  });

  it("are absent when the output is not a terminal (CI logs, pipes)", async () => {
    const filled = await softkey(["fill", "--credentials", "6000", "--rps", "3"]);
    expect(filled.code).toBe(0);
    expect(filled.stderr).toBe("");
    expect(filled.stdout).not.toMatch(CONTROL);
    expect(JSON.parse(filled.stdout).added).toBe(6000);
    const exported = await softkey(["export", "--format", "softkey", "--kdf-cost", "10", "--out", path.join(tmp, "again.json"), "--json"], {
      env: { SOFTKEY_BUNDLE_PASSPHRASE: "bundle" },
    });
    expect(exported.code).toBe(0);
    expect(exported.stderr).toBe("");
    expect(JSON.parse(exported.stdout)).toMatchObject({ format: "softkey", exported: 12304, skipped: [], warnings: [] });
  });
});
