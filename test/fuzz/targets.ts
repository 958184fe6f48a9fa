/**
 * The fuzz targets: what each one feeds (bytes, from a fast-check arbitrary)
 * and the invariants it checks. Shared by the seeded property tests
 * (test/robustness/*.property.test.ts), the corpus replay in `npm test`
 * (test/fuzz/corpus.test.ts) and the time-bounded fuzzer (`npm run fuzz`,
 * which runs this same code against the built dist).
 *
 * Every input is a byte string, so a failing one can be saved as a `.bin`
 * regression case and replayed exactly.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { Authenticator } from "../../src/authenticator/device.js";
import { defaultAuthenticatorConfig } from "../../src/authenticator/deviceConfig.js";
import { decodeCbor } from "../../src/ctap/cbor.js";
import { Status, statusName } from "../../src/ctap/status.js";
import type { CtapRequestContext, CtapTransport } from "../../src/ctap/transport.js";
import { CtaphidHost } from "../../src/ctaphid/host.js";
import {
  CID_BROADCAST,
  CtaphidCommand,
  CtaphidErrorCode,
  HID_REPORT_SIZE,
  MAX_MESSAGE_SIZE,
  channelIdOf,
  encodeContinuationPacket,
  encodeInitPacket,
  encodeMessage,
} from "../../src/ctaphid/packets.js";
import { MessageReassembly } from "../../src/ctaphid/reassembly.js";
import { WebAuthnClient } from "../../src/client/client.js";
import { WebAuthnError } from "../../src/client/errors.js";
import { generateCredentialKeyPair } from "../../src/crypto/credentialKeys.js";
import { Keystore } from "../../src/keystore/store.js";
import type { CredentialRecord } from "../../src/authenticator/store.js";
import { createPresence } from "../../src/presence/index.js";
import { assertCanonicalCbor } from "../helpers/canonicalCbor.js";
import { FakeScheduler } from "../ctaphid/helpers.js";
import {
  CTAP_COMMANDS,
  SEEDED_IDS,
  SEEDED_RP,
  SEEDED_USER_IDS,
  commandRequest,
  discoverableGetAssertion,
  mutatedRequest,
  rawRequest,
  textArb,
} from "./cbor.js";

/** An input broke an invariant. */
export class InvariantError extends Error {
  override name = "InvariantError";
}

function violation(message: string): never {
  throw new InvariantError(message);
}

