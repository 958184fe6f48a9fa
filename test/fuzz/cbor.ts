/**
 * Hostile CTAP2 requests for the fuzz targets and property tests: a loose
 * CBOR encoder of our own (it keeps map keys in the order given, can write
 * non-minimal heads, floats, tags, `undefined`, indefinite lengths and raw
 * bytes, none of which the code under test's encoder would produce), and
 * fast-check arbitraries for each command's parameter map: plausible keys
 * with values of the right type most of the time and of any type otherwise.
 */
import fc from "fast-check";

/** Values the loose encoder writes beyond plain JS values. */
export type Loose =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | Loose[]
  | LooseMap
  | { $float: number }
  | { $tag: number; value: Loose }
  | { $undefined: true }
  | { $simple: number }
  | { $raw: Uint8Array }
  | { $indefinite: Loose[] }
  | { $wide: number };

/** A map as a list of entries, so order and duplicate keys are the generator's choice. */
export class LooseMap {
  constructor(readonly entries: [Loose, Loose][]) {}
}

const textEncoder = new TextEncoder();

export function encodeLoose(value: Loose): Uint8Array {
  const out: number[] = [];
  write(value, out);
  return Uint8Array.from(out);
}

function head(major: number, n: number | bigint, out: number[], wide = false): void {
  const m = major << 5;
  const big = BigInt(n);
  if (!wide && big < 24n) out.push(m | Number(big));
  else if (!wide && big < 0x100n) out.push(m | 24, Number(big));
  else if (!wide && big < 0x10000n) out.push(m | 25, Number(big >> 8n), Number(big & 0xffn));
  else if (big < 0x100000000n && !wide) out.push(m | 26, ...bytesOf(big, 4));
  else out.push(m | 27, ...bytesOf(big, 8));
}

function bytesOf(n: bigint, size: number): number[] {
  const bytes: number[] = [];
  for (let i = size - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(8 * i)) & 0xffn));
  return bytes;
}

function write(value: Loose, out: number[]): void {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return write({ $float: value }, out);
    if (value >= 0) head(0, value, out);
    else head(1, -1 - value, out);
  } else if (typeof value === "bigint") {
    const clamped = value > 0xffffffffffffffffn ? 0xffffffffffffffffn : value < -0x10000000000000000n ? -0x10000000000000000n : value;
    if (clamped >= 0n) head(0, clamped, out);
    else head(1, -1n - clamped, out);
  } else if (typeof value === "string") {
    const bytes = textEncoder.encode(value);
    head(3, bytes.length, out);
    out.push(...bytes);
  } else if (typeof value === "boolean") {
    out.push(value ? 0xf5 : 0xf4);
  } else if (value === null) {
    out.push(0xf6);
  } else if (value instanceof Uint8Array) {
    head(2, value.length, out);
    out.push(...value);
  } else if (Array.isArray(value)) {
    head(4, value.length, out);
    for (const item of value) write(item, out);
  } else if (value instanceof LooseMap) {
    head(5, value.entries.length, out);
    for (const [k, v] of value.entries) {
      write(k, out);
      write(v, out);
    }
  } else if ("$float" in value) {
    out.push(0xfb, ...new Uint8Array(new Float64Array([value.$float]).buffer).reverse());
  } else if ("$tag" in value) {
    head(6, value.$tag, out);
    write(value.value, out);
  } else if ("$undefined" in value) {
    out.push(0xf7);
  } else if ("$simple" in value) {
    out.push(value.$simple < 24 ? 0xe0 | value.$simple : 0xf8, ...(value.$simple < 24 ? [] : [value.$simple & 0xff]));
  } else if ("$raw" in value) {
    out.push(...value.$raw);
  } else if ("$indefinite" in value) {
    out.push(0x9f);
    for (const item of value.$indefinite) write(item, out);
    out.push(0xff);
  } else if ("$wide" in value) {
    // A non-minimal head: accepted by CTAP decoders that are not strict about canonical input.
    head(value.$wide >= 0 ? 0 : 1, value.$wide >= 0 ? value.$wide : -1 - value.$wide, out, true);
  }
}

// ---- values -----------------------------------------------------------------

const WORDS = [
  "public-key", "example.com", "other.example", "rk", "up", "uv", "plat", "id", "name", "displayName", "type", "alg",
  "hmac-secret", "credProtect", "credBlob", "largeBlobKey", "minPinLength", "transports", "usb", "",
];

