/**
 * LevelDB's own checks, made before LevelDB sees the files. On open LevelDB replays its
 * write-ahead logs into a table and deletes them; a record that fails its checksum is skipped
 * ("dropping N bytes" in its LOG) unless paranoid_checks is on, which classic-level cannot set.
 * One flipped byte there would silently drop a write (a counter going back from 5 to 4). So the
 * keystore reads every log (`NNNNNN.log`) and the MANIFEST itself first, with the record format of
 * LevelDB's doc/log_format.md, and refuses the store while one is damaged: the files stay as they
 * are, and so does the refusal.
 *
 * What LevelDB itself treats as a write that never finished (a record cut short at the end of the
 * file, or zeros from there to the end) is not damage: a crash mid-write leaves exactly that, and
 * that write was never acknowledged. The generation check (generation.ts) covers what a log cut
 * short on purpose would hide.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { crc32c, maskCrc } from "./crc32c.js";

const BLOCK_SIZE = 32 * 1024;
const HEADER_SIZE = 7;

const enum RecordType {
  Zero = 0,
  Full = 1,
  First = 2,
  Middle = 3,
  Last = 4,
}

/** A damaged record: which file, where, and what is wrong with it. */
export interface LogDamage {
  file: string;
  offset: number;
  problem: string;
}

/** The files LevelDB replays or reads as logs on open. */
const LOG_FORMAT_FILE = /^(\d+\.log|MANIFEST-\d+)$/;

/** Every damaged record in the store's logs and manifest; empty when all is well. */
export async function checkLevelDbLogs(dir: string): Promise<LogDamage[]> {
  const damage: LogDamage[] = [];
  for (const name of (await readdir(dir)).filter((n) => LOG_FORMAT_FILE.test(n)).sort()) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path.join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // LevelDB removed an obsolete one meanwhile
      throw error;
    }
    damage.push(...checkLogBytes(bytes).map((d) => ({ file: name, ...d })));
  }
  return damage;
}

/** The damaged records of one file in LevelDB's log format. */
export function checkLogBytes(bytes: Uint8Array): { offset: number; problem: string }[] {
  const problems: { offset: number; problem: string }[] = [];
  let inFragment = false;
  let offset = 0;
  while (offset < bytes.length) {
    const blockEnd = Math.min((Math.floor(offset / BLOCK_SIZE) + 1) * BLOCK_SIZE, bytes.length);
    if (blockEnd - offset < HEADER_SIZE) {
      // A block trailer too short for a header: LevelDB fills it with zeros. Past it, the next block.
      if (blockEnd === bytes.length) {
        if (!allZero(bytes, offset, blockEnd)) problems.push({ offset, problem: "a record header cut short" });
        break;
      }
      offset = blockEnd;
      continue;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_SIZE);
    const stored = view.getUint32(0, true);
    const length = view.getUint16(4, true);
    const type = view.getUint8(6);
    if (type === RecordType.Zero && length === 0) {
      // Zeros where a record would be: the unwritten end of the file after a crash. Anything but
      // zeros after them is a record someone blanked out.
      if (!allZero(bytes, offset, bytes.length)) problems.push({ offset, problem: "a record was overwritten with zeros" });
      break;
    }
    const end = offset + HEADER_SIZE + length;
    if (end > blockEnd) {
      // Past the end of the file: the last write never finished. Past the end of a block: damage.
      if (blockEnd !== bytes.length) problems.push({ offset, problem: "bad record length" });
      break;
    }
    const actual = maskCrc(crc32c(bytes.subarray(offset + HEADER_SIZE, end), crc32c(bytes.subarray(offset + 6, offset + 7))));
    if (actual !== stored) {
      problems.push({ offset, problem: "checksum mismatch" });
      offset = end;
      inFragment = false;
      continue;
    }
    switch (type) {
      case RecordType.Full:
        if (inFragment) problems.push({ offset, problem: "a fragmented record without its end" });
        inFragment = false;
        break;
      case RecordType.First:
        if (inFragment) problems.push({ offset, problem: "a fragmented record without its end" });
        inFragment = true;
        break;
      case RecordType.Middle:
      case RecordType.Last:
        if (!inFragment) problems.push({ offset, problem: "a fragment without the start of its record" });
        inFragment = type === RecordType.Middle;
        break;
      default:
        problems.push({ offset, problem: `unknown record type ${type}` });
        inFragment = false;
    }
    offset = end;
  }
  // A fragmented record still open at the end of the file: a write that never finished (not damage).
  return problems;
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}