export interface FuzzHarness {
  /** Resolves when the input keeps every invariant; rejects with InvariantError (or anything else) when not. */
  check(input: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface FuzzTarget {
  name: string;
  arbitrary: fc.Arbitrary<Uint8Array>;
  setup(): Promise<FuzzHarness>;
}

const SCRYPT = { N: 1024, r: 8, p: 1 };
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InvariantError(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- request sequences -----------------------------------------------------------

/** Several requests in one input: 0xff, then each request as a 2-byte big-endian length and its bytes. */
export function encodeSequence(requests: Uint8Array[]): Uint8Array {
  const parts: number[] = [0xff];
  for (const r of requests) parts.push(r.length >> 8, r.length & 0xff, ...r);
  return Uint8Array.from(parts);
}

/** The requests of an input: a sequence when it parses as one exactly, else the input is one request. */
export function decodeSequence(input: Uint8Array): Uint8Array[] {
  if (input[0] === 0xff && input.length > 1) {
    const requests: Uint8Array[] = [];
    let at = 1;
    while (at + 2 <= input.length) {
      const length = (input[at]! << 8) | input[at + 1]!;
      if (at + 2 + length > input.length) break;
      requests.push(input.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
    if (at === input.length && requests.length > 0) return requests;
  }
  return [input];
}

// ---- the CTAP2 core ---------------------------------------------------------------

const KNOWN_STATUS = new Set<number>(Object.values(Status));

/** What a scan of the store shows: each credential's record as a stable string, by ID. */
interface StoreSnapshot {
  records: Map<string, CredentialRecord>;
  digests: Map<string, string>;
  corrupted: number;
}

function digest(record: CredentialRecord): string {
  return JSON.stringify(record, (_key, value: unknown) => (value instanceof Uint8Array ? `b:${hex(value)}` : value));
}

async function snapshot(store: Keystore): Promise<StoreSnapshot> {
  const { credentials, corrupted } = await store.scanCredentials();
  const records = new Map(credentials.map((c) => [hex(c.id), c]));
  return { records, digests: new Map([...records].map(([id, r]) => [id, digest(r)])), corrupted: corrupted.length };
}

function seedRecords(): CredentialRecord[] {
  const rpIdHash = new Uint8Array(createHash("sha256").update(SEEDED_RP).digest());
  return SEEDED_IDS.map((id, i) => {
    const keys = generateCredentialKeyPair(i === 2 ? -8 : -7);
    return {
      id,
      rpId: SEEDED_RP,
      rpIdHash,
      rpName: "Example",
      user: { id: SEEDED_USER_IDS[i]!, name: `seed${i}@example.com`, displayName: `Seed ${i}` },
      discoverable: i < 2,
      alg: keys.alg,
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      createdAt: 1_700_000_000_000 + i,
      extensions: i === 0 ? { hmacSecret: { credRandomWithUv: new Uint8Array(32).fill(1), credRandomWithoutUv: new Uint8Array(32).fill(2) } } : undefined,
    };
  });
}

/** The credential ID in a makeCredential response's authenticator data, read independently of the code under test. */
function createdCredentialId(body: Uint8Array): string | undefined {
  const map = decodeCbor(body);
  const authData = map instanceof Map ? map.get(2) : undefined;
  if (!(authData instanceof Uint8Array) || authData.length < 55 || !(authData[32]! & 0x40)) return undefined;
  const length = (authData[53]! << 8) | authData[54]!;
  return hex(authData.subarray(55, 55 + length));
}

/**
 * Checks one answer of the core: a defined status byte; a failure alone; a
 * success either alone or with a canonical CBOR map; never CTAP1_ERR_OTHER,
 * which the core answers only when a handler threw something it did not mean
 * to (a bug), and the log says what.
 */
export function checkCtapResponse(response: unknown, internalErrors: string[]): asserts response is Uint8Array {
  if (!(response instanceof Uint8Array)) violation(`transact resolved with ${typeof response}, not bytes`);
  if (response.length === 0) violation("empty response");
  const status = response[0]!;
  if (!KNOWN_STATUS.has(status)) violation(`status 0x${status.toString(16)} is not defined in status.ts`);
  if (status === Status.CTAP1_ERR_OTHER) violation(`CTAP1_ERR_OTHER (an internal error): ${internalErrors.join(" | ") || "(nothing logged)"}`);
  if (status !== Status.CTAP2_OK && response.length !== 1) violation(`${statusName(status)} came with ${response.length - 1} more bytes`);
  if (status === Status.CTAP2_OK && response.length > 1) {
    const body = response.subarray(1);
    try {
      assertCanonicalCbor(body);
    } catch (error) {
      violation(`CTAP2_OK body is not canonical CBOR: ${(error as Error).message}`);
    }
    if (body[0]! >> 5 !== 5) violation("CTAP2_OK body is not a CBOR map");
  }
}

/**
 * The store after a request holds exactly what it held before, plus the
 * credential an acknowledged makeCredential created (minus the discoverable
 * credential for the same RP and user handle it replaced), or nothing after an
 * acknowledged reset. Records left in place are byte-for-byte unchanged.
 */
function checkStoreChange(request: Uint8Array, response: Uint8Array, before: StoreSnapshot, after: StoreSnapshot): void {
  if (after.corrupted !== 0) violation(`${after.corrupted} corrupted records after the request`);
  const ok = response[0] === Status.CTAP2_OK;
  const expected = new Map(before.digests);
  if (ok && request[0] === CTAP_COMMANDS.reset) expected.clear();
  if (ok && request[0] === CTAP_COMMANDS.makeCredential) {
    const id = createdCredentialId(response.subarray(1));
    if (id === undefined) violation("acknowledged makeCredential without a credential ID in its authenticator data");
    const created = after.records.get(id);
    if (!created) violation(`acknowledged credential ${id} is not in the store`);
    if (before.records.has(id)) violation(`makeCredential reused the existing credential ID ${id}`);
    expected.set(id, after.digests.get(id)!);
    for (const [oldId, old] of before.records) {
      if (after.records.has(oldId)) continue;
      const replaced = old.discoverable && created.discoverable && hex(old.rpIdHash) === hex(created.rpIdHash) && hex(old.user?.id ?? new Uint8Array()) === hex(created.user?.id ?? new Uint8Array(1));
      if (replaced) expected.delete(oldId);
    }
  }
  for (const [id, d] of expected) {
    if (!after.digests.has(id)) violation(`credential ${id} disappeared (${statusName(response[0]!)})`);
    if (after.digests.get(id) !== d) violation(`credential ${id} changed (${statusName(response[0]!)})`);
  }
  for (const id of after.digests.keys()) if (!expected.has(id)) violation(`credential ${id} appeared without an acknowledged makeCredential`);
}

/** A store seeded with three credentials; restored to exactly that before an input when the last one changed anything. */
class SeededStore {
  private dirty = true;
  private constructor(
    readonly store: Keystore,
    private readonly dir: string,
    private readonly seeds: CredentialRecord[],
  ) {}

  static async open(): Promise<SeededStore> {
    const dir = mkdtempSync(join(tmpdir(), "softkey-fuzz-"));
    const store = await Keystore.create(join(dir, "store"), "fuzz", { scrypt: SCRYPT });
    return new SeededStore(store, dir, seedRecords());
  }

  markDirty(): void {
    this.dirty = true;
  }

  async restore(): Promise<void> {
    if (!this.dirty) return;
    await this.store.resetAuthenticator();
    await this.store.putCredentials(this.seeds);
    this.dirty = false;
  }

  async close(): Promise<void> {
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Commands whose success leaves the store and settings as they were. */
const READ_ONLY = new Set<number>([CTAP_COMMANDS.getInfo, CTAP_COMMANDS.getAssertion, CTAP_COMMANDS.getNextAssertion, CTAP_COMMANDS.selection]);

async function ctap2Harness(): Promise<FuzzHarness> {
  const seeded = await SeededStore.open();
  const presence = createPresence({ policy: "auto", uv: "on" });
  return {
    async check(input) {
      await seeded.restore();
      const internalErrors: string[] = [];
      // A fresh authenticator per input (a power cycle), so a saved case replays the same way.
      const authenticator = new Authenticator({
        store: seeded.store,
        presence,
        config: defaultAuthenticatorConfig(),
        log: (message) => {
          if (/ failed: /.test(message)) internalErrors.push(message.split("\n").slice(0, 4).join(" "));
        },
      });
      for (const request of decodeSequence(input)) {
        const before = await snapshot(seeded.store);
        let response: Uint8Array;
        try {
          response = await withTimeout(authenticator.transact(request), 10_000, "transact");
        } catch (error) {
          if (error instanceof InvariantError) throw error;
          violation(`transact rejected: ${(error as Error)?.stack ?? String(error)}`);
        }
        checkCtapResponse(response, internalErrors);
        const after = await snapshot(seeded.store);
        checkStoreChange(request, response, before, after);
        if (response[0] === Status.CTAP2_OK && !READ_ONLY.has(request[0]!)) seeded.markDirty();
      }
    },
    close: () => seeded.close(),
  };
}

// ---- CTAPHID ---------------------------------------------------------------------

/**
 * A core that misbehaves on purpose, chosen by the request's first byte: echoes,
 * rejects, throws synchronously, answers late (on the next "settle"), answers
 * more than a CTAPHID message holds, or answers with something that is not bytes.
 */
class UnrulyTransport implements CtapTransport {
  private late: (() => void)[] = [];

  transact(request: Uint8Array, context: CtapRequestContext = {}): Promise<Uint8Array> {
    const mode = request[0] ?? 0;
    if (mode < 0xa0) return Promise.resolve(Uint8Array.of(0x00, ...request));
    if (mode < 0xc0) return Promise.reject(new Error("core rejected"));
    if (mode < 0xd0) throw new Error("core threw");
    if (mode < 0xe0) {
      return new Promise((resolve) => {
        context.onKeepalive?.(mode & 1 ? "upneeded" : "processing");
        context.signal?.addEventListener("abort", () => resolve(Uint8Array.of(0x2d)), { once: true });
        this.late.push(() => resolve(Uint8Array.of(0x00)));
      });
    }
    if (mode < 0xf0) return Promise.resolve(new Uint8Array(MAX_MESSAGE_SIZE + 1));
    return Promise.resolve("not bytes" as unknown as Uint8Array);
  }

  answerLate(): void {
    for (const answer of this.late.splice(0)) answer();
  }
}

const RESPONSE_COMMANDS = new Set<number>(Object.values(CtaphidCommand));
const ERROR_CODES = new Set<number>(Object.values(CtaphidErrorCode));

/** Every report the device sent, checked: 64 bytes, whole messages one after another, well-formed payloads, known channels. */
function checkReports(sent: Uint8Array[], channels: Set<number>): void {
  let current: MessageReassembly | undefined;
  for (const report of sent) {
    if (!(report instanceof Uint8Array) || report.length !== HID_REPORT_SIZE) violation(`a report of ${(report as Uint8Array)?.length} bytes`);
    const cid = channelIdOf(report)!;
    if (report[4]! & 0x80) {
      if (current) violation("a message started before the previous one was complete");
      const cmd = report[4]! & 0x7f;
      const bcnt = (report[5]! << 8) | report[6]!;
      if (!RESPONSE_COMMANDS.has(cmd)) violation(`response command 0x${cmd.toString(16)} is not a CTAPHID command`);
      if (bcnt > MAX_MESSAGE_SIZE) violation(`response bcnt ${bcnt}`);
      if (!channels.has(cid)) violation(`a response on channel 0x${cid.toString(16)}, which no request used`);
      current = new MessageReassembly({ kind: "init", cid, cmd, bcnt, data: report.subarray(7) });
    } else {
      if (!current || current.cid !== cid) violation("a continuation packet outside its message");
      if (current.append(report[4]!, report.subarray(5)) === "invalid-seq") violation("continuation packets out of sequence");
    }
    if (current?.complete) {
      const { cmd, message } = current;
      if (cmd === CtaphidCommand.CTAPHID_ERROR && (message.length !== 1 || !ERROR_CODES.has(message[0]!))) violation(`a malformed CTAPHID_ERROR ${hex(message)}`);
      if (cmd === CtaphidCommand.CTAPHID_KEEPALIVE && (message.length !== 1 || (message[0] !== 1 && message[0] !== 2))) violation(`a malformed KEEPALIVE ${hex(message)}`);
      if (cmd === CtaphidCommand.CTAPHID_INIT && message.length !== 17) violation(`an INIT response of ${message.length} bytes`);
      current = undefined;
    }
  }
  if (current) violation("the last message was left incomplete");
}

/**
 * Each step of a CTAPHID input is a control byte and a 64-byte report. Control
 * bits: 0-3 advance the clock by n x 60 ms first; 4 lets late answers arrive
 * and promises settle first; 5 feeds only 63 bytes; 6 releases the report's
 * channel first (its client went away); 7 feeds the report twice.
 */
async function ctaphidHarness(): Promise<FuzzHarness> {
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    async check(input) {
      const scheduler = new FakeScheduler();
      const transport = new UnrulyTransport();
      const sent: Uint8Array[] = [];
      let closed = false;
      let sentAfterClose = false;
      let nextCid = 1;
      const host = new CtaphidHost({
        transport,
        send: (report) => {
          if (closed) sentAfterClose = true;
          sent.push(report.slice());
        },
        scheduler,
        randomChannelId: () => nextCid++,
        maxChannels: 4,
      });
      const channels = new Set<number>();
      const guard = (what: string, fn: () => void) => {
        try {
          fn();
        } catch (error) {
          violation(`${what} threw: ${(error as Error)?.stack ?? String(error)}`);
        }
      };
      for (let at = 0; at < input.length; at += 1 + HID_REPORT_SIZE) {
        const control = input[at]!;
        const report = input.subarray(at + 1, at + 1 + HID_REPORT_SIZE);
        if (control & 0x0f) guard("the timers", () => scheduler.advance((control & 0x0f) * 60));
        if (control & 0x10) {
          transport.answerLate();
          await settle();
        }
        const cid = channelIdOf(report);
        if (cid !== undefined) channels.add(cid);
        if (control & 0x40 && cid !== undefined) guard("releaseChannel", () => host.releaseChannel(cid));
        const fed = control & 0x20 ? report.subarray(0, HID_REPORT_SIZE - 1) : report;
        guard("receive", () => host.receive(fed));
        if (control & 0x80) guard("receive", () => host.receive(fed));
      }
      transport.answerLate();
      await settle();
      guard("the timers", () => scheduler.advance(2000));
      await settle();
      guard("close", () => host.close());
      closed = true;
      transport.answerLate();
      await settle();
      guard("receive after close", () => host.receive(encodeInitPacket(CID_BROADCAST, CtaphidCommand.CTAPHID_INIT, 8, new Uint8Array(8))));
      if (sentAfterClose) violation("the device sent a report after close()");
      // Channels the device allocated are known channels too.
      for (let cid = 1; cid < nextCid; cid++) channels.add(cid);
      checkReports(sent, channels);
    },
    close: async () => {},
  };
}

const cidArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(1, 2, 3) },
  { weight: 2, arbitrary: fc.constant(CID_BROADCAST) },
  { weight: 1, arbitrary: fc.constantFrom(0, 4, 5, 0x01000000) },
  { weight: 1, arbitrary: fc.nat().map((n) => n >>> 0) },
);
const hidCommandArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0x01, 0x03, 0x04, 0x06, 0x08, 0x10, 0x11, 0x3b, 0x3f) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x7f }) },
);
const bcntArb = fc.oneof(fc.constantFrom(0, 1, 8, 17, 57, 58, 116, 117, 7609, 7610, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const payloadArb = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 130 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => new Uint8Array(7609).fill(b)) },
);
const reportsArb: fc.Arbitrary<Uint8Array[]> = fc.oneof(
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((nonce) => [encodeInitPacket(CID_BROADCAST, CtaphidCommand.CTAPHID_INIT, 8, nonce)]) },
  { weight: 2, arbitrary: fc.tuple(cidArb, hidCommandArb, bcntArb, fc.uint8Array({ maxLength: 57 })).map(([cid, cmd, bcnt, data]) => [encodeInitPacket(cid, cmd, bcnt, data)]) },
  { weight: 2, arbitrary: fc.tuple(cidArb, fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0x7f })), fc.uint8Array({ maxLength: 59 })).map(([cid, seq, data]) => [encodeContinuationPacket(cid, seq, data)]) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(cidArb, hidCommandArb, payloadArb, fc.constantFrom("whole", "drop", "duplicate", "swap"), fc.nat())
      .map(([cid, cmd, payload, edit, n]) => {
        const reports = encodeMessage(cid, cmd, payload);
        const i = n % reports.length;
        if (edit === "drop" && reports.length > 1) reports.splice(i, 1);
        if (edit === "duplicate") reports.splice(i, 0, reports[i]!);
        if (edit === "swap" && reports.length > 2) [reports[i], reports[(i + 1) % reports.length]] = [reports[(i + 1) % reports.length]!, reports[i]!];
        return reports;
      }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((r) => [r]) },
);

