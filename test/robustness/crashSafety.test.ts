/**
 * Crash safety of the real server: `softkey serve` is started again and again
 * on one store, driven over raw CTAPHID (registrations and assertions), and
 * SIGKILLed at random moments, mid-request included. After every restart the
 * store opens, every credential whose creation was acknowledged is there and
 * signs (its signature verifies with the public key from its registration),
 * and no signature counter ever reports a value at or below one already
 * returned for that credential.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyObject } from "node:crypto";
import { afterAll, expect, it } from "vitest";
import { Softkey } from "../../src/softkey.js";
import { Keystore } from "../../src/keystore/store.js";
import { coseToKeyObject, parseAuthData, sha256, verifySignature } from "../helpers/ctap.js";
import { CtaphidSocketClient, ServerGoneError } from "../helpers/ctaphidClient.js";
import { startServe } from "../helpers/softkeyServe.js";
import { seededRandom } from "../ctaphid/helpers.js";

const PASSPHRASE = "crash test";
const KILLS = 15;
const parent = mkdtempSync(join(tmpdir(), "softkey-crash-"));
const store = join(parent, "store");
afterAll(() => rmSync(parent, { recursive: true, force: true }));

interface Acknowledged {
  id: Uint8Array;
  rpId: string;
  alg: number;
  publicKey: KeyObject;
  /** The highest counter any response has shown for it. */
  highest: number;
}

async function register(client: CtaphidSocketClient, n: number, discoverable: boolean): Promise<Acknowledged | undefined> {
  const rpId = `rp${n % 3}.example`;
  const alg = n % 4 === 0 ? -8 : -7;
  const options = new Map<string, boolean>(discoverable ? [["rk", true], ["uv", true]] : []);
  const params = new Map<number, unknown>([
    [1, sha256(`registration ${n}`)],
    [2, new Map([["id", rpId]])],
    [3, new Map<string, unknown>([["id", Uint8Array.of(n >> 8, n & 0xff)], ["name", `user${n}`]])],
    [4, [new Map<string, unknown>([["alg", alg], ["type", "public-key"]])]],
  ]);
  if (options.size > 0) params.set(7, options);
  const { status, body } = await client.call(0x01, params);
  if (status !== 0) throw new Error(`makeCredential answered 0x${status.toString(16)}`);
  const authData = parseAuthData(body!.get(2) as Uint8Array);
  return { id: new Uint8Array(authData.credentialId!), rpId, alg, publicKey: coseToKeyObject(authData.publicKey!), highest: authData.signCount };
}

/** An assertion with an allowList of one: it must sign, verify, and count above everything seen before. */
async function assertUsable(client: CtaphidSocketClient, credential: Acknowledged, n: number): Promise<void> {
  const clientDataHash = sha256(`assertion ${n}`);
  const { status, body } = await client.call(
    0x02,
    new Map<number, unknown>([
      [1, credential.rpId],
      [2, clientDataHash],
      [3, [new Map<string, unknown>([["id", credential.id], ["type", "public-key"]])]],
    ]),
  );
  expect(status, `credential ${Buffer.from(credential.id).toString("hex")} no longer signs`).toBe(0);
  const authData = body!.get(2) as Uint8Array;
  const signed = new Uint8Array([...authData, ...clientDataHash]);
  expect(verifySignature(credential.alg, credential.publicKey, signed, body!.get(3) as Uint8Array)).toBe(true);
  const { signCount } = parseAuthData(authData);
  expect(signCount, "a counter went backwards or repeated").toBeGreaterThan(credential.highest);
  credential.highest = signCount;
}

it(`survives ${KILLS} SIGKILLs mid-ceremony: acknowledged credentials stay, counters only go up`, async () => {
  await (await Softkey.init(store, PASSPHRASE, { scrypt: { N: 1024, r: 8, p: 1 } })).close();
  const random = seededRandom(0x5eed);
  const acknowledged: Acknowledged[] = [];
  let n = 0;
  let killedMidRequest = 0;

  for (let round = 0; round <= KILLS; round++) {
    const server = await startServe(store, PASSPHRASE, { args: ["--quiet"] });
    const client = await CtaphidSocketClient.connect(server.address);
    // After the restart, before anything else: every acknowledged credential is there and usable.
    for (const credential of acknowledged) await assertUsable(client, credential, n++);
    if (round === KILLS) {
      client.close();
      server.child.kill("SIGTERM");
      expect((await server.exited).code).toBe(0);
      break;
    }
    // Then work until a SIGKILL at a random moment.
    const killAfter = 20 + Math.floor(random() * 250);
    const killer = setTimeout(() => server.child.kill("SIGKILL"), killAfter);
    try {
      for (;;) {
        if (random() < 0.5 || acknowledged.length === 0) {
          const made = await register(client, n++, random() < 0.5);
          if (made) acknowledged.push(made);
        } else {
          await assertUsable(client, acknowledged[Math.floor(random() * acknowledged.length)]!, n++);
        }
      }
    } catch (error) {
      if (!(error instanceof ServerGoneError)) throw error;
      killedMidRequest++;
    } finally {
      clearTimeout(killer);
      client.close();
    }
    expect((await server.exited).signal).toBe("SIGKILL");
  }

  // The store itself, opened directly: nothing corrupted, every acknowledged credential present.
  const keystore = await Keystore.open(store, PASSPHRASE);
  try {
    const { credentials, corrupted } = await keystore.scanCredentials();
    expect(corrupted).toEqual([]);
    const ids = new Set(credentials.map((c) => Buffer.from(c.id).toString("hex")));
    for (const credential of acknowledged) expect(ids.has(Buffer.from(credential.id).toString("hex"))).toBe(true);
    expect((await keystore.countCredentials()).total).toBe(credentials.length);
  } finally {
    await keystore.close();
  }
  expect(killedMidRequest).toBe(KILLS);
  expect(acknowledged.length).toBeGreaterThan(KILLS);
}, 90_000);
