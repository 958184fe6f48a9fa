// Many discoverable credentials for one RP, written in bulk as bench/fill.js writes them (real P-256 keys).
import { createHash, createECDH } from "node:crypto";
import { encodeP256Pkcs8 } from "../../dist/crypto/keyEncoding.js";
import { encodeEc2PublicKey } from "../../dist/ctap/cose.js";

export async function putCredentialsForRp(store, rpId, count) {
  const rpIdHash = new Uint8Array(createHash("sha256").update(rpId).digest());
  const batch = [];
  for (let i = 0; i < count; i++) {
    const ecdh = createECDH("prime256v1");
    const point = new Uint8Array(ecdh.generateKeys());
    const d = new Uint8Array(32);
    const scalar = ecdh.getPrivateKey();
    d.set(scalar, 32 - scalar.length);
    batch.push({
      id: new Uint8Array(createHash("sha256").update(`${rpId}/${i}`).digest()),
      rpId,
      rpIdHash,
      user: { id: new TextEncoder().encode(`held-${i}`), name: `held${i}` },
      discoverable: true,
      alg: -7,
      privateKey: encodeP256Pkcs8({ d, point }),
      publicKey: encodeEc2PublicKey(point.slice(1, 33), point.slice(33)),
      createdAt: Date.now(),
    });
    if (batch.length === 1000 || i === count - 1) {
      await store.putCredentials(batch.splice(0));
    }
  }
}
