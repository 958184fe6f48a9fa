/**
 * The prf extension (WebAuthn L3 section 10.1.4) through the client and the
 * real core's hmac-secret, and an independent check of the salt mapping:
 * the test speaks hmac-secret to the core itself with
 * SHA-256("WebAuthn PRF" || 0x00 || input) and must get the client's result.
 */
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeCbor, encodeCanonical, type CborMap } from "../../src/ctap/cbor.js";
import { PinUvAuthProtocolTwo } from "../../src/ctap/pinUvAuthProtocol.js";
import { fromBase64Url, toBase64Url } from "../../src/bytes/base64url.js";
import type { PrfOutputJSON } from "../../src/client/extensions/prf.js";
import type { WebAuthnClient } from "../../src/client/index.js";
import { parseResponse, sha256 } from "../helpers/ctap.js";
import { authenticate, clientFor, openSoftkey, RecordingTransport, register, rejection, rpID, type Registered, type TestSoftkey } from "./helpers.js";

const text = (s: string) => toBase64Url(new TextEncoder().encode(s));

let softkey: TestSoftkey;
let client: WebAuthnClient;
beforeEach(async () => {
  softkey = await openSoftkey({ uv: "on" });
  client = clientFor(softkey.key.authenticator);
});
afterEach(async () => {
  await softkey.close();
});

function prfOf(outputs: Record<string, unknown>): PrfOutputJSON | undefined {
  return outputs.prf as PrfOutputJSON | undefined;
}

async function prfCredential(c: WebAuthnClient = client): Promise<Registered> {
  const registered = await register(c, { extensions: { prf: {} } });
  expect(prfOf(registered.response.clientExtensionResults)).toEqual({ enabled: true });
  return registered;
}

async function evaluate(
  credentials: Registered[],
  allow: Registered[],
  prf: Record<string, unknown>,
): Promise<{ id: string; first: string; second?: string }> {
  const { assertion } = await authenticate(client, credentials, { allow, userVerification: "required", extensions: { prf } }, true);
  const results = prfOf(assertion.clientExtensionResults)?.results;
  expect(results).toBeDefined();
  expect(fromBase64Url(results!.first)).toHaveLength(32);
  return { id: assertion.id, ...results! };
}

describe("prf at registration", () => {
  it("asks for hmac-secret and reports enabled; without hmac-secret-mc the results are left out, as in Chrome", async () => {
    const transport = new RecordingTransport(softkey.key.authenticator);
    const registered = await register(clientFor(transport), { extensions: { prf: { eval: { first: text("at creation") } } } });
    const extensions = transport.paramsOf(0x01)[0]!.get(6) as CborMap;
    expect(extensions.get("hmac-secret")).toBe(true);
    const info = await client.getInfo();
    const prf = prfOf(registered.response.clientExtensionResults)!;
    expect(prf.enabled).toBe(true);
    if (info.extensions.includes("hmac-secret-mc")) {
      const later = await evaluate([registered], [registered], { eval: { first: text("at creation") } });
      expect(prf.results?.first).toBe(later.first);
    } else {
      expect(prf).not.toHaveProperty("results");
      expect(extensions.has("hmac-secret-mc")).toBe(false);
    }
  });

  it("reports enabled: false when the authenticator has no hmac-secret", async () => {
    const transport = new RecordingTransport(softkey.key.authenticator, (info) => {
      info.set(2, (info.get(2) as string[]).filter((e) => e !== "hmac-secret"));
    });
    const plain = clientFor(transport);
    const registered = await register(plain, { extensions: { prf: {} } });
    expect(prfOf(registered.response.clientExtensionResults)).toEqual({ enabled: false });
    const { assertion } = await authenticate(plain, [registered], { allow: [registered], extensions: { prf: { eval: { first: text("x") } } } });
    expect(prfOf(assertion.clientExtensionResults)).toEqual({});
  });

  it("refuses evalByCredential at registration", async () => {
    const error = await rejection(register(client, { extensions: { prf: { evalByCredential: { AAAA: { first: text("x") } } } } }));
    expect(error.name).toBe("NotSupportedError");
  });

  it("answers hmacCreateSecret (Chrome's older name) too", async () => {
    const registered = await register(client, { extensions: { hmacCreateSecret: true } });
    expect(registered.response.clientExtensionResults.hmacCreateSecret).toBe(true);
  });
});

