/**
 * CTAPHID over a real socket with a real authenticator behind it, driven by
 * raw reports from TypeScript: a makeCredential that arrives in many
 * fragments (each report itself cut across TCP writes) through the built
 * `softkey serve`, and a host cancel during a presence wait (in process, with
 * a presence that waits until it is aborted).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodeCbor, encodeCanonical } from "../../src/ctap/cbor.js";
import { CtaphidCommand, INIT_DATA_SIZE, KeepaliveStatusCode } from "../../src/ctaphid/packets.js";
import type { PresenceRequest, UserPresence } from "../../src/presence/presence.js";
import { startCtaphidServer, type CtaphidServer } from "../../src/serve/ctaphidServer.js";
import { assertBuilt } from "../cli/run.js";
import { reportCount } from "../ctaphid/helpers.js";
import { concat, coseToKeyObject, getAssertionParams, makeCredentialParams, openTestKey, parseAuthData, parseResponse, sha256, verifySignature, type TestKey } from "../helpers/ctap.js";
import { connectCtaphid, initStore, startServe, stopAllServes, type SocketClient } from "../helpers/serveProcess.js";

const CBOR = CtaphidCommand.CTAPHID_CBOR;
const MAKE_CREDENTIAL = 0x01;
const GET_ASSERTION = 0x02;

const clients: SocketClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
});

describe("CTAPHID through the real softkey serve over TCP", () => {
  let tmp: string;

  beforeAll(async () => {
    assertBuilt();
    tmp = await mkdtemp(path.join(tmpdir(), "softkey-ctaphid-serve-"));
  });
  afterAll(async () => {
    await stopAllServes();
    await rm(tmp, { recursive: true, force: true });
  });

  it("takes a makeCredential in many fragments, each report cut across TCP writes, and answers a verifiable attestation", async () => {
    const store = path.join(tmp, "store");
    await initStore(store);
    const serve = await startServe(store, ["--ctaphid", "tcp:127.0.0.1:0"]);
    const socket = await connectCtaphid(serve.listening[0]!, { split: true });
    clients.push(socket);
    const { client } = socket;
    const cid = await client.allocateChannel();

    // An excludeList of credentials this key never made makes the request long: many continuation packets.
    const excludeList = Array.from({ length: 12 }, (_, i) => Uint8Array.from({ length: 64 }, (_, j) => (i * 31 + j) & 0xff));
    const clientDataHash = sha256("fragmented client data");
    const request = concat(
      Uint8Array.of(MAKE_CREDENTIAL),
      encodeCanonical(makeCredentialParams({ rpId: "fragments.example", clientDataHash, excludeList, algs: [-7], rk: true, uv: true })),
    );
    expect(request.length).toBeGreaterThan(INIT_DATA_SIZE + 10 * 59);
    expect(reportCount(request.length)).toBeGreaterThanOrEqual(12);

    const answer = await client.call(cid, CBOR, request);
    expect(answer.cmd).toBe(CBOR);
    const { status, body } = parseResponse(answer.payload);
    expect(status).toBe(0x00);
    expect(body!.get(1)).toBe("packed");
    const authData = body!.get(2) as Uint8Array;
    const parsed = parseAuthData(authData);
    expect(Buffer.from(parsed.rpIdHash)).toEqual(Buffer.from(sha256("fragments.example")));
    expect(parsed.flags & 0x45).toBe(0x45); // UP, UV (built-in) and AT
    const publicKey = coseToKeyObject(parsed.publicKey!);
    // Packed self attestation: signed over authData || clientDataHash by the credential key itself.
    const attStmt = body!.get(3) as Map<string, unknown>;
    expect(attStmt.get("alg")).toBe(-7);
    expect(verifySignature(-7, publicKey, concat(authData, clientDataHash), attStmt.get("sig") as Uint8Array)).toBe(true);

    // The credential signs in over the same channel.
    const assertionHash = sha256("assertion over tcp");
    const reply = await client.call(
      cid,
      CBOR,
      concat(Uint8Array.of(GET_ASSERTION), encodeCanonical(getAssertionParams({ rpId: "fragments.example", clientDataHash: assertionHash, allowList: [parsed.credentialId!] }))),
    );
    const assertion = parseResponse(reply.payload);
    expect(assertion.status).toBe(0x00);
    const assertionAuthData = assertion.body!.get(2) as Uint8Array;
    expect(parseAuthData(assertionAuthData).signCount).toBe(1);
    expect(verifySignature(-7, publicKey, concat(assertionAuthData, assertionHash), assertion.body!.get(3) as Uint8Array)).toBe(true);
    expect(await serve.stop()).toEqual({ code: 0, signal: null });
    expect(serve.stderr()).toContain("ctap2 authenticatorMakeCredential fragments.example -> CTAP2_OK");
  });
});

/** A user who never answers: the wait ends only when the host cancels (the signal aborts). */
class WaitingPresence implements UserPresence {
  readonly builtInUv = false;
  readonly answersImmediately = false;
  readonly asked: PresenceRequest[] = [];

