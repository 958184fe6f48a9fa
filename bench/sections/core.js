// The authenticator core in process, on the encrypted LevelDB keystore: getAssertion against raw signing,
// makeCredential against raw key generation and signing, and discoverable makeCredential as an RP fills up.
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keystore } from "../../dist/keystore/store.js";
import { Authenticator } from "../../dist/authenticator/device.js";
import { defaultAuthenticatorConfig } from "../../dist/authenticator/deviceConfig.js";
import { createPresence } from "../../dist/presence/index.js";
import { encodeCanonical } from "../../dist/ctap/cbor.js";
import { MakeCredentialRequest } from "../../dist/ctap/messages/makeCredential.js";
import { GetAssertionRequest } from "../../dist/ctap/messages/getAssertion.js";
import { parseAuthenticatorData } from "../../dist/ctap/authenticatorData.js";
import { generateKeyMaterial, signWithCredentialKey } from "../../dist/crypto/credentialKeys.js";
import { inRounds, opsPerSecond } from "../harness.js";

const SCRYPT = { N: 1024, r: 8, p: 1 };
const sha = (text) => new Uint8Array(createHash("sha256").update(text).digest());

export function request(command, table, value) {
  const body = encodeCanonical(table.encodeMap(value));
  const out = new Uint8Array(1 + body.length);
  out[0] = command;
  out.set(body, 1);
  return out;
}

async function ok(device, bytes) {
  const response = await device.transact(bytes);
  if (response[0] !== 0) throw new Error(`CTAP status 0x${response[0].toString(16)}`);
  return response;
}

/** A device on a fresh keystore in a temp dir; `close` removes it. */
export async function openDevice(config = {}) {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-core-"));
  const store = await Keystore.create(join(dir, "store"), "bench", { scrypt: SCRYPT });
  const device = new Authenticator({ store, presence: createPresence({ uv: "off" }), config: defaultAuthenticatorConfig({ maxDiscoverableCredentials: Number.MAX_SAFE_INTEGER, ...config }) });
  return {
    device,
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function makeCredentialRequest(i, { rpId = "bench.example", rk = false, alg = -7 } = {}) {
  return request(0x01, MakeCredentialRequest, {
    clientDataHash: sha(`mc${i}`),
    rp: { id: rpId },
    user: { id: new TextEncoder().encode(`user-${i}`), name: `user${i}` },
    pubKeyCredParams: [{ type: "public-key", alg }],
    ...(rk ? { options: new Map([["rk", true]]) } : {}),
  });
}

/** Registers one credential and returns its ID. */
export async function registerOne(device, options = {}) {
  const response = await ok(device, makeCredentialRequest("first", options));
  const { decodeCbor } = await import("../../dist/ctap/cbor.js");
  return parseAuthenticatorData(decodeCbor(response.subarray(1)).get(2)).attestedCredentialData.credentialId;
}

export async function coreSection(report) {
  const { device, close } = await openDevice();
  try {
    const credentialId = await registerOne(device);
    const assertion = request(0x02, GetAssertionRequest, {
      rpId: "bench.example",
      clientDataHash: sha("ga"),
      allowList: [{ type: "public-key", id: credentialId }],
    });
    const hashAt = assertion.indexOf(0x58, 15) + 2; // the clientDataHash's bytes, varied per call
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const data = Buffer.alloc(37 + 32, 7);
    const m = await inRounds(
      async () => ({
        getAssertion: await opsPerSecond(async (i) => {
          assertion[hashAt] = i & 0xff;
          await ok(device, assertion);
        }),
        sign: await opsPerSecond(() => sign("sha256", data, privateKey)),
        makeCredential: await opsPerSecond((i) => ok(device, makeCredentialRequest(`${Math.random()}${i}`)), undefined, 20),
        keygenAndSign: await opsPerSecond(() => sign("sha256", data, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey)),
        // makeCredential's own crypto, nothing else: a key pair from raw randomness (generateKeyPairSync can hang, see
        // src/crypto/keyEncoding.ts), the private key parsed for signing, the attestation signature.
        credentialCrypto: await opsPerSecond(() => signWithCredentialKey(-7, generateKeyMaterial(-7).signingKey, data)),
      }),
      { assertionRatio: ["getAssertion", "sign"], creationRatio: ["makeCredential", "keygenAndSign"], cryptoRatio: ["credentialCrypto", "keygenAndSign"] },
    );
    report.row("CTAP getAssertion ES256, allowList, keystore on disk (counter persisted)", m.getAssertion, "ops/s", `median of rounds; load ${m.load}`);
    report.row("raw node:crypto P-256 sign (baseline)", m.sign, "ops/s");
    report.row("CTAP makeCredential ES256, non-discoverable, keystore on disk", m.makeCredential, "ops/s");
    report.row("raw node:crypto P-256 key generation + sign (baseline)", m.keygenAndSign, "ops/s");
    report.row(
      "makeCredential's crypto alone: P-256 key from raw randomness, parsed for signing, attestation signature",
      m.credentialCrypto,
      "ops/s",
      `against key generation + sign: ${m.cryptoRatio.toFixed(2)}, the most makeCredential could reach with no storage or CTAP at all`,
    );
    report.goal("CTAP getAssertion ES256 / raw node:crypto sign", m.assertionRatio, 0.8, true, m.load);
    report.goal("makeCredential ES256 / (keygen + sign)", m.creationRatio, 0.5, true, m.load);
  } finally {
    await close();
  }
  await discoverableCreation(report);
}

/** Discoverable makeCredential for new users of an RP that already holds `held` discoverable credentials. */
async function discoverableCreation(report) {
  const sizes = [10, Number(process.env.BENCH_RP_CREDENTIALS ?? 10_000)];
  const devices = [];
  try {
    for (const held of sizes) {
      const opened = await openDevice();
      devices.push(opened);
      const { putCredentialsForRp } = await import("./fillRp.js");
      await putCredentialsForRp(opened.store, "bench.example", held);
    }
    let next = 0;
    const m = await inRounds(
      async () => ({
        small: await opsPerSecond(() => ok(devices[0].device, makeCredentialRequest(`new${next++}`, { rk: true })), undefined, 5),
        large: await opsPerSecond(() => ok(devices[1].device, makeCredentialRequest(`new${next++}`, { rk: true })), undefined, 5),
      }),
      { ratio: ["large", "small"] },
    );
    report.row(`CTAP makeCredential, discoverable, ${sizes[0]} credentials already for the RP`, m.small, "ops/s", `load ${m.load}`);
    report.row(`CTAP makeCredential, discoverable, ${sizes[1].toLocaleString("en-US")} credentials already for the RP`, m.large, "ops/s");
    report.goal(`discoverable makeCredential with ${sizes[1].toLocaleString("en-US")} credentials for the RP / with ${sizes[0]}`, m.ratio, 0.8, true, m.load);
  } finally {
    for (const opened of devices) await opened.close();
  }
}
