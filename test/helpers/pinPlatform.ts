/**
 * The platform side of ClientPIN and PIN/UV auth protocols one and two
 * (CTAP 2.1 sections 6.5.5-6.5.7), written from the spec with node:crypto
 * alone, independently of src/authenticator/pin and src/ctap/pinUvAuthProtocol.ts, so tests check the authenticator
 * against a second implementation rather than against itself.
 */
import { createCipheriv, createDecipheriv, createECDH, createHash, createHmac, hkdfSync, randomBytes } from "node:crypto";

/** Sends one CTAP2 command with a parameter map; TestKey.call fits. */
export type CtapCall = (command: number, params?: Map<number, unknown>) => Promise<{ status: number; body?: Map<number, unknown> }>;

export type PinProtocolVersion = 1 | 2;

const CLIENT_PIN = 0x06;
const OK = 0x00;

export const ClientPinSubCommand = {
  getPINRetries: 0x01,
  getKeyAgreement: 0x02,
  setPIN: 0x03,
  changePIN: 0x04,
  getPinToken: 0x05,
  getPinUvAuthTokenUsingUvWithPermissions: 0x06,
  getUVRetries: 0x07,
  getPinUvAuthTokenUsingPinWithPermissions: 0x09,
} as const;

/** Permission bits of getPinUvAuthToken*WithPermissions. */
export const Permission = { mc: 0x01, ga: 0x02, cm: 0x04, be: 0x08, lbw: 0x10, acfg: 0x20 } as const;

/** One ECDH exchange: what the platform sends as keyAgreement, and the shared secret both sides derived. */
export interface KeyAgreement {
  platformKey: Map<number, unknown>;
  sharedSecret: Uint8Array;
}

/** A status, and the decrypted pinUvAuthToken when the status is CTAP2_OK. */
export interface TokenResult {
  status: number;
  token?: Uint8Array;
}

const sha256 = (data: Uint8Array) => new Uint8Array(createHash("sha256").update(data).digest());

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(message).digest());
}

function aesCbc(encrypt: boolean, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = encrypt ? createCipheriv("aes-256-cbc", key, iv) : createDecipheriv("aes-256-cbc", key, iv);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(data), cipher.final()]));
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The crypto of one protocol version, usable without an authenticator (e.g. to forge a bad pinUvAuthParam). */
export class PinProtocolCrypto {
  constructor(readonly version: PinProtocolVersion) {}

  /** KDF(Z): SHA-256(Z) for protocol one; HKDF-SHA-256 HMAC key || AES key for protocol two. */
  kdf(z: Uint8Array): Uint8Array {
    if (this.version === 1) return sha256(z);
    const salt = new Uint8Array(32);
    return concatBytes(
      new Uint8Array(hkdfSync("sha256", z, salt, "CTAP2 HMAC key", 32)),
      new Uint8Array(hkdfSync("sha256", z, salt, "CTAP2 AES key", 32)),
    );
  }

  encrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.version === 1) return aesCbc(true, key, new Uint8Array(16), plaintext);
    const iv = new Uint8Array(randomBytes(16));
    return concatBytes(iv, aesCbc(true, key.subarray(32), iv, plaintext));
  }

  decrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.version === 1) return aesCbc(false, key, new Uint8Array(16), ciphertext);
    return aesCbc(false, key.subarray(32), ciphertext.subarray(0, 16), ciphertext.subarray(16));
  }

  /**
   * authenticate(key, message): HMAC-SHA-256, truncated to 16 bytes for protocol one.
   * For protocol two a 64-byte shared secret authenticates with its HMAC half; a token is used whole.
   */
  authenticate(key: Uint8Array, message: Uint8Array): Uint8Array {
    if (this.version === 1) return hmacSha256(key, message).subarray(0, 16);
    return hmacSha256(key.length === 64 ? key.subarray(0, 32) : key, message);
  }
}

/** A platform talking ClientPIN to one authenticator over one protocol. */
export class PinPlatform {
  readonly crypto: PinProtocolCrypto;

  constructor(
    private readonly call: CtapCall,
    readonly protocol: PinProtocolVersion = 2,
  ) {
    this.crypto = new PinProtocolCrypto(protocol);
  }

  /** authenticate(pinUvAuthToken, message): what goes into a command's pinUvAuthParam. */
  authenticate(token: Uint8Array, message: Uint8Array): Uint8Array {
    return this.crypto.authenticate(token, message);
  }

  /** getKeyAgreement, then a fresh platform key and the shared secret (encapsulate). */
  async getKeyAgreement(): Promise<KeyAgreement> {
    const { status, body } = await this.clientPin(ClientPinSubCommand.getKeyAgreement);
    if (status !== OK) throw new Error(`getKeyAgreement failed with status 0x${status.toString(16)}`);
    const peer = body!.get(1) as Map<number, unknown>;
    const peerPoint = concatBytes(Uint8Array.of(0x04), peer.get(-2) as Uint8Array, peer.get(-3) as Uint8Array);
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const z = new Uint8Array(ecdh.computeSecret(peerPoint));
    const point = ecdh.getPublicKey();
    const platformKey = new Map<number, unknown>([
      [1, 2],
      [3, -25],
      [-1, 1],
      [-2, new Uint8Array(point.subarray(1, 33))],
      [-3, new Uint8Array(point.subarray(33, 65))],
    ]);
    return { platformKey, sharedSecret: this.crypto.kdf(z) };
  }

