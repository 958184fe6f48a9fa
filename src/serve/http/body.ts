/**
 * Request bodies: application/json only, UTF-8, at most `limit` bytes, one
 * JSON object. A body over the limit is answered 413 (at once when its
 * Content-Length says so) and the rest of it is still read and dropped, so the
 * client sees the 413 instead of a connection reset under the body it is still
 * sending; the request timeout (server.ts) bounds how long that can go on.
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

export const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Stateless when not streaming, so one serves every request. */
const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Raised when the client goes away mid-body: there is nobody to answer. */
export class ClientGoneError extends Error {
  override name = "ClientGoneError";
}

/** `application/json`, optionally with `; charset=utf-8`. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type, ...params] = header.split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return params.every((param) => !param.startsWith("charset=") || /^charset="?utf-8"?$/.test(param));
}

export async function readJsonObject(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Record<string, unknown>> {
  if (!isJsonContentType(req.headers["content-type"])) {
    throw new HttpError(415, "unsupported_media_type", "the body must be JSON sent as Content-Type: application/json");
  }
  const bytes = await readBody(req, limit);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new HttpError(400, "invalid_json", "the body is not UTF-8");
  }
  if (text.trim() === "") throw new HttpError(400, "invalid_json", "the body is empty; expected a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new HttpError(400, "invalid_json", `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "invalid_request", `the body must be a JSON object, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
  }
  return value as Record<string, unknown>;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, "payload_too_large", `the body is larger than ${limit} bytes`);
  const declared = Number(req.headers["content-length"]);
  // Declared too large: answer at once; node:http drops the body as it arrives.
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
      if (error) reject(error);
      else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else finish(tooLarge()); // the answer now; node:http drops the rest of the body
    };
    const onEnd = () => finish(undefined, Buffer.concat(chunks, size));
    const onError = () => finish(new ClientGoneError("the client went away while sending the body"));
    const onClose = () => finish(new ClientGoneError("the client went away while sending the body"));
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}