export const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(16, 32, 48, 64, 65, 80).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
);

export const intArb: fc.Arbitrary<Loose> = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.constantFrom(0, -1, 1, 2, 3, 23, 24, 255, 256, 65535, 65536, 2 ** 31, -(2 ** 31), 2 ** 32, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n - 1n }),
  fc.integer({ min: -1000, max: 1000 }).map((n): Loose => ({ $wide: n })),
);

export const textArb: fc.Arbitrary<string> = fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 8 }));

const oddArb: fc.Arbitrary<Loose> = fc.oneof(
  fc.double().map((n): Loose => ({ $float: n })),
  fc.constant<Loose>({ $undefined: true }),
  fc.integer({ min: 0, max: 255 }).map((n): Loose => ({ $simple: n })),
  fc.uint8Array({ maxLength: 6 }).map((raw): Loose => ({ $raw: raw })),
);

const leafArb: fc.Arbitrary<Loose> = fc.oneof(
  { weight: 3, arbitrary: intArb },
  { weight: 3, arbitrary: textArb },
  { weight: 3, arbitrary: bytesArb },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: oddArb },
);

/** Any CBOR value, biased towards what CTAP uses, a few levels deep. */
export const anyValue: fc.Arbitrary<Loose> = fc.letrec<{ value: Loose }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 6, arbitrary: leafArb },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(intArb, textArb), tie("value")), { maxLength: 4 }).map((e) => new LooseMap(e as [Loose, Loose][])) },
    { weight: 1, arbitrary: fc.record({ $tag: fc.integer({ min: 0, max: 300 }), value: tie("value") }) },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 3 }).map((items): Loose => ({ $indefinite: items })) },
  ),
})).value;

/** Right type most of the time, any type sometimes. */
function typed(arb: fc.Arbitrary<Loose>): fc.Arbitrary<Loose> {
  return fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: anyValue });
}

type Spec = Record<string | number, fc.Arbitrary<Loose>>;

/**
 * A map with a subset of the spec's keys (each usually present), sometimes an
 * unknown key or a duplicated one, in canonical or shuffled order.
 */
export function mapOf(spec: Spec, { presence = 0.75 }: { presence?: number } = {}): fc.Arbitrary<LooseMap> {
  const keys = Object.keys(spec).map((k) => (/^-?\d+$/.test(k) ? Number(k) : k));
  const entries = keys.map((key) =>
    fc.oneof(
      { weight: Math.round(presence * 10), arbitrary: typed(spec[key as keyof Spec]!).map((v): [Loose, Loose] | undefined => [key, v]) },
      { weight: Math.round((1 - presence) * 10), arbitrary: fc.constant(undefined) },
    ),
  );
  return fc
    .tuple(
      fc.tuple(...entries),
      fc.array(fc.tuple(fc.oneof(intArb, textArb), anyValue), { maxLength: 2 }),
      fc.boolean(),
      fc.nat(),
      fc.boolean(),
    )
    .map(([present, extra, shuffle, seed, duplicate]) => {
      const list = (present.filter((e) => e !== undefined) as [Loose, Loose][]).concat(extra as [Loose, Loose][]);
      if (shuffle && list.length > 1) {
        for (let i = list.length - 1; i > 0; i--) {
          const j = (seed + i * 7) % (i + 1);
          [list[i], list[j]] = [list[j]!, list[i]!];
        }
      }
      if (duplicate && list.length > 0 && seed % 5 === 0) list.push(list[0]!);
      return new LooseMap(list);
    });
}

// ---- CTAP2 parameter maps ------------------------------------------------------

/** Credential IDs the fuzz harness seeds into its store, so lists can name real credentials. */
export const SEEDED_IDS = [new Uint8Array(32).fill(0x11), new Uint8Array(32).fill(0x22), new Uint8Array(32).fill(0x33)];
export const SEEDED_USER_IDS = [Uint8Array.of(1, 1, 1, 1), Uint8Array.of(2, 2, 2, 2), Uint8Array.of(3, 3, 3, 3)];
export const SEEDED_RP = "example.com";