export const ctaphidInputArb: fc.Arbitrary<Uint8Array> = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 255 }), reportsArb), { minLength: 1, maxLength: 10 })
  .map((steps) => {
    const out: number[] = [];
    for (const [control, reports] of steps) reports.forEach((report, i) => out.push(i === 0 ? control : control & 0x10, ...report));
    return Uint8Array.from(out);
  });

// ---- WebAuthn options JSON ----------------------------------------------------------

const jsonAny = fc.jsonValue({ maxDepth: 2 });
function t<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: jsonAny });
}
const b64 = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("base64url")) },
  { weight: 1, arbitrary: fc.constantFrom(...SEEDED_IDS.map((id) => Buffer.from(id).toString("base64url"))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString("base64")) },
);
const optional = <R extends Record<string, fc.Arbitrary<unknown>>>(shape: R) => fc.record(shape, { requiredKeys: [] });
const rpIdJson = fc.oneof({ weight: 4, arbitrary: fc.constant("example.com") }, { weight: 1, arbitrary: fc.constantFrom("sub.example.com", "com", "example.org", "localhost", "EXAMPLE.COM", "") }, { weight: 1, arbitrary: textArb });
const descriptorJson = optional({ id: t(b64), type: t(fc.constantFrom("public-key", "other")), transports: t(fc.array(fc.constantFrom("usb", "nfc", "internal", "x"), { maxLength: 2 })) });
const requirementJson = fc.constantFrom("required", "preferred", "discouraged", "other");
const extensionsJson = optional({
  credProps: t(fc.boolean()),
  hmacCreateSecret: t(fc.boolean()),
  minPinLength: t(fc.boolean()),
  credentialProtectionPolicy: t(fc.constantFrom("userVerificationOptional", "userVerificationOptionalWithCredentialIDList", "userVerificationRequired", "x")),
  enforceCredentialProtectionPolicy: t(fc.boolean()),
  prf: t(optional({ eval: t(optional({ first: t(b64), second: t(b64) })), evalByCredential: t(fc.dictionary(b64, optional({ first: t(b64), second: t(b64) }), { maxKeys: 2 })) })),
  largeBlob: t(optional({ support: t(fc.constantFrom("required", "preferred", "x")), read: t(fc.boolean()), write: t(b64) })),
  credBlob: t(b64),
  getCredBlob: t(fc.boolean()),
  appid: t(fc.string({ maxLength: 10 })),
});
const creationJson = optional({
  rp: t(optional({ id: t(rpIdJson), name: t(fc.string({ maxLength: 10 })) })),
  user: t(optional({ id: t(b64), name: t(fc.string({ maxLength: 10 })), displayName: t(fc.string({ maxLength: 10 })) })),
  challenge: t(b64),
  pubKeyCredParams: t(fc.array(optional({ alg: t(fc.constantFrom(-7, -8, -257, -35, 0, 1.5, 2 ** 40)), type: t(fc.constantFrom("public-key", "x")) }), { maxLength: 3 })),
  timeout: t(fc.oneof(fc.nat(), fc.constantFrom(0, -1, 1e308, 0.5))),
  excludeCredentials: t(fc.array(descriptorJson, { maxLength: 3 })),
  authenticatorSelection: t(optional({ authenticatorAttachment: t(fc.constantFrom("platform", "cross-platform", "x")), residentKey: t(requirementJson), requireResidentKey: t(fc.boolean()), userVerification: t(requirementJson) })),
  hints: t(fc.array(fc.constantFrom("security-key", "client-device", "hybrid"), { maxLength: 2 })),
  attestation: t(fc.constantFrom("none", "indirect", "direct", "enterprise", "x")),
  attestationFormats: t(fc.array(fc.constantFrom("packed", "none", "tpm"), { maxLength: 2 })),
  extensions: t(extensionsJson),
});
const requestJson = optional({
  challenge: t(b64),
  timeout: t(fc.oneof(fc.nat(), fc.constantFrom(0, -1, 1e308))),
  rpId: t(rpIdJson),
  allowCredentials: t(fc.array(descriptorJson, { maxLength: 3 })),
  userVerification: t(requirementJson),
  hints: t(fc.array(fc.constantFrom("security-key", "client-device"), { maxLength: 2 })),
  extensions: t(extensionsJson),
});
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

