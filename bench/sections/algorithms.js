// Each COSE algorithm softkey makes credentials for: CTAP getAssertion through the core (in-memory store, so the
// figure is the algorithm's, not the disk's) beside the raw signing library in the same round: node:crypto for
// the classical algorithms, @noble/post-quantum for ML-DSA. Ratios are per round, then the median.
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { Authenticator } from "../../dist/authenticator/device.js";
import { MemoryStore } from "../../dist/authenticator/memoryStore.js";
import { defaultAuthenticatorConfig } from "../../dist/authenticator/deviceConfig.js";
import { createPresence } from "../../dist/presence/index.js";
import { GetAssertionRequest } from "../../dist/ctap/messages/getAssertion.js";
import { inRounds, opsPerSecond } from "../harness.js";
import { registerOne, request } from "./core.js";

const sha = (text) => new Uint8Array(createHash("sha256").update(text).digest());

/** [name, COSE alg, raw baseline label, a signer for 69 bytes (authenticatorData || clientDataHash)]. */
function baselines() {
  const node = (hash, key) => (data) => sign(hash, data, key);
  const ec = (curve) => generateKeyPairSync("ec", { namedCurve: curve }).privateKey;
  const p256 = ec("P-256");
  const p384 = ec("P-384");
  const p521 = ec("P-521");
  const ed25519 = generateKeyPairSync("ed25519").privateKey;
  const ed448 = generateKeyPairSync("ed448").privateKey;
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const pq = (set) => {
    const { secretKey } = set.keygen();
    return (data) => set.sign(data, secretKey);
  };
  return [
    ["ES256", -7, "node:crypto P-256 sign", node("sha256", p256)],
    ["ESP256", -9, "node:crypto P-256 sign", node("sha256", p256)],
    ["ES384", -35, "node:crypto P-384 sign", node("sha384", p384)],
    ["ESP384", -51, "node:crypto P-384 sign", node("sha384", p384)],
    ["ES512", -36, "node:crypto P-521 sign", node("sha512", p521)],
    ["ESP512", -52, "node:crypto P-521 sign", node("sha512", p521)],
    ["EdDSA", -8, "node:crypto Ed25519 sign", node(null, ed25519)],
    ["Ed25519", -19, "node:crypto Ed25519 sign", node(null, ed25519)],
    ["Ed448", -53, "node:crypto Ed448 sign", node(null, ed448)],
    ["RS256", -257, "node:crypto RSA-2048 PKCS#1 v1.5 sign", node("sha256", rsa)],
    ["ML-DSA-44", -48, "@noble/post-quantum ML-DSA-44 sign", pq(ml_dsa44)],
    ["ML-DSA-65", -49, "@noble/post-quantum ML-DSA-65 sign", pq(ml_dsa65)],
    ["ML-DSA-87", -50, "@noble/post-quantum ML-DSA-87 sign", pq(ml_dsa87)],
  ];
}

export async function algorithmsSection(report) {
  const data = Buffer.alloc(37 + 32, 7);
  for (const [name, alg, label, rawSign] of baselines()) {
    const device = new Authenticator({ store: new MemoryStore(), presence: createPresence({ uv: "off" }), config: defaultAuthenticatorConfig({ algorithms: [alg] }) });
    const credentialId = await registerOne(device, { alg });
    const assertion = request(0x02, GetAssertionRequest, { rpId: "bench.example", clientDataHash: sha("ga"), allowList: [{ type: "public-key", id: credentialId }] });
    const hashAt = assertion.indexOf(0x58, 15) + 2;
    const slow = alg <= -48 && alg >= -50;
    const warmUp = slow ? 5 : 50;
    const m = await inRounds(
      async () => ({
        getAssertion: await opsPerSecond(async (i) => {
          assertion[hashAt] = i & 0xff;
          const response = await device.transact(assertion);
          if (response[0] !== 0) throw new Error(`${name}: CTAP status 0x${response[0].toString(16)}`);
        }, undefined, warmUp),
        raw: await opsPerSecond(() => rawSign(data), undefined, warmUp),
      }),
      { ratio: ["getAssertion", "raw"] },
    );
    report.row(`CTAP getAssertion ${name} (${alg}), in-memory store`, m.getAssertion, "ops/s", `load ${m.load}`);
    report.row(`raw ${label} (baseline for ${name})`, m.raw, "ops/s", `getAssertion / raw: ${m.ratio.toFixed(2)}`);
  }
}
