/**
 * P-256 key pairs for bulk filling, made in a worker thread a batch ahead so
 * key generation overlaps sealing and writing on the main thread. The worker
 * runs a few lines of node:crypto (ECDH key generation, about five times
 * faster than generateKeyPairSync + export, and the same keys) and hands back
 * raw scalars and points; the keystore's formats (PKCS#8, COSE_Key) are
 * built here, on the main thread, from the one definition of each.
 */
import { Worker } from "node:worker_threads";
import { encodeEc2PublicKey } from "../ctap/cose.js";

/** d (32 bytes) then the uncompressed point (65 bytes), per key. */
const RAW = 32 + 65;

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createECDH } = require("node:crypto");
parentPort.on("message", (n) => {
  const out = new Uint8Array(n * ${RAW});
  for (let i = 0; i < n; i++) {
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const d = ecdh.getPrivateKey();
    out.set(d, i * ${RAW} + 32 - d.length);
    out.set(ecdh.getPublicKey(), i * ${RAW} + 32);
  }
  parentPort.postMessage(out.buffer, [out.buffer]);
});
`;

/** PKCS#8 DER of a P-256 private key with its public key, around the 32-byte scalar and the 65-byte point (RFC 5915 inside RFC 5208). */
const PKCS8_PREFIX = Buffer.from("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420", "hex");
const PKCS8_MIDDLE = Buffer.from("a144034200", "hex");

export interface P256KeyPair {
  /** PKCS#8 DER, as the keystore holds private keys. */
  privateKey: Uint8Array;
  /** COSE_Key, as the keystore holds public keys. */
  publicKey: Uint8Array;
}

export class KeyMaterialSource {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly waiting: { resolve: (raw: Uint8Array) => void; reject: (error: Error) => void }[] = [];

  constructor() {
    this.worker.on("message", (buffer: ArrayBuffer) => this.waiting.shift()?.resolve(new Uint8Array(buffer)));
    this.worker.on("error", (error) => {
      for (const w of this.waiting.splice(0)) w.reject(error);
    });
  }

  /** `n` fresh key pairs. Requests are answered in order, so one may be asked for ahead of need. */
  async request(n: number): Promise<P256KeyPair[]> {
    const raw = await new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(n);
    });
    const pairs: P256KeyPair[] = [];
    for (let i = 0; i < n; i++) {
      const d = raw.subarray(i * RAW, i * RAW + 32);
      const point = raw.subarray(i * RAW + 32, (i + 1) * RAW);
      pairs.push({
        privateKey: new Uint8Array(Buffer.concat([PKCS8_PREFIX, d, PKCS8_MIDDLE, point])),
        publicKey: encodeEc2PublicKey(point.subarray(1, 33), point.subarray(33, 65)),
      });
    }
    raw.fill(0);
    return pairs;
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
