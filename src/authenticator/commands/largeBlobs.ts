/**
 * authenticatorLargeBlobs (0x0C), CTAP 2.1 section 6.10: the serialized
 * large-blob array, read and written in fragments. The array is opaque here
 * (the platform encrypts each entry under a credential's largeBlobKey); the
 * authenticator only checks its trailing truncated hash and commits a whole
 * new array at once, sealed in the store like every other setting.
 */
import { createHash } from "node:crypto";
import type { CborMap } from "../../ctap/cbor.js";
import type { AuthenticatorContext } from "../context.js";
import { CtapError, Status } from "../../ctap/status.js";
import { readRequest, type ResponseMap } from "../params.js";
import { Permission } from "../../ctap/permissions.js";
import { loadPinState } from "../pin/pinState.js";
import { isProtectedByUv } from "./pinUvAuth.js";
import { selectProtocol } from "./clientPin.js";
import { checkTokenParam } from "./commandToken.js";
import { LargeBlobsRequest, LargeBlobsResponse, largeBlobsSetMessage } from "../../ctap/messages/largeBlobs.js";
import { concat } from "../../bytes/concat.js";
import { Setting } from "../settings.js";

/** The largest serialized large-blob array accepted when getInfo's maxSerializedLargeBlobArray does not say. */
export const DEFAULT_MAX_SERIALIZED_LARGE_BLOB_ARRAY = 4096;

/** The setting the committed array lives in. */
const SETTING = Setting.largeBlobArray.name;
const HASH_LENGTH = 16;
/** The smallest array: an empty CBOR array (one byte) and its hash. */
const MIN_LENGTH = 1 + HASH_LENGTH;
/** Fragments leave room for the rest of the message (CTAP 2.1: maxFragmentLength = maxMsgSize - 64). */
const MESSAGE_OVERHEAD = 64;

function truncatedHash(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest().subarray(0, HASH_LENGTH));
}

/** The initial serialized large-blob array: the empty CBOR array 0x80 and LEFT(SHA-256(0x80), 16). */
export function initialLargeBlobArray(): Uint8Array {
  const empty = Uint8Array.of(0x80);
  const out = new Uint8Array(MIN_LENGTH);
  out.set(empty, 0);
  out.set(truncatedHash(empty), 1);
  return out;
}

export async function loadLargeBlobArray(ctx: AuthenticatorContext): Promise<Uint8Array> {
  const stored = await ctx.store.getSetting<Uint8Array>(SETTING);
  return stored instanceof Uint8Array ? stored : initialLargeBlobArray();
}

export function maxSerializedLargeBlobArray(ctx: AuthenticatorContext): number {
  return ctx.config.extraInfo.maxSerializedLargeBlobArray ?? DEFAULT_MAX_SERIALIZED_LARGE_BLOB_ARRAY;
}

export async function largeBlobs(params: CborMap, ctx: AuthenticatorContext): Promise<ResponseMap | undefined> {
  if (!ctx.config.optionalFeatures.includes("largeBlobs")) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_COMMAND, "largeBlobs is not offered by this authenticator");
  }
  const { get, set, offset, length, pinUvAuthParam, pinUvAuthProtocol } = readRequest(LargeBlobsRequest, params);

  // Steps 1-3.
  if (offset === undefined) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "offset is required");
  if (get === undefined && set === undefined) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "one of get and set is required");
  if (get !== undefined && set !== undefined) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "get and set are exclusive");
  const maxFragmentLength = ctx.config.maxMsgSize - MESSAGE_OVERHEAD;

  if (get !== undefined) {
    // Step 4.
    if (length !== undefined) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "length is only for set");
    if (pinUvAuthParam !== undefined || pinUvAuthProtocol !== undefined) {
      throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "get takes no pinUvAuthParam or pinUvAuthProtocol");
    }
    if (get > maxFragmentLength) throw new CtapError(Status.CTAP1_ERR_INVALID_LENGTH, `get exceeds maxFragmentLength ${maxFragmentLength}`);
    const array = await loadLargeBlobArray(ctx);
    if (offset > array.length) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `offset ${offset} is beyond the array (${array.length} bytes)`);
    return LargeBlobsResponse.encodeMap({ config: array.slice(offset, offset + get) });
  }

  // Step 5: set.
  const fragment = set!;
  if (fragment.length > maxFragmentLength) throw new CtapError(Status.CTAP1_ERR_INVALID_LENGTH, `set exceeds maxFragmentLength ${maxFragmentLength}`);
  // A write in progress is volatile, as on a real key: it lives in the session.
  let pending = ctx.session.current("largeBlobWrite");
  if (offset === 0) {
    if (length === undefined) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "length is required with offset 0");
    const max = maxSerializedLargeBlobArray(ctx);
    if (length > max) throw new CtapError(Status.CTAP2_ERR_LARGE_BLOB_STORAGE_FULL, `length ${length} exceeds maxSerializedLargeBlobArray ${max}`);
    if (length < MIN_LENGTH) throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `length ${length} is shorter than an empty array and its hash`);
    // A new write starts here, before authentication, as the spec orders it: any earlier pending write is abandoned.
    pending = { expectedLength: length, expectedNextOffset: 0, fragments: [] };
    ctx.session.begin("largeBlobWrite", pending);
  } else if (length !== undefined) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, "length is only allowed with offset 0");
  }
  if (!pending || offset !== pending.expectedNextOffset) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_SEQ, `offset ${offset} is not where the pending write continues (${pending?.expectedNextOffset ?? 0})`);
  }

  if ((await isProtectedByUv(ctx)) || (await loadPinState(ctx)).alwaysUv) {
    verifyWriteAuthorization(ctx, fragment, offset, pinUvAuthParam, pinUvAuthProtocol);
  }

  if (offset + fragment.length > pending.expectedLength) {
    throw new CtapError(Status.CTAP1_ERR_INVALID_PARAMETER, `the fragment runs past the announced length ${pending.expectedLength}`);
  }
  pending.fragments.push(fragment);
  pending.expectedNextOffset += fragment.length;
  if (pending.expectedNextOffset < pending.expectedLength) return undefined;

  // The last fragment: check the trailing hash, then commit the whole array in one write.
  ctx.session.end("largeBlobWrite");
  const array = concat(...pending.fragments);
  const body = array.subarray(0, array.length - HASH_LENGTH);
  const hash = array.subarray(array.length - HASH_LENGTH);
  if (!Buffer.from(truncatedHash(body)).equals(hash)) {
    throw new CtapError(Status.CTAP2_ERR_INTEGRITY_FAILURE, "the array's trailing hash does not match its contents");
  }
  await ctx.store.putSetting(SETTING, array);
  ctx.log(`largeBlobs: committed a ${array.length}-byte array`);
  return undefined;
}

/**
 * Step 5.5: pinUvAuthParam = authenticate(pinUvAuthToken,
 * 32×0xff || h'0c00' || uint32LittleEndian(offset) || SHA-256(set)), and the
 * token must carry the lbw permission.
 */
function verifyWriteAuthorization(
  ctx: AuthenticatorContext,
  fragment: Uint8Array,
  offset: number,
  pinUvAuthParam: Uint8Array | undefined,
  pinUvAuthProtocol: number | undefined,
): void {
  if (pinUvAuthParam === undefined) throw new CtapError(Status.CTAP2_ERR_PUAT_REQUIRED, "a pinUvAuthParam is required to write large blobs");
  const protocol = selectProtocol(ctx, pinUvAuthProtocol);
  checkTokenParam(ctx, protocol, largeBlobsSetMessage(offset, fragment), pinUvAuthParam, Permission.lbw, "largeBlobs set");
}
