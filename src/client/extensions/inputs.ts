/**
 * Reading client extension inputs. In the JSON forms (WebAuthn L3 section
 * 5.1.10) binary members are base64url strings; the library API also takes
 * them as ArrayBuffer or any ArrayBufferView, as navigator.credentials does.
 */
import { fromBase64Url } from "../../bytes/base64url.js";
import { WebAuthnError } from "../errors.js";

export type ExtensionObject = Record<string, unknown>;

export function bufferSource(value: unknown, label: string): Uint8Array {
  if (typeof value === "string") {
    try {
      return fromBase64Url(value);
    } catch (cause) {
      throw new WebAuthnError("EncodingError", `${label} is not valid base64url`, { cause });
    }
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  throw new WebAuthnError("TypeError", `${label} must be base64url text, an ArrayBuffer or a typed array`);
}

export function optionalBufferSource(value: unknown, label: string): Uint8Array | undefined {
  return value === undefined ? undefined : bufferSource(value, label);
}

export function extensionObject(value: unknown, label: string): ExtensionObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WebAuthnError("TypeError", `${label} must be an object`);
  }
  return value as ExtensionObject;
}

export function optionalBoolean(value: unknown, label: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new WebAuthnError("TypeError", `${label} must be a boolean`);
  return value;
}

export function optionalString(value: unknown, label: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new WebAuthnError("TypeError", `${label} must be a string`);
  return value;
}