const rpIdArb = fc.oneof({ weight: 4, arbitrary: fc.constant(SEEDED_RP) }, { weight: 2, arbitrary: textArb });
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const credentialIdArb: fc.Arbitrary<Loose> = fc.oneof(fc.constantFrom(...SEEDED_IDS), bytesArb);
const descriptorArb = mapOf({ id: credentialIdArb, type: fc.constantFrom("public-key", "other"), transports: fc.array(textArb, { maxLength: 2 }) });
const descriptorList = fc.array(descriptorArb, { maxLength: 4 });
const boolArb = fc.boolean();
const protocolArb = fc.constantFrom<Loose>(1, 2, 0, 3, -1);
const authParamArb = fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), bytesArb);
const coseKeyArb = mapOf({ 1: fc.constantFrom<Loose>(2, 1, 3), 3: fc.constantFrom<Loose>(-25, -7, -8), [-1]: fc.constantFrom<Loose>(1, 6), [-2]: hash32, [-3]: hash32 });
const optionsArb = mapOf({ rk: boolArb, up: boolArb, uv: boolArb, plat: boolArb }, { presence: 0.4 });

const makeCredentialArb = mapOf({
  1: hash32,
  2: mapOf({ id: rpIdArb, name: textArb, icon: textArb }),
  3: mapOf({ id: fc.oneof(fc.constantFrom(...SEEDED_USER_IDS), fc.uint8Array({ maxLength: 70 })), name: textArb, displayName: textArb }),
  4: fc.array(mapOf({ alg: fc.constantFrom<Loose>(-7, -8, -257, -35, 0), type: fc.constantFrom("public-key", "x") }), { maxLength: 3 }),
  5: descriptorList,
  6: mapOf(
    { "hmac-secret": boolArb, credProtect: fc.constantFrom<Loose>(1, 2, 3, 0, 4), credBlob: bytesArb, largeBlobKey: boolArb, minPinLength: boolArb },
    { presence: 0.3 },
  ),
  7: optionsArb,
  8: authParamArb,
  9: protocolArb,
  10: fc.constantFrom<Loose>(1, 2),
});

const getAssertionArb = mapOf({
  1: rpIdArb,
  2: hash32,
  3: descriptorList,
  4: mapOf(
    {
      "hmac-secret": mapOf({ 1: coseKeyArb, 2: fc.oneof(fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.uint8Array({ minLength: 80, maxLength: 80 }), bytesArb), 3: authParamArb, 4: protocolArb }),
      credBlob: boolArb,
      largeBlobKey: boolArb,
    },
    { presence: 0.3 },
  ),
  5: optionsArb,
  6: authParamArb,
  7: protocolArb,
});

const clientPinArb = mapOf({
  1: protocolArb,
  2: fc.integer({ min: 0, max: 11 }),
  3: coseKeyArb,
  4: authParamArb,
  5: fc.oneof(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ minLength: 80, maxLength: 80 }), bytesArb),
  6: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), bytesArb),
  9: fc.integer({ min: 0, max: 255 }),
  10: rpIdArb,
});

const userEntityArb = mapOf({ id: fc.oneof(fc.constantFrom(...SEEDED_USER_IDS), bytesArb), name: textArb, displayName: textArb });
const credentialManagementArb = mapOf({
  1: fc.integer({ min: 0, max: 9 }),
  2: mapOf({ 1: hash32, 2: descriptorArb, 3: userEntityArb }),
  3: protocolArb,
  4: authParamArb,
});

const configArb = mapOf({
  1: fc.constantFrom<Loose>(1, 2, 3, 0xff, 0, 4),
  2: mapOf({ 1: fc.integer({ min: 0, max: 80 }), 2: fc.array(rpIdArb, { maxLength: 3 }), 3: boolArb }),
  3: protocolArb,
  4: authParamArb,
});

const largeBlobsArb = mapOf({
  1: fc.oneof(fc.integer({ min: 0, max: 8000 }), intArb),
  2: fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 17, maxLength: 17 })),
  3: fc.oneof(fc.integer({ min: 0, max: 5000 }), intArb),
  4: fc.oneof(fc.integer({ min: 0, max: 5000 }), intArb),
  5: authParamArb,
  6: protocolArb,
});

const noParamsArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 1, arbitrary: anyValue.map(encodeLoose) },
  { weight: 1, arbitrary: mapOf({ 1: anyValue }).map(encodeLoose) },
);

/** A request: command byte then the parameters. */
export function request(command: number, params: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + params.length);
  out[0] = command;
  out.set(params, 1);
  return out;
}

/** A valid discoverable getAssertion for the seeded RP: two accounts, so getNextAssertion has one to give. */
export function discoverableGetAssertion(): Uint8Array {
  return request(0x02, encodeLoose(new LooseMap([[1, SEEDED_RP], [2, new Uint8Array(32).fill(9)]])));
}

