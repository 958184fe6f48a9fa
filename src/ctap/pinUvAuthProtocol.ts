/**
 * PIN/UV auth protocols one and two (CTAP 2.1 sections 6.5.6 and 6.5.7): an
 * ECDH P-256 key agreement with the platform, then encrypt/decrypt and
 * authenticate/verify with the shared secret or with a pinUvAuthToken.
 */
import { createCipheriv, createDecipheriv, createECDH, createHmac, hkdfSync, randomBytes, timingSafeEqual, createHash, type ECDH } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import type { CborMap, CborValue } from "./cbor.js";
import { CtapError, Status } from "./status.js";

export interface PinUvAuthProtocol {
  readonly version: 1 | 2;
  /** The authenticator's key agreement public key as a COSE_Key (alg -25, ECDH-ES+HKDF-256). */
  getPublicKey(): CborMap;
  /** ECDH with the platform's COSE_Key, then the protocol's KDF. Invalid keys are CTAP1_ERR_INVALID_PARAMETER. */
  decapsulate(peerCoseKey: CborMap): Uint8Array;
  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Undefined when the ciphertext is malformed. */
  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined;
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array;
  verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** A fresh key agreement key: after a PIN mismatch and on power-up. */
  regenerate(): void;
}

abstract class EcdhProtocol implements PinUvAuthProtocol {
  abstract readonly version: 1 | 2;
  private ecdh!: ECDH;

  constructor() {
    this.regenerate();
  }

  regenerate(): void {
    this.ecdh = createECDH("prime256v1");
    this.ecdh.generateKeys();
  }

  getPublicKey(): CborMap {
    const point = this.ecdh.getPublicKey();
    return new Map<number, CborValue>([
      [1, 2],
      [3, -25],
      [-1, 1],
      [-2, new Uint8Array(point.subarray(1, 33))],
      [-3, new Uint8Array(point.subarray(33, 65))],
    ]);
  }

  decapsulate(peer: CborMap): Uint8Array {
    const x = peer.get(-2);
    const y = peer.get(-3);
    if (peer.get(1) !== 2 || peer.get(-1) !== 1 || !(x instanceof Uint8Array) || !(y instanceof Uint8Array) || x.length !== 32 || y.length !== 32) {
      throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "keyAgreement is not a P-256 COSE key");
    }
    const uncompressed = new Uint8Array(65);
    uncompressed[0] = 0x04;
    uncompressed.set(x, 1);
    uncompressed.set(y, 33);
    try {
      // noble checks the point is on the curve and not the identity before OpenSSL sees it.
      p256.Point.fromBytes(uncompressed).assertValidity();
    } catch {
      throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "keyAgreement is not a point on P-256");
    }
    const z = new Uint8Array(this.ecdh.computeSecret(uncompressed));
    return this.kdf(z);
  }

  protected abstract kdf(z: Uint8Array): Uint8Array;
  abstract encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array;
  abstract decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined;
  abstract authenticate(key: Uint8Array, message: Uint8Array): Uint8Array;

  verify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const expected = this.authenticate(key, message);
    return signature.length === expected.length && timingSafeEqual(expected, signature);
  }
}

function aes256Cbc(direction: "encrypt" | "decrypt", key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = direction === "encrypt" ? createCipheriv("aes-256-cbc", key, iv) : createDecipheriv("aes-256-cbc", key, iv);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(message).digest());
}

/** Protocol one: SHA-256(Z), AES-256-CBC with a zero IV, HMAC truncated to 16 bytes. */
export class PinUvAuthProtocolOne extends EcdhProtocol {
  readonly version = 1 as const;

  protected kdf(z: Uint8Array): Uint8Array {
    return new Uint8Array(createHash("sha256").update(z).digest());
  }

  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
    return aes256Cbc("encrypt", key, new Uint8Array(16), plaintext);
  }

  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (ciphertext.length % 16 !== 0) return undefined;
    return aes256Cbc("decrypt", key, new Uint8Array(16), ciphertext);
  }

  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array {
    return hmacSha256(key, message).subarray(0, 16);
  }
}

/**
 * Protocol two: HKDF-SHA-256 gives a 32-byte HMAC key and a 32-byte AES key,
 * AES-256-CBC with a random IV prepended, and the full 32-byte HMAC.
 */
export class PinUvAuthProtocolTwo extends EcdhProtocol {
  readonly version = 2 as const;

  protected kdf(z: Uint8Array): Uint8Array {
    const salt = new Uint8Array(32);
    const hmacKey = new Uint8Array(hkdfSync("sha256", z, salt, "CTAP2 HMAC key", 32));
    const aesKey = new Uint8Array(hkdfSync("sha256", z, salt, "CTAP2 AES key", 32));
    const out = new Uint8Array(64);
    out.set(hmacKey, 0);
    out.set(aesKey, 32);
    return out;
  }

  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const iv = new Uint8Array(randomBytes(16));
    const ct = aes256Cbc("encrypt", aesKeyOf(key), iv, plaintext);
    const out = new Uint8Array(16 + ct.length);
    out.set(iv, 0);
    out.set(ct, 16);
    return out;
  }

  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined {
    if (ciphertext.length < 16 || ciphertext.length % 16 !== 0) return undefined;
    return aes256Cbc("decrypt", aesKeyOf(key), ciphertext.subarray(0, 16), ciphertext.subarray(16));
  }

  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array {
    // With a 64-byte shared secret the HMAC key is its first half; a pinUvAuthToken is used whole.
    return hmacSha256(key.length === 64 ? key.subarray(0, 32) : key, message);
  }
}

function aesKeyOf(key: Uint8Array): Uint8Array {
  return key.length === 64 ? key.subarray(32) : key;
}

