/**
 * The HTTP service's one credential: a bearer token. softkey makes a random
 * one (32 bytes, base64url) and writes it to an owner-only file, or takes
 * SOFTKEY_TOKEN. Every request but /healthz must carry
 * `Authorization: Bearer TOKEN`; the check compares SHA-256 digests in
 * constant time, so neither the token's bytes nor its length leak through timing.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { lstat, open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { HttpError } from "./errors.js";

/** A token softkey made: 32 random bytes, base64url without padding (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

const GENERATED_TOKEN_LINE = /^[A-Za-z0-9_-]{43}\n$/;
/** RFC 6750 b64token: what may follow "Bearer " without quoting. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
export const MIN_TOKEN_LENGTH = 16;

/** Why a token given from outside (SOFTKEY_TOKEN) cannot be used, or undefined when it can. */
export function tokenProblem(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `must be at least ${MIN_TOKEN_LENGTH} characters`;
  if (!B64TOKEN.test(token)) return "may hold only A-Z a-z 0-9 - . _ ~ + / (and trailing =), as a bearer token does";
  return undefined;
}

export class BearerCheck {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** Throws a 401 (with WWW-Authenticate) unless the request carries the token. */
  authorize(header: string | undefined): void {
    const match = /^Bearer +([^\s]+) *$/i.exec(header ?? "");
    // Always hash and compare, even with no token given: the time taken says nothing.
    const same = timingSafeEqual(digest(match?.[1] ?? ""), this.expected);
    if (same && match) return;
    if (!match) {
      throw new HttpError(401, "unauthorized", header ? "the Authorization header must be: Bearer TOKEN" : "missing Authorization: Bearer TOKEN", {
        headers: { "www-authenticate": 'Bearer realm="softkey"' },
      });
    }
    throw new HttpError(401, "unauthorized", "wrong bearer token", {
      headers: { "www-authenticate": 'Bearer realm="softkey", error="invalid_token"' },
    });
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Write the token to FILE, owner-only (0600), created exclusively. An existing
 * file is replaced only when it is a token file softkey left behind (a server
 * killed before it could remove it): a regular file of this user, mode 0600,
 * holding one generated token and nothing else. Anything else there is refused.
 */
export async function writeTokenFile(file: string, token: string): Promise<void> {
  const content = `${token}\n`;
  if (!(await isLeftoverTokenFile(file))) {
    await writeExclusive(file, content);
    return;
  }
  // Replace it without ever truncating in place: a fresh file beside it, renamed over it.
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}`);
  await writeExclusive(temporary, content);
  try {
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

async function writeExclusive(file: string, content: string): Promise<void> {
  let handle;
  try {
    // O_CREAT|O_EXCL: fails on anything already there, a symbolic link included.
    handle = await open(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new Error(`${file} already exists; refusing to overwrite it (softkey replaces only a token file it left behind itself)`, { cause: error });
    }
    throw error;
  }
  try {
    await handle.chmod(0o600); // whatever the umask
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(file).catch(() => {});
    throw error;
  }
  await handle.close();
}

async function isLeftoverTokenFile(file: string): Promise<boolean> {
  const stats = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (!stats || !stats.isFile() || (stats.mode & 0o777) !== 0o600 || stats.size !== 44) return false;
  if (typeof process.getuid === "function" && stats.uid !== process.getuid()) return false;
  const content = await readFile(file, "utf8").catch(() => "");
  return GENERATED_TOKEN_LINE.test(content);
}

/** Remove the token file at the end, if it still holds this token (someone may have replaced it since). */
export async function removeTokenFile(file: string, token: string): Promise<void> {
  const content = await readFile(file, "utf8").catch(() => undefined);
  if (content === `${token}\n`) await unlink(file).catch(() => {});
}
