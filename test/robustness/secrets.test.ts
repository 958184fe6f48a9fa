/**
 * Secrets stay sealed. Through the real `softkey --debug serve` over raw
 * CTAPHID: set a PIN (raw ClientPIN), create discoverable credentials with
 * hmac-secret and largeBlobKey, use hmac-secret, write a large blob; then scan
 * every file under the store and the server's whole stderr log for each
 * secret, raw and hex/base64 encoded: the private keys (PKCS#8 and the raw
 * scalar), the PIN and its hash, the hmac-secret keys and outputs, the
 * largeBlobKeys, the large blob, user names, display names and IDs, the
 * persistent pinUvAuthToken and the device identifier behind encIdentifier,
 * the passphrase. None may appear.
 */
import { createHash, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { encodeCanonical, decodeCbor } from "../../src/ctap/cbor.js";
import { Keystore } from "../../src/keystore/store.js";
import { Softkey } from "../../src/softkey.js";
import { filesUnder } from "../keystore/helpers.js";
import { sha256 } from "../helpers/ctap.js";
import { CtaphidSocketClient } from "../helpers/ctaphidClient.js";
import { Permission, PinPlatform, pinHash } from "../helpers/pinPlatform.js";
import { startServe } from "../helpers/softkeyServe.js";

const PASSPHRASE = "secrets-passphrase-7c1e";
const PIN = "918273";
const parent = mkdtempSync(join(tmpdir(), "softkey-secrets-"));
const store = join(parent, "store");
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const users = [0, 1, 2].map((i) => ({
  id: new Uint8Array(createHash("sha256").update(`user handle ${i}`).digest().subarray(0, 16)),
  name: `secret-user-${i}-q7rz@example.com`,
  displayName: `Secret Person ${i} Vqx`,
}));

/** Each needle as raw bytes and in the encodings a log or a file could hold it in. */
function forms(bytes: Uint8Array): Buffer[] {
  const raw = Buffer.from(bytes);
  return [raw, Buffer.from(raw.toString("hex")), Buffer.from(raw.toString("hex").toUpperCase()), Buffer.from(raw.toString("base64")), Buffer.from(raw.toString("base64url"))];
}

it("no private key, PIN, PIN hash, hmac secret, large blob or user data in the store's files or the server's log", async () => {
  await (await Softkey.init(store, PASSPHRASE, { scrypt: { N: 1024, r: 8, p: 1 } })).close();
  const server = await startServe(store, PASSPHRASE, { globals: ["--debug"] });
  const needles = new Map<string, Uint8Array>();
  try {
    const client = await CtaphidSocketClient.connect(server.address);
    const call = client.call.bind(client);
    const pin = new PinPlatform(call, 2);
    expect(await pin.setPin(PIN)).toBe(0);
    const token = async (permissions: number, rpId?: string) => {
      const result = await pin.getPinUvAuthTokenUsingPinWithPermissions(PIN, permissions, rpId);
      expect(result.status).toBe(0);
      return result.token!;
    };

    for (const [i, user] of users.entries()) {
      const clientDataHash = sha256(`registration ${i}`);
      const { status, body } = await call(
        0x01,
        new Map<number, unknown>([
          [1, clientDataHash],
          [2, new Map([["id", "example.com"], ["name", "Example"]])],
          [3, new Map<string, unknown>([["id", user.id], ["name", user.name], ["displayName", user.displayName]])],
          [4, [new Map<string, unknown>([["alg", i === 2 ? -8 : -7], ["type", "public-key"]])]],
          [6, new Map<string, unknown>([["hmac-secret", true], ["largeBlobKey", true]])],
          [7, new Map([["rk", true]])],
          [8, pin.authenticate(await token(Permission.mc, "example.com"), clientDataHash)],
          [9, 2],
        ]),
      );
      expect(status).toBe(0);
      needles.set(`largeBlobKey ${i}`, body!.get(5) as Uint8Array);
    }

    // hmac-secret: two salts, sent encrypted; the outputs come back encrypted under the shared secret.
    const { platformKey, sharedSecret } = await pin.getKeyAgreement();
    const salts = new Uint8Array([...sha256("salt one"), ...sha256("salt two")]);
    const saltEnc = pin.crypto.encrypt(sharedSecret, salts);
    const assertion = await call(
      0x02,
      new Map<number, unknown>([
        [1, "example.com"],
        [2, sha256("assertion")],
        [4, new Map([["hmac-secret", new Map<number, unknown>([[1, platformKey], [2, saltEnc], [3, pin.crypto.authenticate(sharedSecret, saltEnc)], [4, 2]])]])],
      ]),
    );
    expect(assertion.status).toBe(0);
    const authData = assertion.body!.get(2) as Uint8Array;
    const extensions = decodeCbor(authData.subarray(37)) as Map<string, Uint8Array>;
    const outputs = pin.crypto.decrypt(sharedSecret, extensions.get("hmac-secret")!);
    needles.set("hmac-secret output 1", outputs.subarray(0, 32));
    needles.set("hmac-secret output 2", outputs.subarray(32, 64));

    // A large blob: the serialized array with a recognizable entry, written with a token with lbw.
    const blob = new Uint8Array(Buffer.from("LARGE-BLOB-PLAINTEXT-should-never-be-on-disk-unsealed-3f9a"));
    needles.set("large blob", blob);
    const entries = encodeCanonical([new Map<number, unknown>([[1, blob], [2, new Uint8Array(12).fill(4)], [3, blob.length]])]);
    const array = new Uint8Array([...entries, ...sha256(entries).subarray(0, 16)]);
    const message = new Uint8Array([...new Uint8Array(32).fill(0xff), 0x0c, 0x00, 0, 0, 0, 0, ...sha256(array)]);
    const write = await call(
      0x0c,
      new Map<number, unknown>([
        [2, array],
        [3, 0],
        [4, array.length],
        [5, pin.authenticate(await token(Permission.lbw), message)],
        [6, 2],
      ]),
    );
    expect(write.status).toBe(0);
    // The persistent pinUvAuthToken (CTAP 2.2 pcmr), and getInfo's encrypted identifier behind it.
    needles.set("persistent pinUvAuthToken", await token(0x40));
    expect((await call(0x04)).status).toBe(0);
    client.close();
  } finally {
    server.child.kill("SIGTERM");
  }
  expect((await server.exited).code).toBe(0);
  const log = Buffer.from(server.stderr(), "utf8");
  expect(log.toString()).toContain("authenticatorMakeCredential"); // the log is there, and it is the whole of it

  // What the store holds, read with the passphrase: the secrets to look for.
  const keystore = await Keystore.open(store, PASSPHRASE);
  try {
    const persistent = await keystore.getSetting<{ value: Uint8Array; identifier: Uint8Array; credStoreState: Uint8Array }>("persistentPinUvAuthToken");
    expect(Buffer.from(persistent!.value)).toEqual(Buffer.from(needles.get("persistent pinUvAuthToken")!));
    needles.set("device identifier (encIdentifier's plaintext)", persistent!.identifier);
    needles.set("credential store state", persistent!.credStoreState);
    const { credentials } = await keystore.scanCredentials();
    expect(credentials).toHaveLength(3);
    for (const [i, c] of credentials.entries()) {
      needles.set(`private key ${i} (PKCS#8)`, c.privateKey);
      const jwk = createPrivateKey({ key: Buffer.from(c.privateKey), format: "der", type: "pkcs8" }).export({ format: "jwk" });
      needles.set(`private key ${i} (raw scalar)`, new Uint8Array(Buffer.from(jwk.d!, "base64url")));
      const hmac = c.extensions?.hmacSecret as { credRandomWithUv: Uint8Array; credRandomWithoutUv: Uint8Array };
      needles.set(`hmac-secret CredRandomWithUV ${i}`, hmac.credRandomWithUv);
      needles.set(`hmac-secret CredRandomWithoutUV ${i}`, hmac.credRandomWithoutUv);
    }
  } finally {
    await keystore.close();
  }
  for (const [i, user] of users.entries()) {
    needles.set(`user id ${i}`, user.id);
    needles.set(`user name ${i}`, new Uint8Array(Buffer.from(user.name)));
    needles.set(`user display name ${i}`, new Uint8Array(Buffer.from(user.displayName)));
  }
  needles.set("PIN", new Uint8Array(Buffer.from(PIN)));
  needles.set("PIN hash (LEFT 16)", pinHash(PIN));
  needles.set("PIN SHA-256", sha256(new Uint8Array(Buffer.from(PIN))));
  needles.set("passphrase", new Uint8Array(Buffer.from(PASSPHRASE)));

  const haystacks = [...filesUnder(store).map((file) => ({ name: file, bytes: readFileSync(file) })), { name: "serve stderr", bytes: log }];
  expect(haystacks.length).toBeGreaterThan(3);
  // The search does find what is there: the RP ID is logged, and is in the store's (plaintext) key names as its hash.
  expect(log.includes(Buffer.from("example.com"))).toBe(true);
  expect(haystacks.some((h) => h.name !== "serve stderr" && h.bytes.includes(Buffer.from(sha256("example.com")).toString("hex")))).toBe(true);
  const found: string[] = [];
  for (const [what, needle] of needles) {
    expect(needle.length, what).toBeGreaterThanOrEqual(6);
    for (const form of forms(needle)) for (const hay of haystacks) if (hay.bytes.includes(form)) found.push(`${what} in ${hay.name}`);
  }
  expect(found).toEqual([]);
}, 60_000);
