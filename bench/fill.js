#!/usr/bin/env node
// Fill a softkey store with many real, usable credentials, fast: for the scale benchmark (bench/scale.js).
// The work is src/fill/fillStore.ts, which `softkey fill` runs too; this script adds what the benchmark
// needs on top: it creates a missing store (no profile limit on discoverable credentials) and prints
// one JSON line.
//
//   node bench/fill.js --store DIR --credentials N [--rps M] [--kdf-cost 14]
//
// The passphrase comes from SOFTKEY_PASSPHRASE. Credentials go round-robin over M relying parties
// rp<k>.fill.example (default N/10, at least 1), user user<i>@rp<k>.fill.example, all discoverable, ES256.
// Uses the built dist: run `npm run build` first.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { Keystore } from "../dist/keystore/store.js";
import { DEFAULT_SCRYPT } from "../dist/keystore/envelope.js";
import { fillStore, generatedRpIds } from "../dist/fill/fillStore.js";

/** The RP ID of generated relying party k, as generatedRpIds names it. */
export function rpIdOf(k) {
  return `rp${k}.fill.example`;
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
  const rps = values.rps === undefined ? Math.max(1, Math.floor(credentials / 10)) : Number(values.rps);
  if (!Number.isSafeInteger(rps) || rps < 1) throw new Error("--rps must be a positive integer");
  const cost = values["kdf-cost"] === undefined ? undefined : Number(values["kdf-cost"]);
  const existing = await Keystore.exists(values.store);
  const store = existing
    ? await Keystore.open(values.store, passphrase)
    : await Keystore.create(values.store, passphrase, { scrypt: cost === undefined ? DEFAULT_SCRYPT : { ...DEFAULT_SCRYPT, N: 2 ** cost } });
  try {
    const before = (await store.countCredentials()).total;
    const { seconds } = await fillStore(store, { credentials, rpIds: generatedRpIds(rps), startIndex: before });
    const after = await store.countCredentials();
    process.stdout.write(`${JSON.stringify({ store: store.dir, added: credentials, total: after.total, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(credentials / seconds) })}\n`);
  } finally {
    await store.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
