/**
 * A scripted CTAP2 authenticator for the client's tests, small and trusting:
 * ES256 credentials, packed self attestation, a discoverable-credential list
 * per RP. It is not the core; it only speaks enough CTAP 2.1 to drive the
 * client through its paths (and lets tests inject statuses and hangs).
 *
 * It also answers what the core does not have yet (CTAP 2.2's hmac-secret-mc
 * and thirdPartyPayment), with real cryptography over the same PIN/UV auth
 * protocol two as the core's, so the client's side of them is tested
 * against real bytes until the core grows them.
 */
import { createHash, createHmac, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { PinUvAuthProtocolTwo } from "../../src/ctap/pinUvAuthProtocol.js";
import { decodeCbor, encodeCanonical, type CborMap } from "../../src/ctap/cbor.js";
import { Status } from "../../src/ctap/status.js";
import type { CtapRequestContext, CtapTransport } from "../../src/ctap/transport.js";
import { fromBase64Url } from "../../src/bytes/base64url.js";

export interface FakeCredential {
  id: Uint8Array;
  rpId: string;
  userId: Uint8Array;
  userName?: string;
  userDisplayName?: string;
  privateKey: KeyObject;
  discoverable: boolean;
  signCount: number;
  /** hmac-secret's CredRandomWithUV and CredRandomWithoutUV. */
  credRandom?: { withUv: Uint8Array; withoutUv: Uint8Array };
  thirdPartyPayment?: boolean;
}

export interface FakeOptions {
  options?: Record<string, boolean>;
  aaguid?: Uint8Array;
  /** Advertised algorithms; null omits the field. */
  algorithms?: number[] | null;
  maxCredentialCountInList?: number;
  maxCredentialIdLength?: number;
  transports?: string[];
  versions?: string[];
  /** getInfo extensions; those it implements: hmac-secret, hmac-secret-mc, thirdPartyPayment. */
  extensions?: string[];
}

export class FakeAuthenticator implements CtapTransport {
  readonly credentials: FakeCredential[] = [];
  readonly requests: { command: number; params: CborMap | undefined }[] = [];
  /** Answer the next matching command with this status instead. */
  failNext = new Map<number, number>();
  /** Never answer these commands (until the signal aborts). */
  hang = new Set<number>();
  private pending: CborMap[] = [];
  readonly aaguid: Uint8Array;
  /** The authenticator's key agreement key (PIN/UV auth protocol two), for hmac-secret. */
  private readonly protocol = new PinUvAuthProtocolTwo();

  constructor(readonly config: FakeOptions = {}) {
    this.aaguid = config.aaguid ?? new Uint8Array(16).fill(0xab);
  }

  requestsFor(command: number): (CborMap | undefined)[] {
    return this.requests.filter((r) => r.command === command).map((r) => r.params);
  }

  async transact(request: Uint8Array, context: CtapRequestContext = {}): Promise<Uint8Array> {
    const command = request[0]!;
    const params = request.length > 1 ? (decodeCbor(request.subarray(1)) as CborMap) : undefined;
    this.requests.push({ command, params });
    if (this.hang.has(command)) {
      await new Promise<void>((resolve) => context.signal?.addEventListener("abort", () => resolve(), { once: true }));
      return new Uint8Array([Status.CTAP2_ERR_KEEPALIVE_CANCEL]);
    }
    const injected = this.failNext.get(command);
    if (injected !== undefined) {
      this.failNext.delete(command);
      return new Uint8Array([injected]);
    }
    try {
      const response = this.dispatch(command, params ?? new Map());
      return Buffer.concat([new Uint8Array([0]), encodeCanonical(response)]);
    } catch (error) {
      if (typeof error === "number") return new Uint8Array([error]);
      throw error;
    }
  }

  private dispatch(command: number, params: CborMap): Map<unknown, unknown> | CborMap {
    switch (command) {
      case 0x04:
        return this.getInfo();
      case 0x01:
        return this.makeCredential(params);
      case 0x02:
        return this.getAssertion(params);
      case 0x08: {
        const next = this.pending.shift();
        if (!next) throw Status.CTAP2_ERR_NOT_ALLOWED;
        return next;
      }
      case 0x06:
        // getKeyAgreement only: all hmac-secret needs.
        if (params.get(2) !== 0x02 || params.get(1) !== 2) throw Status.CTAP1_ERR_INVALID_PARAMETER;
        return new Map<number, unknown>([[1, this.protocol.getPublicKey()]]);
      default:
        throw Status.CTAP1_ERR_INVALID_COMMAND;
    }
  }

  private getInfo(): Map<number, unknown> {
    const info = new Map<number, unknown>([
      [1, this.config.versions ?? ["FIDO_2_0", "FIDO_2_1"]],
      [3, this.aaguid],
      [4, new Map(Object.entries(this.config.options ?? { rk: true, up: true, plat: false }))],
      [9, this.config.transports ?? ["usb"]],
    ]);
    if (this.config.algorithms !== null) {
      const algorithms = this.config.algorithms ?? [-7];
      info.set(0x0a, algorithms.map((alg) => new Map<string, unknown>([["alg", alg], ["type", "public-key"]])));
    }
    if (this.config.maxCredentialCountInList) info.set(7, this.config.maxCredentialCountInList);
    if (this.config.maxCredentialIdLength) info.set(8, this.config.maxCredentialIdLength);
    if (this.config.extensions) {
      info.set(2, this.config.extensions);
      info.set(6, [2]);
    }
    return info;
  }

  private makeCredential(params: CborMap): Map<number, unknown> {
    const clientDataHash = params.get(1) as Uint8Array;
    const rp = params.get(2) as CborMap;
    const user = params.get(3) as CborMap;
    const rpId = rp.get("id") as string;
    const algs = (params.get(4) as CborMap[]).map((p) => p.get("alg"));
    for (const d of (params.get(5) as CborMap[] | undefined) ?? []) {
      if (this.credentials.some((c) => c.rpId === rpId && Buffer.compare(c.id, d.get("id") as Uint8Array) === 0)) {
        throw Status.CTAP2_ERR_CREDENTIAL_EXCLUDED;
      }
    }
    if (!algs.includes(-7)) throw Status.CTAP2_ERR_UNSUPPORTED_ALGORITHM;
    const options = (params.get(7) as CborMap | undefined) ?? new Map();
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const cose = encodeCanonical(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, fromBase64Url(jwk.x!)],
        [-3, fromBase64Url(jwk.y!)],
      ]),
    );
    const id = new Uint8Array(randomBytes(32));
    const credential: FakeCredential = {
      id,
      rpId,
      userId: user.get("id") as Uint8Array,
      privateKey: createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" })),
      discoverable: options.get("rk") === true,
      signCount: 0,
    };
    if (typeof user.get("name") === "string") credential.userName = user.get("name") as string;
    if (typeof user.get("displayName") === "string") credential.userDisplayName = user.get("displayName") as string;
    this.credentials.push(credential);
    const uv = options.get("uv") === true;
    const outputs = this.makeCredentialExtensions(credential, (params.get(6) as CborMap | undefined) ?? new Map(), uv);
    const flags = 0x41 | (uv ? 0x04 : 0) | (outputs.size > 0 ? 0x80 : 0);
    const authData = Buffer.concat([
      this.header(rpId, flags, 0),
      this.aaguid,
      new Uint8Array([0, id.length]),
      id,
      cose,
      ...(outputs.size > 0 ? [encodeCanonical(outputs)] : []),
    ]);
    const sig = sign("sha256", Buffer.concat([authData, clientDataHash]), privateKey);
    return new Map<number, unknown>([
      [1, "packed"],
      [2, new Uint8Array(authData)],
      [3, new Map<string, unknown>([["alg", -7], ["sig", new Uint8Array(sig)]])],
    ]);
  }

  private getAssertion(params: CborMap): CborMap {
    const rpId = params.get(1) as string;
    const clientDataHash = params.get(2) as Uint8Array;
    const allowList = params.get(3) as CborMap[] | undefined;
    const options = (params.get(5) as CborMap | undefined) ?? new Map();
    const matches = this.credentials.filter(
      (c) =>
        c.rpId === rpId &&
        (allowList
          ? allowList.some((d) => Buffer.compare(d.get("id") as Uint8Array, c.id) === 0)
          : c.discoverable),
    );
    if (matches.length === 0) throw Status.CTAP2_ERR_NO_CREDENTIALS;
    const up = options.get("up") !== false;
    const flags = (up ? 0x01 : 0) | (options.get("uv") === true ? 0x04 : 0);
    const extensions = (params.get(4) as CborMap | undefined) ?? new Map();
    const responses = matches.map((c) => this.assertion(c, flags, clientDataHash, !allowList, extensions));
    if (!allowList && matches.length > 1) responses[0]!.set(5, matches.length);
    this.pending = responses.slice(1);
    return responses[0]!;
  }

  private assertion(c: FakeCredential, flags: number, clientDataHash: Uint8Array, withUser: boolean, extensions: CborMap = new Map()): CborMap {
    c.signCount += 1;
    const outputs = new Map<string, unknown>();
    const hmacInput = extensions.get("hmac-secret");
    if (hmacInput instanceof Map && c.credRandom) outputs.set("hmac-secret", this.hmacSecret(hmacInput, (flags & 0x04) !== 0 ? c.credRandom.withUv : c.credRandom.withoutUv));
    if (extensions.get("thirdPartyPayment") === true) outputs.set("thirdPartyPayment", c.thirdPartyPayment === true);
    const header = this.header(c.rpId, flags | (outputs.size > 0 ? 0x80 : 0), c.signCount);
    const authData = outputs.size > 0 ? new Uint8Array(Buffer.concat([header, encodeCanonical(outputs)])) : header;
    const sig = sign("sha256", Buffer.concat([authData, clientDataHash]), c.privateKey);
    const response: CborMap = new Map<number, never>();
    response.set(1, new Map<string, Uint8Array | string>([["id", c.id], ["type", "public-key"]]));
    response.set(2, authData);
    response.set(3, new Uint8Array(sig));
    if (withUser) {
      const user: CborMap = new Map([["id", c.userId]]);
      if (c.userName) user.set("name", c.userName);
      if (c.userDisplayName) user.set("displayName", c.userDisplayName);
      response.set(4, user);
    }
    return response;
  }

  /** hmac-secret (CTAP 2.2 section 12.5), hmac-secret-mc (section 12.7) and CTAP 2.2's thirdPartyPayment at makeCredential. */
  private makeCredentialExtensions(credential: FakeCredential, inputs: CborMap, uv: boolean): Map<string, unknown> {
    const offered = this.config.extensions ?? [];
    const outputs = new Map<string, unknown>();
    if (inputs.get("hmac-secret") === true && offered.includes("hmac-secret")) {
      credential.credRandom = { withUv: new Uint8Array(randomBytes(32)), withoutUv: new Uint8Array(randomBytes(32)) };
      outputs.set("hmac-secret", true);
      const mc = inputs.get("hmac-secret-mc");
      if (mc instanceof Map && offered.includes("hmac-secret-mc")) {
        outputs.set("hmac-secret-mc", this.hmacSecret(mc, uv ? credential.credRandom.withUv : credential.credRandom.withoutUv));
      }
    }
    if (inputs.get("thirdPartyPayment") === true && offered.includes("thirdPartyPayment")) credential.thirdPartyPayment = true;
    return outputs;
  }

  /** The encrypted HMAC-SHA-256(CredRandom, salt) of each salt, as hmac-secret answers them. */
  private hmacSecret(input: CborMap, credRandom: Uint8Array): Uint8Array {
    const shared = this.protocol.decapsulate(input.get(1) as CborMap);
    const saltEnc = input.get(2) as Uint8Array;
    if (!this.protocol.verify(shared, saltEnc, input.get(3) as Uint8Array)) throw Status.CTAP2_ERR_PIN_AUTH_INVALID;
    const salts = this.protocol.decrypt(shared, saltEnc)!;
    const out = new Uint8Array(salts.length);
    for (let offset = 0; offset < salts.length; offset += 32) {
      out.set(createHmac("sha256", credRandom).update(salts.subarray(offset, offset + 32)).digest(), offset);
    }
    return this.protocol.encrypt(shared, out);
  }

  private header(rpId: string, flags: number, signCount: number): Uint8Array {
    const header = new Uint8Array(37);
    header.set(createHash("sha256").update(rpId).digest(), 0);
    header[32] = flags;
    new DataView(header.buffer).setUint32(33, signCount);
    return header;
  }
}
