#!/usr/bin/env node
// Fill a softkey store with many real, usable credentials, fast: for the scale benchmark (bench/scale.js)
// and for testing a relying party against an authenticator that holds a lot.
//
//   node bench/fill.js --store DIR --credentials N [--rps M] [--kdf-cost 14]
//
// The passphrase comes from SOFTKEY_PASSPHRASE. A missing store is created (scrypt N=2^kdf-cost). The
// credentials are spread round-robin over M relying parties rp<k>.fill.example (default N/10, at least 1),
// user user<i>@rp<k>.fill.example, all discoverable, ES256. They are written through
// Keystore.putCredentials: each record sealed on its own, 1000 per batch. On a terminal a progress line
// is shown on stderr. Uses the built dist: run `npm run build` first.
import { createECDH, createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { Keystore } from "../dist/keystore/store.js";
import { encodeEc2PublicKey } from "../dist/ctap/cose.js";
import { DEFAULT_SCRYPT } from "../dist/keystore/envelope.js";

/** PKCS#8 DER of a P-256 private key with its public key, around the 32-byte scalar and the 65-byte point. */
const PKCS8_PREFIX = Buffer.from("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420", "hex");
const PKCS8_MIDDLE = Buffer.from("a144034200", "hex");

/**
 * A fresh P-256 key pair as the keystore holds one: PKCS#8 DER and a COSE_Key. ECDH key generation is
 * about 5x faster than generateKeyPairSync + export, and gives the same keys.
 */
function p256KeyPair() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const scalar = ecdh.getPrivateKey();
  const d = Buffer.alloc(32);
  scalar.copy(d, 32 - scalar.length);
  const point = ecdh.getPublicKey();
  return {
    privateKey: new Uint8Array(Buffer.concat([PKCS8_PREFIX, d, PKCS8_MIDDLE, point])),
    publicKey: encodeEc2PublicKey(point.subarray(1, 33), point.subarray(33, 65)),
  };
}

export function rpIdOf(k) {
  return `rp${k}.fill.example`;
}

const rpIdHashes = new Map();
function rpIdHash(rpId) {
  let hash = rpIdHashes.get(rpId);
  if (!hash) {
    hash = new Uint8Array(createHash("sha256").update(rpId).digest());
    if (rpIdHashes.size < 100_000) rpIdHashes.set(rpId, hash);
  }
  return hash;
}

const ID = 32;
const USER_ID = 16;
const PKCS8 = 138;
const COSE = 77;
const PER_RECORD = ID + USER_ID + PKCS8 + COSE;

/** Key material for `n` credentials in one transferable buffer: IDs, user IDs, PKCS#8 keys, COSE keys. */
function generateMaterial(n) {
  const out = new Uint8Array(n * PER_RECORD);
  randomBytes(n * (ID + USER_ID)).copy(out);
  for (let j = 0, at = n * (ID + USER_ID); j < n; j++, at += PKCS8 + COSE) {
    const { privateKey, publicKey } = p256KeyPair();
    out.set(privateKey, at);
    out.set(publicKey, at + PKCS8);
  }
  return out;
}

/** Key generation in a worker thread, a batch ahead, so it overlaps sealing and writing on the main thread. */
function materialSource() {
  const worker = new Worker(fileURLToPath(import.meta.url));
  const waiting = [];
  worker.on("message", (buffer) => waiting.shift()?.resolve(new Uint8Array(buffer)));
  worker.on("error", (error) => {
    for (const w of waiting.splice(0)) w.reject(error);
  });
  return {
    request(n) {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage(n);
      });
    },
    close: () => worker.terminate(),
  };
}

if (!isMainThread && parentPort) {
  parentPort.on("message", (n) => {
    const material = generateMaterial(n);
    parentPort.postMessage(material.buffer, [material.buffer]);
  });
}

