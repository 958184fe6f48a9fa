import { scryptSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  UnsealError,
  deriveKey,
  generateDataKey,
  randomSalt,
  seal,
  toKeyObject,
  unseal,
  unwrapDataKey,
  validateScryptParams,
  wrapDataKey,
} from "../../src/keystore/envelope.js";
import { FAST_SCRYPT } from "./helpers.js";

const plaintext = new TextEncoder().encode("a secret record");

describe("envelope", () => {
  it("seals with a fresh nonce each time and opens only under the same key and AAD", () => {
    const key = toKeyObject(generateDataKey());
    const a = seal(key, plaintext, "c!aa!01");
    const b = seal(key, plaintext, "c!aa!01");
    expect(a.length).toBe(12 + plaintext.length + 16);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    expect(unseal(key, a, "c!aa!01")).toEqual(plaintext);
    expect(() => unseal(key, a, "c!aa!02")).toThrow(UnsealError);
    expect(() => unseal(toKeyObject(generateDataKey()), a, "c!aa!01")).toThrow(UnsealError);
    expect(() => unseal(key, a.subarray(0, 20), "c!aa!01")).toThrow(UnsealError);
  });

  it("returns a plain Uint8Array, not a Buffer", () => {
    const key = toKeyObject(generateDataKey());
    const opened = unseal(key, seal(key, plaintext, "k"), "k");
    expect(opened).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(opened)).toBe(false);
  });

  it("derives the same key from the same passphrase, salt and cost, and a different one otherwise", async () => {
    const salt = randomSalt();
    const dataKey = generateDataKey();
    const kek = await deriveKey("passphrase", salt, FAST_SCRYPT);
    const wrapped = wrapDataKey(kek, dataKey);
    const again = unwrapDataKey(await deriveKey("passphrase", salt, FAST_SCRYPT), wrapped);
    expect(new Uint8Array(again.export())).toEqual(dataKey);
    for (const [passphrase, s, params] of [
      ["Passphrase", salt, FAST_SCRYPT],
      ["passphrase", randomSalt(), FAST_SCRYPT],
      ["passphrase", salt, { ...FAST_SCRYPT, N: FAST_SCRYPT.N * 2 }],
    ] as const) {
      const other = await deriveKey(passphrase, s, params);
      expect(() => unwrapDataKey(other, wrapped)).toThrow(UnsealError);
    }
  });

  it("derives with the default cost (N=2^15, r=8 needs more than Node's default maxmem)", async () => {
    await expect(deriveKey("x", randomSalt(), { N: 2 ** 15, r: 8, p: 1 })).resolves.toBeDefined();
  });

  it("derives RFC 7914's scrypt on the calling thread (cost up to 32 MiB) and on the thread pool (above)", async () => {
    // RFC 7914 section 12, N=16384, r=8, p=1 (16 MiB: derived synchronously): the first 32 bytes.
    const rfc = await deriveKey("pleaseletmein", new TextEncoder().encode("SodiumChloride"), { N: 16384, r: 8, p: 1 });
    expect(Buffer.from(rfc.export()).toString("hex")).toBe("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2");
    // N=2^15, r=8 needs just over 32 MiB: on the thread pool, the same function as node:crypto's.
    const salt = randomSalt();
    const params = { N: 2 ** 15, r: 8, p: 1 };
    const pooled = await deriveKey("pässphrase", salt, params);
    const reference = scryptSync(Buffer.from("pässphrase".normalize("NFC")), salt, 32, { ...params, maxmem: 2 ** 27 });
    expect(Buffer.from(pooled.export()).equals(reference)).toBe(true);
  });

  it("validates scrypt parameters", () => {
    expect(() => validateScryptParams({ N: 1024, r: 8, p: 1 })).not.toThrow();
    for (const bad of [
      { N: 1000, r: 8, p: 1 },
      { N: 1, r: 8, p: 1 },
      { N: 2 ** 30, r: 8, p: 1 },
      { N: 1024, r: 0, p: 1 },
      { N: 1024, r: 8, p: 0 },
      { N: 1024, r: 8.5, p: 1 },
    ]) {
      expect(() => validateScryptParams(bad), JSON.stringify(bad)).toThrow(RangeError);
    }
  });
});
