/**
 * CBOR for what the keystore seals (credential records, counters, settings).
 * This is storage, not CTAP wire format, so cbor-x's defaults are fine except:
 * no record extension (plain maps, readable by any CBOR tool), objects back as
 * objects, and Uint8Array as a plain byte string (no typed-array tag).
 */
import { Encoder } from "cbor-x";

const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

export function encodeValue(value: unknown): Uint8Array {
  // cbor-x returns a view of its reusable scratch buffer: copy before the next encode can overwrite it.
  return new Uint8Array(cbor.encode(value));
}

/**
 * Decoded byte strings come back as Uint8Array views into `bytes` (cbor-x gives
 * Buffers only when the input is a Buffer), so pass a plain Uint8Array the
 * result may own.
 */
export function decodeValue(bytes: Uint8Array): unknown {
  return cbor.decode(bytes);
}