/** Requests for one command: structured parameter maps, sometimes any CBOR value at all, sometimes raw bytes. */
export function commandRequest(command: number): fc.Arbitrary<Uint8Array> {
  const params: Record<number, fc.Arbitrary<LooseMap>> = {
    0x01: makeCredentialArb,
    0x02: getAssertionArb,
    0x06: clientPinArb,
    0x0a: credentialManagementArb,
    0x0c: largeBlobsArb,
    0x0d: configArb,
  };
  const structured = params[command];
  const body: fc.Arbitrary<Uint8Array> = structured
    ? fc.oneof(
        { weight: 8, arbitrary: structured.map(encodeLoose) },
        { weight: 1, arbitrary: anyValue.map(encodeLoose) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
      )
    : noParamsArb;
  return body.map((b) => request(command, b));
}

export const CTAP_COMMANDS = { makeCredential: 0x01, getAssertion: 0x02, getInfo: 0x04, clientPIN: 0x06, reset: 0x07, getNextAssertion: 0x08, credentialManagement: 0x0a, selection: 0x0b, largeBlobs: 0x0c, config: 0x0d } as const;

/** Any bytes, usually starting with a known command byte. */
export const rawRequest: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.tuple(fc.constantFrom(...Object.values(CTAP_COMMANDS), 0x00, 0x03, 0x09, 0x40, 0x41, 0xff), fc.uint8Array({ maxLength: 200 })).map(([c, rest]) => request(c, rest)),
  fc.constantFrom(new Uint8Array(0), new Uint8Array(7610).fill(0x01), Uint8Array.of(0x01, 0xbf), Uint8Array.of(0x02, 0xa1, 0x01, 0xa1, 0x01)),
);

/** Valid requests the mutation target starts from. */
export function mutationSeeds(): Uint8Array[] {
  const map = (entries: [Loose, Loose][]) => new LooseMap(entries);
  const cdh = new Uint8Array(32).fill(5);
  const rp = map([["id", SEEDED_RP], ["name", "Example"]]);
  const alg = [map([["alg", -7], ["type", "public-key"]])];
  const allow = [map([["id", SEEDED_IDS[0]!], ["type", "public-key"]])];
  return [
    request(0x01, encodeLoose(map([[1, cdh], [2, rp], [3, map([["id", Uint8Array.of(9, 9)], ["name", "n"], ["displayName", "d"]])], [4, alg]]))),
    request(0x01, encodeLoose(map([[1, cdh], [2, rp], [3, map([["id", Uint8Array.of(9, 9)], ["name", "n"]])], [4, alg], [6, map([["hmac-secret", true], ["credProtect", 2]])], [7, map([["rk", true], ["uv", true]])]]))),
    request(0x02, encodeLoose(map([[1, SEEDED_RP], [2, cdh], [3, allow]]))),
    request(0x02, encodeLoose(map([[1, SEEDED_RP], [2, cdh], [5, map([["up", false]])]]))),
    request(0x06, encodeLoose(map([[1, 2], [2, 2]]))),
    request(0x06, encodeLoose(map([[1, 1], [2, 1]]))),
    request(0x0a, encodeLoose(map([[1, 1], [3, 2], [4, new Uint8Array(32)]]))),
    request(0x0d, encodeLoose(map([[1, 2]]))),
    request(0x0c, encodeLoose(map([[1, 100], [3, 0]]))),
    Uint8Array.of(0x04),
    Uint8Array.of(0x0b),
    Uint8Array.of(0x08),
  ];
}

/** A valid request with a few bytes flipped, inserted or deleted. */
export const mutatedRequest: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.constantFrom(...mutationSeeds()),
    fc.array(fc.tuple(fc.constantFrom("flip", "set", "insert", "delete"), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
  )
  .map(([seed, edits]) => {
    const bytes = [...seed];
    for (const [kind, at, value] of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (kind === "flip" && bytes.length > 0) bytes[i] = bytes[i]! ^ (1 << (value % 8));
      else if (kind === "set" && bytes.length > 0) bytes[i] = value;
      else if (kind === "insert") bytes.splice(at % (bytes.length + 1), 0, value);
      else if (kind === "delete" && bytes.length > 0) bytes.splice(i, 1);
    }
    return Uint8Array.from(bytes);
  });
