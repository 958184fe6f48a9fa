/**
 * A bounded soak of key generation through the production path: makeCredential on the core,
 * tens of thousands of times in one process. Node 20 can deadlock when generateKeyPairSync is
 * followed by a key export (a GC finalizer waiting on a mutex the export holds), which a long
 * `softkey serve` or a load test would hit; softkey no longer generates keys that way
 * (src/crypto/keyEncoding.ts). The loop runs in a child process so that a hang is a failure
 * with a message, not a frozen test runner.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CREATIONS = 20_000;
const LIMIT_MS = 240_000;

const script = `
const dist = process.argv[1];
const { Authenticator } = await import(dist + "/authenticator/device.js");
const { MemoryStore } = await import(dist + "/authenticator/memoryStore.js");
const { defaultAuthenticatorConfig } = await import(dist + "/authenticator/deviceConfig.js");
const { createPresence } = await import(dist + "/presence/index.js");
const { MakeCredentialRequest } = await import(dist + "/ctap/messages/makeCredential.js");
const { encodeCanonical } = await import(dist + "/ctap/cbor.js");
const device = new Authenticator({ store: new MemoryStore(), presence: createPresence({ uv: "off" }), config: defaultAuthenticatorConfig() });
const count = Number(process.argv[2]);
let ok = 0;
for (let i = 0; i < count; i++) {
  const params = MakeCredentialRequest.encodeMap({
    clientDataHash: new Uint8Array(32).fill(i & 0xff),
    rp: { id: "soak.example" },
    user: { id: Uint8Array.of(i & 0xff, i >> 8) },
    pubKeyCredParams: [{ type: "public-key", alg: i % 2 === 0 ? -7 : -8 }],
  });
  const body = encodeCanonical(params);
  const request = new Uint8Array(1 + body.length);
  request[0] = 0x01;
  request.set(body, 1);
  const response = await device.transact(request);
  if (response[0] === 0) ok++;
}
process.stdout.write(JSON.stringify({ ok }) + "\\n");
`;

describe("key generation soak", () => {
  it(`makes ${CREATIONS} credentials in one process without hanging`, async () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, "--", pathToFileURL(path.join(REPO, "dist")).href, String(CREATIONS)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal })),
    );
    clearTimeout(timer);
    expect(signal, `the loop did not finish within ${LIMIT_MS / 1000} s (a hang?); stderr: ${stderr}`).toBeNull();
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: CREATIONS });
  }, LIMIT_MS + 10_000);
});