  requestPresence(request: PresenceRequest): Promise<boolean> {
    this.asked.push(request);
    return new Promise((_, reject) => {
      const abort = () => reject(request.signal?.reason ?? new Error("aborted"));
      if (request.signal?.aborted) abort();
      request.signal?.addEventListener("abort", abort, { once: true });
    });
  }

  async verifyUser(): Promise<"failed"> {
    return "failed";
  }
}

describe("CTAPHID cancel during a presence wait, over TCP, with the real authenticator", () => {
  let key: TestKey;
  let server: CtaphidServer;
  const presence = new WaitingPresence();

  beforeAll(async () => {
    key = await openTestKey({ presence });
    server = await startCtaphidServer("tcp:127.0.0.1:0", key.authenticator, { device: { keepaliveIntervalMs: 20 } });
  });
  afterAll(async () => {
    await server.close();
    await key.close();
  });

  it("sends STATUS_UPNEEDED keepalives while waiting, then answers CTAP2_ERR_KEEPALIVE_CANCEL (0x2D) to CTAPHID_CANCEL", async () => {
    const socket = await connectCtaphid(server.address);
    clients.push(socket);
    const { client } = socket;
    const cid = await client.allocateChannel();
    const request = concat(Uint8Array.of(MAKE_CREDENTIAL), encodeCanonical(makeCredentialParams({ rpId: "cancel.example" })));
    client.send(cid, CBOR, request);
    await waitFor(() => client.keepalives.filter((k) => k.payload[0] === KeepaliveStatusCode.STATUS_UPNEEDED).length >= 2);
    expect(presence.asked).toHaveLength(1);
    expect(presence.asked[0]).toMatchObject({ purpose: "makeCredential", rpId: "cancel.example" });

    client.send(cid, CtaphidCommand.CTAPHID_CANCEL, new Uint8Array(0));
    expect(await client.next()).toEqual({ cid, cmd: CBOR, payload: Uint8Array.of(0x2d) });
    // Keepalives went to this channel; once the wait began, they said "user presence needed".
    expect(client.keepalives.every((k) => k.cid === cid && k.cmd === CtaphidCommand.CTAPHID_KEEPALIVE)).toBe(true);
    const statuses = client.keepalives.map((k) => k.payload[0]);
    expect(statuses.at(-1)).toBe(KeepaliveStatusCode.STATUS_UPNEEDED);
    expect(statuses.slice(statuses.indexOf(KeepaliveStatusCode.STATUS_UPNEEDED)).every((s) => s === KeepaliveStatusCode.STATUS_UPNEEDED)).toBe(true);

    // Nothing was created, and the device answers the next request.
    expect((await key.store.countCredentials()).total).toBe(0);
    const info = await client.call(cid, CBOR, Uint8Array.of(0x04));
    expect(info.payload[0]).toBe(0x00);
    expect((decodeCbor(info.payload.subarray(1)) as Map<number, unknown>).get(1)).toContain("FIDO_2_1");
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