describe("prf at authentication", () => {
  it("is deterministic per input, differs between inputs, and second differs from first", async () => {
    const registered = await prfCredential();
    const a1 = await evaluate([registered], [registered], { eval: { first: text("salt A") } });
    const a2 = await evaluate([registered], [registered], { eval: { first: text("salt A") } });
    const b = await evaluate([registered], [registered], { eval: { first: text("salt B") } });
    expect(a2.first).toBe(a1.first);
    expect(b.first).not.toBe(a1.first);
    const both = await evaluate([registered], [registered], { eval: { first: text("salt A"), second: text("salt B") } });
    expect(both.first).toBe(a1.first);
    expect(both.second).toBe(b.first);
    expect(both.second).not.toBe(both.first);
  });

  it("takes binary inputs in the library API as well as base64url", async () => {
    const registered = await prfCredential();
    const fromText = await evaluate([registered], [registered], { eval: { first: text("salt A") } });
    const fromBytes = await evaluate([registered], [registered], { eval: { first: new TextEncoder().encode("salt A") } });
    const fromBuffer = await evaluate([registered], [registered], { eval: { first: new TextEncoder().encode("salt A").buffer } });
    expect(fromBytes.first).toBe(fromText.first);
    expect(fromBuffer.first).toBe(fromText.first);
  });

  it("gives each credential its own results, and evalByCredential picks the input of the credential that answers", async () => {
    const x = await prfCredential();
    const y = await prfCredential();
    const xA = await evaluate([x, y], [x], { eval: { first: text("A") } });
    const yA = await evaluate([x, y], [y], { eval: { first: text("A") } });
    const yB = await evaluate([x, y], [y], { eval: { first: text("B") } });
    expect(xA.first).not.toBe(yA.first);

    // x answers (first in the list): the default input applies.
    const viaX = await evaluate([x, y], [x, y], { eval: { first: text("A") }, evalByCredential: { [y.credential.id]: { first: text("B") } } });
    expect(viaX).toMatchObject({ id: x.credential.id, first: xA.first });
    // y answers: its own input applies.
    const viaY = await evaluate([x, y], [y, x], { eval: { first: text("A") }, evalByCredential: { [y.credential.id]: { first: text("B") } } });
    expect(viaY).toMatchObject({ id: y.credential.id, first: yB.first });
  });

  it("validates evalByCredential against allowCredentials", async () => {
    const x = await prfCredential();
    const discoverable = rejection(
      authenticate(client, [x], { extensions: { prf: { evalByCredential: { [x.credential.id]: { first: text("A") } } } } }),
    );
    expect((await discoverable).name).toBe("NotSupportedError");
    const stranger = await rejection(
      authenticate(client, [x], { allow: [x], extensions: { prf: { evalByCredential: { [text("someone else")]: { first: text("A") } } } } }),
    );
    expect(stranger.name).toBe("SyntaxError");
    const notBase64 = await rejection(authenticate(client, [x], { allow: [x], extensions: { prf: { evalByCredential: { "a+b/": { first: text("A") } } } } }));
    expect(notBase64.name).toBe("SyntaxError");
    const badInput = await rejection(authenticate(client, [x], { allow: [x], extensions: { prf: { eval: { first: "not base64url!" } } } }));
    expect(badInput.name).toBe("EncodingError");
  });

  it("matches hmac-secret evaluated independently with SHA-256(\"WebAuthn PRF\" || 0x00 || input) as the salt", async () => {
    const registered = await prfCredential();
    const input = new TextEncoder().encode("independent");
    const viaClient = await evaluate([registered], [registered], { eval: { first: toBase64Url(input) } });

    const salt = new Uint8Array(createHash("sha256").update("WebAuthn PRF").update(Uint8Array.of(0)).update(input).digest());
    const raw = await rawHmacSecret(fromBase64Url(registered.credential.id), salt);
    expect(toBase64Url(raw)).toBe(viaClient.first);
  });
});

/** hmac-secret spoken to the core directly (protocol two, built-in UV), without the client. */
async function rawHmacSecret(credentialId: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
  const call = async (command: number, params: Map<number, unknown>) => {
    const response = parseResponse(await softkey.key.authenticator.transact(Uint8Array.from([command, ...encodeCanonical(params)])));
    expect(response.status).toBe(0);
    return response.body!;
  };
  const agreement = await call(0x06, new Map([[1, 2], [2, 2]]));
  const platform = new PinUvAuthProtocolTwo();
  const shared = platform.decapsulate(agreement.get(1) as CborMap);
  const saltEnc = platform.encrypt(shared, salt);
  const assertion = await call(
    0x02,
    new Map<number, unknown>([
      [1, rpID],
      [2, sha256("raw")],
      [3, [new Map<string, unknown>([["id", credentialId], ["type", "public-key"]])]],
      [4, new Map([["hmac-secret", new Map<number, unknown>([[1, platform.getPublicKey()], [2, saltEnc], [3, platform.authenticate(shared, saltEnc)], [4, 2]])]])],
      [5, new Map([["uv", true]])],
    ]),
  );
  const authData = assertion.get(2) as Uint8Array;
  expect(authData[32]! & 0x84).toBe(0x84);
  const extensions = decodeCbor(authData.subarray(37)) as CborMap;
  return platform.decrypt(shared, extensions.get("hmac-secret") as Uint8Array)!;
}