  /** setPIN (0x03); returns the status. */
  async setPin(pin: string): Promise<number> {
    const { platformKey, sharedSecret } = await this.getKeyAgreement();
    const newPinEnc = this.crypto.encrypt(sharedSecret, padPin(pin));
    const { status } = await this.clientPin(ClientPinSubCommand.setPIN, [
      [3, platformKey],
      [4, this.crypto.authenticate(sharedSecret, newPinEnc)],
      [5, newPinEnc],
    ]);
    return status;
  }

  /** changePIN (0x04); returns the status. */
  async changePin(currentPin: string, newPin: string): Promise<number> {
    const { platformKey, sharedSecret } = await this.getKeyAgreement();
    const pinHashEnc = this.crypto.encrypt(sharedSecret, pinHash(currentPin));
    const newPinEnc = this.crypto.encrypt(sharedSecret, padPin(newPin));
    const { status } = await this.clientPin(ClientPinSubCommand.changePIN, [
      [3, platformKey],
      [4, this.crypto.authenticate(sharedSecret, concatBytes(newPinEnc, pinHashEnc))],
      [5, newPinEnc],
      [6, pinHashEnc],
    ]);
    return status;
  }

  /** getPinToken (0x05), the CTAP 2.0 way: a token with mc and ga and no RP ID. */
  async getPinToken(pin: string): Promise<TokenResult> {
    const { platformKey, sharedSecret } = await this.getKeyAgreement();
    const pinHashEnc = this.crypto.encrypt(sharedSecret, pinHash(pin));
    return this.token(sharedSecret, ClientPinSubCommand.getPinToken, [
      [3, platformKey],
      [6, pinHashEnc],
    ]);
  }

  /** getPinUvAuthTokenUsingPinWithPermissions (0x09). */
  async getPinUvAuthTokenUsingPinWithPermissions(pin: string, permissions: number, rpId?: string): Promise<TokenResult> {
    const { platformKey, sharedSecret } = await this.getKeyAgreement();
    const pinHashEnc = this.crypto.encrypt(sharedSecret, pinHash(pin));
    const params: [number, unknown][] = [
      [3, platformKey],
      [6, pinHashEnc],
      [9, permissions],
    ];
    if (rpId !== undefined) params.push([0x0a, rpId]);
    return this.token(sharedSecret, ClientPinSubCommand.getPinUvAuthTokenUsingPinWithPermissions, params);
  }

  /** getPinUvAuthTokenUsingUvWithPermissions (0x06): built-in user verification instead of a PIN. */
  async getPinUvAuthTokenUsingUvWithPermissions(permissions: number, rpId?: string): Promise<TokenResult> {
    const { platformKey, sharedSecret } = await this.getKeyAgreement();
    const params: [number, unknown][] = [
      [3, platformKey],
      [9, permissions],
    ];
    if (rpId !== undefined) params.push([0x0a, rpId]);
    return this.token(sharedSecret, ClientPinSubCommand.getPinUvAuthTokenUsingUvWithPermissions, params);
  }

  /** Like getPinUvAuthTokenUsingPinWithPermissions, but throws unless the authenticator answered CTAP2_OK. */
  async requireToken(pin: string, permissions: number, rpId?: string): Promise<Uint8Array> {
    const { status, token } = await this.getPinUvAuthTokenUsingPinWithPermissions(pin, permissions, rpId);
    if (status !== OK || !token) throw new Error(`getPinUvAuthTokenUsingPinWithPermissions failed with status 0x${status.toString(16)}`);
    return token;
  }

  private async token(sharedSecret: Uint8Array, subCommand: number, params: [number, unknown][]): Promise<TokenResult> {
    const { status, body } = await this.clientPin(subCommand, params);
    if (status !== OK) return { status };
    return { status, token: this.crypto.decrypt(sharedSecret, body!.get(2) as Uint8Array) };
  }

  private clientPin(subCommand: number, params: [number, unknown][] = []) {
    return this.call(CLIENT_PIN, new Map<number, unknown>([[1, this.protocol], [2, subCommand], ...params]));
  }
}

/** The PIN's UTF-8, zero-padded to 64 bytes (newPinEnc's plaintext). */
export function padPin(pin: string): Uint8Array {
  const padded = new Uint8Array(64);
  padded.set(Buffer.from(pin, "utf8"));
  return padded;
}

/** LEFT(SHA-256(PIN), 16). */
export function pinHash(pin: string): Uint8Array {
  return sha256(new Uint8Array(Buffer.from(pin, "utf8"))).subarray(0, 16);
}