/**
 * Fill `store` (an open Keystore) with `credentials` credentials over `rps` relying parties.
 * `onProgress(done, total)` is called after each batch. Returns { seconds }.
 */
export async function fillStore(store, { credentials, rps = Math.max(1, Math.floor(credentials / 10)), startIndex = 0, onProgress } = {}) {
  const chunk = 5000;
  const start = performance.now();
  const createdAt = Date.now();
  const source = materialSource();
  try {
    let next = source.request(Math.min(chunk, credentials));
    for (let done = 0; done < credentials; ) {
      const n = Math.min(chunk, credentials - done);
      const material = await next;
      const following = Math.min(chunk, credentials - done - n);
      if (following > 0) next = source.request(following);
      const records = [];
      const keysAt = n * (ID + USER_ID);
      for (let j = 0; j < n; j++) {
        const i = startIndex + done + j;
        const k = i % rps;
        const rpId = rpIdOf(k);
        const at = keysAt + j * (PKCS8 + COSE);
        records.push({
          id: material.slice(j * ID, (j + 1) * ID),
          rpId,
          rpIdHash: rpIdHash(rpId),
          rpName: `Fill RP ${k}`,
          user: { id: material.slice(n * ID + j * USER_ID, n * ID + (j + 1) * USER_ID), name: `user${i}@${rpId}`, displayName: `User ${i}` },
          discoverable: true,
          alg: -7,
          privateKey: material.slice(at, at + PKCS8),
          publicKey: material.slice(at + PKCS8, at + PKCS8 + COSE),
          createdAt,
        });
      }
      material.fill(0);
      await store.putCredentials(records);
      done += n;
      onProgress?.(done, credentials);
    }
  } finally {
    await source.close();
  }
  return { seconds: (performance.now() - start) / 1000 };
}

/** A progress line that rewrites itself, only on a terminal. */
export function progressLine(label) {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  const started = performance.now();
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - last < 200) return;
    last = now;
    const rate = done / ((now - started) / 1000);
    const eta = rate > 0 ? (total - done) / rate : 0;
    const pct = ((done / total) * 100).toFixed(1);
    process.stderr.write(`\r${label} ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} (${pct}%) ${Math.round(rate).toLocaleString("en-US")}/s, ${Math.ceil(eta)} s left   `);
    if (done === total) process.stderr.write("\n");
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      store: { type: "string" },
      credentials: { type: "string" },
      rps: { type: "string" },
      "kdf-cost": { type: "string" },
    },
  });
  const passphrase = process.env.SOFTKEY_PASSPHRASE;
  const credentials = Number(values.credentials);
  if (!values.store || !Number.isSafeInteger(credentials) || credentials < 1 || passphrase === undefined) {
    process.stderr.write("usage: SOFTKEY_PASSPHRASE=... node bench/fill.js --store DIR --credentials N [--rps M] [--kdf-cost 14]\n");
    process.exit(2);
  }
  const rps = values.rps === undefined ? undefined : Number(values.rps);
  if (rps !== undefined && (!Number.isSafeInteger(rps) || rps < 1)) throw new Error("--rps must be a positive integer");
  const cost = values["kdf-cost"] === undefined ? undefined : Number(values["kdf-cost"]);
  const existing = await Keystore.exists(values.store);
  const store = existing
    ? await Keystore.open(values.store, passphrase)
    : await Keystore.create(values.store, passphrase, { scrypt: cost === undefined ? DEFAULT_SCRYPT : { ...DEFAULT_SCRYPT, N: 2 ** cost } });
  try {
    const before = (await store.countCredentials()).total;
    const { seconds } = await fillStore(store, { credentials, rps, startIndex: before, onProgress: progressLine("filling") });
    const after = await store.countCredentials();
    process.stdout.write(`${JSON.stringify({ store: store.dir, added: credentials, total: after.total, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(credentials / seconds) })}\n`);
  } finally {
    await store.close();
  }
}

if (isMainThread && process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