/** First byte: 0 create, 1 get; the rest: the options as JSON text (or any text). */
export const optionsInputArb: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constant(0), creationJson, fc.boolean()).map(([k, o, wrap]) => [k, JSON.stringify(wrap ? { publicKey: o } : o)] as const) },
    { weight: 5, arbitrary: fc.tuple(fc.constant(1), requestJson, fc.boolean()).map(([k, o, wrap]) => [k, JSON.stringify(wrap ? { publicKey: o } : o)] as const) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0, 1), fc.json({ maxDepth: 3 })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0, 1), fc.string({ maxLength: 30 })) },
  )
  .map(([kind, text]) => new Uint8Array([kind, ...utf8(text)]));

async function optionsHarness(): Promise<FuzzHarness> {
  const seeded = await SeededStore.open();
  const authenticator = new Authenticator({ store: seeded.store, presence: createPresence({ policy: "auto", uv: "on" }), config: defaultAuthenticatorConfig() });
  const client = new WebAuthnClient(authenticator);
  let ceremonies = 0;
  return {
    async check(input) {
      if (ceremonies++ % 50 === 0) seeded.markDirty();
      await seeded.restore();
      const text = Buffer.from(input.subarray(1)).toString("utf8");
      const call = { origin: "https://example.com" };
      const ceremony: Promise<unknown> = input[0] === 0 ? client.create(text, call) : client.get(text, call);
      try {
        await withTimeout(ceremony, 10_000, "the ceremony");
      } catch (error) {
        if (error instanceof InvariantError) throw error;
        if (!(error instanceof WebAuthnError)) violation(`the client failed with ${(error as Error)?.name}, not a WebAuthnError: ${(error as Error)?.stack ?? String(error)}`);
      }
    },
    close: () => seeded.close(),
  };
}

