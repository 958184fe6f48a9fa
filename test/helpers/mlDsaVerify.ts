/**
 * An ML-DSA verifier written for the tests from FIPS 204 (Algorithms 3 and 8,
 * with the encodings of section 7 and the NTT of section 7.5), independent of
 * @noble/post-quantum, which signs for softkey: a second implementation path,
 * so a signature the two agree on is one FIPS 204 accepts, not merely one the
 * signer's own verify accepts. Only SHAKE comes from a library (@noble/hashes).
 * Slow and simple on purpose.
 */
import { shake128, shake256 } from "@noble/hashes/sha3.js";

const Q = 8380417;
const N = 256;
const D = 13;

interface Params {
  k: number;
  l: number;
  tau: number;
  lambda: number;
  gamma1: number;
  gamma2: number;
  beta: number;
  omega: number;
}

/** FIPS 204 table 1. */
export const ML_DSA_PARAMS: Record<44 | 65 | 87, Params> = {
  44: { k: 4, l: 4, tau: 39, lambda: 128, gamma1: 2 ** 17, gamma2: (Q - 1) / 88, beta: 78, omega: 80 },
  65: { k: 6, l: 5, tau: 49, lambda: 192, gamma1: 2 ** 19, gamma2: (Q - 1) / 32, beta: 196, omega: 55 },
  87: { k: 8, l: 7, tau: 60, lambda: 256, gamma1: 2 ** 19, gamma2: (Q - 1) / 32, beta: 120, omega: 75 },
};

const mod = (a: number, m = Q): number => ((a % m) + m) % m;
const mulq = (a: number, b: number): number => mod(Number((BigInt(a) * BigInt(b)) % BigInt(Q)));

/** zetas[m] = 1753^BitRev8(m) mod q (section 7.5). */
const ZETAS: number[] = (() => {
  const bitrev8 = (m: number) => parseInt(m.toString(2).padStart(8, "0").split("").reverse().join(""), 2);
  const pow = (b: number, e: number) => {
    let r = 1;
    for (let i = 0; i < e; i++) r = mulq(r, b);
    return r;
  };
  return Array.from({ length: 256 }, (_, m) => pow(1753, bitrev8(m)));
})();

/** Algorithm 41. */
function ntt(w: number[]): number[] {
  const a = [...w];
  let m = 0;
  for (let len = 128; len >= 1; len /= 2) {
    for (let start = 0; start < N; start += 2 * len) {
      const z = ZETAS[++m]!;
      for (let j = start; j < start + len; j++) {
        const t = mulq(z, a[j + len]!);
        a[j + len] = mod(a[j]! - t);
        a[j] = mod(a[j]! + t);
      }
    }
  }
  return a;
}

/** Algorithm 42. */
function inverseNtt(w: number[]): number[] {
  const a = [...w];
  let m = 256;
  for (let len = 1; len < N; len *= 2) {
    for (let start = 0; start < N; start += 2 * len) {
      const z = mod(-ZETAS[--m]!);
      for (let j = start; j < start + len; j++) {
        const t = a[j]!;
        a[j] = mod(t + a[j + len]!);
        a[j + len] = mulq(z, mod(t - a[j + len]!));
      }
    }
  }
  return a.map((x) => mulq(x, 8347681));
}

/** Bits of bytes, least significant first (BytesToBits, Algorithm 12). */
function bitsOf(bytes: Uint8Array): number[] {
  const bits: number[] = [];
  for (const byte of bytes) for (let j = 0; j < 8; j++) bits.push((byte >> j) & 1);
  return bits;
}

/** `count` integers of `width` bits each, least significant bit first (the inner loop of BitUnpack, Algorithm 19). */
function unpack(bytes: Uint8Array, width: number, count = N): number[] {
  const bits = bitsOf(bytes);
  return Array.from({ length: count }, (_, i) => bits.slice(i * width, (i + 1) * width).reduce((acc, bit, j) => acc + bit * 2 ** j, 0));
}

function pack(values: number[], width: number): Uint8Array {
  const bits = values.flatMap((v) => Array.from({ length: width }, (_, j) => Math.floor(v / 2 ** j) % 2));
  const out = new Uint8Array(bits.length / 8);
  bits.forEach((bit, i) => (out[i >> 3]! |= bit << (i & 7)));
  return out;
}

const bitlen = (x: number) => x.toString(2).length;

/** RejNTTPoly (Algorithm 30) over SHAKE128(rho || s || r). */
function rejNttPoly(seed: Uint8Array): number[] {
  // Enough output that rejection never runs out (each 3 bytes is rejected with probability < 0.001).
  const stream = shake128(seed, { dkLen: 3 * N * 2 });
  const out: number[] = [];
  for (let i = 0; out.length < N; i += 3) {
    const z = ((stream[i + 2]! & 0x7f) << 16) | (stream[i + 1]! << 8) | stream[i]!;
    if (z < Q) out.push(z);
  }
  return out;
}

