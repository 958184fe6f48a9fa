/** Shared fixtures for the keystore tests: temp store dirs, sample credentials, raw LevelDB access, child processes. */
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Level } from "level";
import type { CredentialRecord, ScryptParams } from "../../src/keystore/index.js";

/** Low cost so each create/open takes milliseconds. */
export const FAST_SCRYPT: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
export const PASSPHRASE = "correct horse battery staple";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const tempDirs: string[] = [];

/** A fresh temp directory; the store goes in a subdirectory so create() makes it (and sets its mode). */
export function tempStoreDir(): string {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "softkey-"));
  tempDirs.push(parent);
  return path.join(parent, "store");
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function rpIdHash(rpId: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(rpId).digest());
}

let serial = 0;

export function makeCredential(rpId = "example.com", overrides: Partial<CredentialRecord> = {}): CredentialRecord {
  serial++;
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    id: new Uint8Array(randomBytes(32)),
    rpId,
    rpIdHash: rpIdHash(rpId),
    rpName: `Example RP ${serial}`,
    user: {
      id: new Uint8Array(randomBytes(16)),
      name: `user-${serial}-${randomBytes(6).toString("hex")}@example.com`,
      displayName: `User Number ${serial}`,
    },
    discoverable: true,
    alg: -7,
    privateKey: new Uint8Array(privateKey.export({ format: "der", type: "pkcs8" })),
    publicKey: new Uint8Array(randomBytes(77)),
    createdAt: Date.now(),
    extensions: { credProtect: 2, hmacSecret: { credRandom: new Uint8Array(randomBytes(32)) } },
    ...overrides,
  };
}

type RawDb = Level<string, Uint8Array>;

/** Open the store's LevelDB directly, as an attacker with file access would. */
export async function withRawDb<T>(dir: string, fn: (db: RawDb) => Promise<T>): Promise<T> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: "utf8", valueEncoding: "view", createIfMissing: false });
  await db.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function rawEntries(dir: string): Promise<Map<string, string>> {
  return withRawDb(dir, async (db) => {
    const entries = new Map<string, string>();
    for await (const [key, value] of db.iterator()) entries.set(key, Buffer.from(value).toString("hex"));
    return entries;
  });
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/**
 * Node 20 cannot run the TypeScript sources, so child processes load the
 * built keystore (npm test builds dist/ first). Returns the path of its index.js.
 */
export function builtKeystore(): string {
  const built = path.join(REPO, "dist/keystore/index.js");
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run npm run build first (npm test does)`);
  return built;
}

/** Run an ES module script in a child node process; the caller reads its stdout and ends it. */
export function spawnModule(code: string, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ["--input-type=module", "-e", code, "--", ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolve with the first stdout line matching `predicate` (rejecting if the child exits first). */
export function waitForLine(child: ChildProcess, predicate: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let stderr = "";
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString("utf8");
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (predicate(line)) {
          child.stdout?.off("data", onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("exit", (code, signal) => reject(new Error(`child exited (${code ?? signal}) before the expected line; stderr: ${stderr}`)));
  });
}

export function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
