/** `softkey export` / `softkey import`: the built binary, as a user or a CI job runs it. */
import { spawn } from "node:child_process";
import { lstat, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { WebAuthnCredential } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { registered } from "../helpers/relyingParty.js";
import { assertBuilt, BIN, expectOneLineError, ROOT, runCli, type RunOptions } from "../cli/run.js";
import { signInVerified } from "./helpers.js";

const PASSPHRASE = "store passphrase";
const BUNDLE = "bundle passphrase";

let tmp: string;
let source: string;
let credentials: WebAuthnCredential[];

function softkey(store: string, args: string[], options: RunOptions = {}) {
  return runCli(["--store", store, ...args], { ...options, env: { SOFTKEY_PASSPHRASE: PASSPHRASE, ...options.env } });
}

async function newStore(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await (await Softkey.init(dir, PASSPHRASE, { scrypt: TEST_SCRYPT })).close();
  return dir;
}

/**
 * Open a store, sign in with every credential the RP knows (verified with its stored key and counter), close it.
 * Each target is a copy of the source, whose credentials were never used: the RP's view starts from the registration.
 */
async function signInAll(store: string, which = credentials.map((c) => ({ ...c }))): Promise<void> {
  const key = await Softkey.open(store, { passphrase: PASSPHRASE });
  try {
    for (const credential of which) await signInVerified(key, credential);
  } finally {
    await key.close();
  }
}

describe("softkey export / import", () => {
  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(path.join(tmpdir(), "softkey-exchange-cli-"));
    source = path.join(tmp, "source");
    const key = await Softkey.init(source, PASSPHRASE, { scrypt: TEST_SCRYPT });
    credentials = [
      await registered(key, { userName: "alice@example.com", residentKey: "required" }),
      await registered(key, { userName: "bob@example.com" }),
    ];
    await key.close();
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("moves credentials through an encrypted bundle file (0600) and the new store signs in", async () => {
    const out = path.join(tmp, "backup.json");
    const exported = await softkey(source, ["export", "--format", "softkey", "--kdf-cost", "10", "--out", out], { env: { SOFTKEY_BUNDLE_PASSPHRASE: BUNDLE } });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`Exported 2 credentials (softkey) to ${out}\n`);
    expect(exported.stderr).toBe("");
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(out, "utf8"))).toMatchObject({ format: "softkey-bundle", version: 1, kdf: { name: "scrypt", N: 1024 } });

    const target = await newStore("bundle-target");
    const passFile = path.join(tmp, "bundle-pass");
    await writeFile(passFile, `${BUNDLE}\n`);
    const imported = await softkey(target, ["import", "--format", "softkey", "--bundle-passphrase-file", passFile, out]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^Imported 2 credentials \(softkey\):\n/);
    expect(imported.stdout).toContain(`${credentials[0]!.id}  example.com  alice@example.com`);
    await signInAll(target);

    // Again: refused whole (exit 3) unless --replace.
    const again = await softkey(target, ["import", "--format", "softkey", out], { env: { SOFTKEY_BUNDLE_PASSPHRASE: BUNDLE } });
    expect(again.code).toBe(3);
    expectOneLineError(again, /already in the store: .*nothing was imported \(use --replace to overwrite\)/);
    const replaced = await softkey(target, ["import", "--format", "softkey", "--replace", "-"], { env: { SOFTKEY_BUNDLE_PASSPHRASE: BUNDLE }, input: await readFile(out, "utf8") });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout.match(/\(replaced\)/g)).toHaveLength(2);
  });

  it("--out never writes through a file or a link already at the name (exit 3, left as it was); what it creates is 0600 whatever the umask", async () => {
    const args = ["export", "--format", "playwright", "--plaintext", "--out"];
    // Someone else's file, or one the user forgot about: refused, not truncated or rewritten.
    const existing = path.join(tmp, "existing.json");
    await writeFile(existing, "keep me\n", { mode: 0o644 });
    const onFile = await softkey(source, [...args, existing]);
    expect(onFile.code).toBe(3);
    expectOneLineError(onFile, /cannot write .*existing\.json: it already exists/);
    expect(await readFile(existing, "utf8")).toBe("keep me\n");
    expect((await stat(existing)).mode & 0o777).toBe(0o644);

    // A link planted in a shared directory, pointing at a file the attacker wants written (or at nothing yet).
    const victim = path.join(tmp, "victim.txt");
    await writeFile(victim, "victim\n");
    for (const [name, target] of [["planted.json", victim], ["dangling.json", path.join(tmp, "not-yet")]] as const) {
      const link = path.join(tmp, name);
      await symlink(target, link);
      const onLink = await softkey(source, [...args, link]);
      expect(onLink.code).toBe(3);
      expectOneLineError(onLink, /it already exists/);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe(target);
    }
    expect(await readFile(victim, "utf8")).toBe("victim\n");
    await expect(stat(path.join(tmp, "not-yet"))).rejects.toThrow(/ENOENT/);

    // umask 000 would make a file 0666: the export is 0600 all the same.
    const fresh = path.join(tmp, "fresh.json");
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn("/bin/sh", ["-c", 'umask 000 && exec "$0" "$@"', process.execPath, BIN, "--store", source, ...args, fresh], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", SOFTKEY_PASSPHRASE: PASSPHRASE },
        stdio: "ignore",
      });
      child.on("error", reject);
      child.on("close", resolve);
    });
    expect(code).toBe(0);
    expect((await stat(fresh)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(fresh, "utf8"))).toHaveLength(2);
  });

  it("a wrong bundle passphrase exits 4, a tampered bundle 9, no passphrase at all 10; the store is untouched", async () => {
    const out = path.join(tmp, "backup2.json");
    expect((await softkey(source, ["export", "--format", "softkey", "--kdf-cost", "10", "--out", out], { env: { SOFTKEY_BUNDLE_PASSPHRASE: BUNDLE } })).code).toBe(0);
    const target = await newStore("bad-bundle-target");
    const wrong = await softkey(target, ["import", "--format", "softkey", out], { env: { SOFTKEY_BUNDLE_PASSPHRASE: "nope" } });
    expect(wrong.code).toBe(4);
    expectOneLineError(wrong, /^softkey: wrong bundle passphrase/);

    const bundle = JSON.parse(await readFile(out, "utf8")) as { ciphertext: string };
    const bytes = Buffer.from(bundle.ciphertext, "base64url");
    bytes[5]! ^= 0x80;
    const tampered = await softkey(target, ["import", "--format", "softkey", "-"], {
      env: { SOFTKEY_BUNDLE_PASSPHRASE: BUNDLE },
      input: JSON.stringify({ ...bundle, ciphertext: bytes.toString("base64url") }),
    });
    expect(tampered.code).toBe(9);
    expectOneLineError(tampered, /failed its integrity check/);

    const none = await softkey(target, ["import", "--format", "softkey", out]);
    expect(none.code).toBe(10);
    expectOneLineError(none, /no bundle passphrase: use --bundle-passphrase-file FILE, set SOFTKEY_BUNDLE_PASSPHRASE/);
    expect((await softkey(target, ["list"])).stdout).toBe("No credentials.\n");
  });

  it("cdp and playwright need --plaintext, warn on stderr, and round-trip", async () => {
    for (const format of ["cdp", "playwright"]) {
      const refused = await softkey(source, ["export", "--format", format]);
      expect(refused.code).toBe(3);
      expectOneLineError(refused, new RegExp(`--format ${format} writes private keys in plaintext: add --plaintext to confirm`));
      expect(refused.stdout).toBe("");

      const exported = await softkey(source, ["export", "--format", format, "--plaintext", "--rp", "example.com"]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toMatch(/^softkey: warning: this export contains private keys in plaintext/);
      expect(exported.stderr).toMatch(/softkey: exported 2 credentials/);
      const data = JSON.parse(exported.stdout) as unknown[];
      expect(data).toHaveLength(2);

      const target = await newStore(`${format}-target`);
      const imported = await softkey(target, ["import", "--format", format], { input: exported.stdout });
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toMatch(new RegExp(`^Imported 2 credentials \\(${format}\\):`));
      await signInAll(target);
    }
  });

  it("refuses EdDSA in CDP format clearly, bad input per entry, and bad flags", async () => {
    const store = await newStore("eddsa");
    const key = await Softkey.open(store, { passphrase: PASSPHRASE });
    const eddsa = await registered(key, { alg: -8, residentKey: "required" });
    await key.close();
    const refused = await softkey(store, ["export", "--format", "cdp", "--plaintext"]);
    expect(refused.code).toBe(3);
    expectOneLineError(refused, new RegExp(`credential ${eddsa.id} \\(example.com\\) cannot be exported in CDP format: it is EdDSA.*--skip-unsupported`));
    const skipped = await softkey(store, ["export", "--format", "cdp", "--plaintext", "--skip-unsupported"]);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toEqual([]);
    expect(skipped.stderr).toMatch(new RegExp(`softkey: skipped credential ${eddsa.id} \\(example.com\\): it is EdDSA`));

    const bad = await softkey(store, ["import", "--format", "cdp", "-"], {
      input: JSON.stringify([{ credentialId: "AAAA", isResidentCredential: false, rpId: "example.com", privateKey: "AAAA", signCount: 0 }]),
    });
    expect(bad.code).toBe(3);
    expectOneLineError(bad, /^softkey: 1 of 1 entry is invalid, nothing was imported: entry 1 \(AAAA\): privateKey is not a PKCS#8 private key/);
    const notJson = await softkey(store, ["import", "--format", "playwright", "-"], { input: "[" });
    expect(notJson.code).toBe(3);
    expectOneLineError(notJson, /stdin is not valid JSON/);
    const noFormat = await softkey(store, ["export"]);
    expect(noFormat.code).toBe(2);
    const badFormat = await softkey(store, ["export", "--format", "pem"]);
    expect(badFormat.code).toBe(2);
    const noSuch = await softkey(store, ["export", "--format", "softkey", "--id", "AAAA"], { env: { SOFTKEY_BUNDLE_PASSPHRASE: BUNDLE } });
    expect(noSuch.code).toBe(3);
    expectOneLineError(noSuch, /no credential AAAA in the store/);
  });
});