/** SampleInBall (Algorithm 29). */
function sampleInBall(seed: Uint8Array, tau: number): number[] {
  const stream = shake256(seed, { dkLen: 8 + 4 * N });
  const signs = bitsOf(stream.subarray(0, 8));
  const c = new Array<number>(N).fill(0);
  let at = 8;
  for (let i = N - tau; i < N; i++) {
    let j = stream[at++]!;
    while (j > i) j = stream[at++]!;
    c[i] = c[j]!;
    c[j] = signs[i + tau - N] ? Q - 1 : 1;
  }
  return c;
}

/** Decompose (Algorithm 36): r = r1 * 2 gamma2 + r0. */
function decompose(r: number, gamma2: number): [number, number] {
  const rPlus = mod(r);
  let r0 = rPlus % (2 * gamma2);
  if (r0 > gamma2) r0 -= 2 * gamma2;
  if (rPlus - r0 === Q - 1) return [0, r0 - 1];
  return [(rPlus - r0) / (2 * gamma2), r0];
}

/** UseHint (Algorithm 40). */
function useHint(h: number, r: number, gamma2: number): number {
  const m = (Q - 1) / (2 * gamma2);
  const [r1, r0] = decompose(r, gamma2);
  if (h === 1 && r0 > 0) return mod(r1 + 1, m);
  if (h === 1 && r0 <= 0) return mod(r1 - 1, m);
  return r1;
}

/** HintBitUnpack (Algorithm 21); undefined is FIPS 204's ⊥ (a malformed hint). */
function hintBitUnpack(y: Uint8Array, k: number, omega: number): number[][] | undefined {
  const h = Array.from({ length: k }, () => new Array<number>(N).fill(0));
  let index = 0;
  for (let i = 0; i < k; i++) {
    const end = y[omega + i]!;
    if (end < index || end > omega) return undefined;
    const first = index;
    while (index < end) {
      if (index > first && y[index - 1]! >= y[index]!) return undefined;
      h[i]![y[index]!] = 1;
      index++;
    }
  }
  for (let i = index; i < omega; i++) if (y[i] !== 0) return undefined;
  return h;
}

/** ML-DSA.Verify (Algorithm 3) with Verify_internal (Algorithm 8): pure ML-DSA, context `ctx` (WebAuthn: empty). */
export function mlDsaVerifyIndependently(set: 44 | 65 | 87, pk: Uint8Array, message: Uint8Array, sig: Uint8Array, ctx = new Uint8Array(0)): boolean {
  const p = ML_DSA_PARAMS[set];
  const zWidth = 1 + bitlen(p.gamma1 - 1);
  if (pk.length !== 32 + 320 * p.k) return false;
  if (sig.length !== p.lambda / 4 + p.l * 32 * zWidth + p.omega + p.k) return false;
  // pkDecode (Algorithm 23).
  const rho = pk.subarray(0, 32);
  const t1 = Array.from({ length: p.k }, (_, i) => unpack(pk.subarray(32 + 320 * i, 32 + 320 * (i + 1)), 10));
  // sigDecode (Algorithm 27).
  const cTilde = sig.subarray(0, p.lambda / 4);
  let at = p.lambda / 4;
  const z: number[][] = [];
  for (let i = 0; i < p.l; i++, at += 32 * zWidth) z.push(unpack(sig.subarray(at, at + 32 * zWidth), zWidth).map((w) => p.gamma1 - w));
  const h = hintBitUnpack(sig.subarray(at), p.k, p.omega);
  if (!h) return false;
  if (z.some((poly) => poly.some((c) => Math.abs(c) >= p.gamma1 - p.beta))) return false;

  const a = Array.from({ length: p.k }, (_, r) => Array.from({ length: p.l }, (_, s) => rejNttPoly(new Uint8Array([...rho, s, r]))));
  const tr = shake256(pk, { dkLen: 64 });
  const mPrime = new Uint8Array([0, ctx.length, ...ctx, ...message]);
  const mu = shake256(new Uint8Array([...tr, ...mPrime]), { dkLen: 64 });
  const cHat = ntt(sampleInBall(cTilde, p.tau));
  const zHat = z.map((poly) => ntt(poly.map((c) => mod(c))));
  const w1Encoded: Uint8Array[] = [];
  const w1Width = bitlen((Q - 1) / (2 * p.gamma2) - 1);
  for (let r = 0; r < p.k; r++) {
    const t1Hat = ntt(t1[r]!.map((c) => mulq(c, 2 ** D)));
    const acc = new Array<number>(N).fill(0);
    for (let s = 0; s < p.l; s++) for (let j = 0; j < N; j++) acc[j] = mod(acc[j]! + mulq(a[r]![s]![j]!, zHat[s]![j]!));
    const wApprox = inverseNtt(acc.map((x, j) => mod(x - mulq(cHat[j]!, t1Hat[j]!))));
    w1Encoded.push(pack(wApprox.map((w, j) => useHint(h[r]![j]!, w, p.gamma2)), w1Width));
  }
  const cTildePrime = shake256(new Uint8Array([...mu, ...w1Encoded.flatMap((b) => [...b])]), { dkLen: p.lambda / 4 });
  return Buffer.from(cTildePrime).equals(Buffer.from(cTilde));
}
