/**
 * Where the control socket of a store lives, and the checks that make it private: one socket per
 * store, in a directory only its user can enter. Built-ins only: the fast-path client
 * (client.ts) loads this before, and instead of, the CLI bundle.
 */
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, realpathSync, type Stats } from "node:fs";
import path from "node:path";

/** The socket's directory: $XDG_RUNTIME_DIR/softkey (a per-user tmpfs), else /tmp/softkey-UID. */
export function agentSocketDir(env: NodeJS.ProcessEnv): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime && path.isAbsolute(runtime) ? path.join(runtime, "softkey") : `/tmp/softkey-${uid()}`;
}

/** The socket of the store at `storeDir` (resolved through symlinks, so two spellings of one store meet). */
export function agentSocketPath(storeDir: string, env: NodeJS.ProcessEnv): string {
  let real: string;
  try {
    real = realpathSync(storeDir);
  } catch {
    real = path.resolve(storeDir);
  }
  const hash = createHash("sha256").update(real).digest("hex").slice(0, 32);
  return path.join(agentSocketDir(env), `${hash}.sock`);
}

/**
 * Why `dir` cannot hold a private socket, or undefined when it can: it must be a real directory
 * (not a symlink someone planted), ours, and closed to group and others (mode 0700).
 */
export function unsafeSocketDir(dir: string, stat: Stats): string | undefined {
  if (stat.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!stat.isDirectory()) return `${dir} is not a directory`;
  if (stat.uid !== uid()) return `${dir} belongs to uid ${stat.uid}, not to us (uid ${uid()})`;
  if ((stat.mode & 0o777) !== 0o700) return `${dir} has mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}, not 0700`;
  return undefined;
}

/** Why the file at `socket` is no socket of ours, or undefined when it is one. */
export function foreignSocket(socket: string, stat: Stats): string | undefined {
  if (!stat.isSocket()) return `${socket} is not a socket`;
  if (stat.uid !== uid()) return `${socket} belongs to uid ${stat.uid}, not to us (uid ${uid()})`;
  return undefined;
}

/** An unsafe socket directory or a foreign file at the socket's path. */
export class UnsafeSocketError extends Error {
  override name = "UnsafeSocketError";
}

/** Create the socket directory (0700) if it is missing, then check it; UnsafeSocketError if it fails the checks. */
export function ensureSocketDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const why = unsafeSocketDir(dir, lstatSync(dir));
  if (why !== undefined) throw new UnsafeSocketError(`refusing the control socket directory: ${why}`);
}

function uid(): number {
  return process.getuid?.() ?? 0;
}
