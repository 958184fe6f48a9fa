/**
 * Saved regression cases: every input that once broke an invariant, as
 * test/fuzz/corpus/<target>/<sha256 prefix>.bin, replayed by `npm test`.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** test/fuzz/corpus, found from the repository root so the bundled runner resolves it the same way. */
export function corpusDir(root = process.env.SOFTKEY_ROOT ?? fileURLToPath(new URL("../..", import.meta.url))): string {
  return join(root, "test", "fuzz", "corpus");
}

export interface SavedCase {
  file: string;
  input: Uint8Array;
}

export function loadCases(target: string, dir = corpusDir()): SavedCase[] {
  const folder = join(dir, target);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => name.endsWith(".bin"))
    .sort()
    .map((name) => ({ file: join(folder, name), input: new Uint8Array(readFileSync(join(folder, name))) }));
}

/** Save an input under its content hash; returns the file (unchanged if it was already there). */
export function saveCase(target: string, input: Uint8Array, dir = corpusDir()): string {
  const folder = join(dir, target);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${createHash("sha256").update(input).digest("hex").slice(0, 16)}.bin`);
  if (!existsSync(file)) writeFileSync(file, input);
  return file;
}