// ---- the targets ------------------------------------------------------------------

const ctap2 = (name: string, arbitrary: fc.Arbitrary<Uint8Array>): FuzzTarget => ({ name, arbitrary, setup: ctap2Harness });
const sequenceOf = (command: number) => fc.array(commandRequest(command), { minLength: 1, maxLength: 3 }).map(encodeSequence);

export const targets: FuzzTarget[] = [
  ctap2("ctap2-raw", rawRequest),
  ctap2("ctap2-mutation", mutatedRequest),
  ctap2("ctap2-makeCredential", sequenceOf(CTAP_COMMANDS.makeCredential)),
  ctap2("ctap2-getAssertion", sequenceOf(CTAP_COMMANDS.getAssertion)),
  ctap2(
    "ctap2-getNextAssertion",
    fc
      .tuple(fc.boolean(), fc.array(commandRequest(CTAP_COMMANDS.getNextAssertion), { minLength: 1, maxLength: 3 }))
      .map(([afterGetAssertion, next]) => encodeSequence(afterGetAssertion ? [discoverableGetAssertion(), ...next] : next)),
  ),
  ctap2("ctap2-clientPIN", sequenceOf(CTAP_COMMANDS.clientPIN)),
  ctap2("ctap2-credentialManagement", sequenceOf(CTAP_COMMANDS.credentialManagement)),
  ctap2("ctap2-config", sequenceOf(CTAP_COMMANDS.config)),
  ctap2("ctap2-largeBlobs", sequenceOf(CTAP_COMMANDS.largeBlobs)),
  ctap2("ctap2-reset", sequenceOf(CTAP_COMMANDS.reset)),
  ctap2("ctap2-selection", sequenceOf(CTAP_COMMANDS.selection)),
  { name: "ctaphid-reports", arbitrary: ctaphidInputArb, setup: ctaphidHarness },
  { name: "webauthn-options", arbitrary: optionsInputArb, setup: optionsHarness },
];

export function targetNamed(name: string): FuzzTarget {
  const target = targets.find((t) => t.name === name);
  if (!target) throw new Error(`no fuzz target ${name}`);
  return target;
}

/** Run a target's property with fast-check's parameters (seeded and bounded in the tests). */
export async function assertTarget(target: FuzzTarget, parameters: fc.Parameters<[Uint8Array]>): Promise<void> {
  const harness = await target.setup();
  try {
    await fc.assert(
      fc.asyncProperty(target.arbitrary, (input) => harness.check(input)),
      parameters,
    );
  } finally {
    await harness.close();
  }
}
