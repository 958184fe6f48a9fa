/** Byte helpers, defined once for every layer. */
export { concat } from "./concat.js";
export { bytesEqual } from "./equal.js";
export { toHex, fromHex } from "./hex.js";
export { toBase64Url, fromBase64Url, isBase64Url } from "./base64url.js";
export { publicRandomBytes } from "./random.js";
