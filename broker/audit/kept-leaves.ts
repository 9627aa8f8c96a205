// The audit tree's leaf hashes as the broker signed them, kept beside the signing key, out of the database's
// reach. A signed root proves THAT a history was rewritten; these leaves let verify say WHICH entry: the first
// whose leaf, rebuilt from the database, differs from the one kept when its head was signed.
// NOTE: leaf i is written at byte 32·i (never appended blindly): two brokers sharing the key file write the same
// bytes to the same place, and a write repeated after a crash changes nothing. Beside it, `<file>.frontier`
// keeps the tree's right edge at some size, so a restart does not rehash every kept leaf.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { RightEdge, type Frontier } from './audit-tree.ts';

const HASH_BYTES = 32;
/** Leaves read from the file at once. */
const READ_BATCH = 4096;

/** The kept leaf hashes as verification reads them. */
export interface KeptLeafSource {
  /** How many leaves are kept. */
  readonly size: number;
  /** The hashes of leaves [from, from + count), 32 bytes each, within `size`. */
  read(from: number, count: number): Buffer;
}

/** The file of kept leaf hashes beside the audit signing key. */
export class KeptLeaves implements KeptLeafSource {
  constructor(readonly file: string) {}

  /** Whole leaves in the file (a write cut short by a crash leaves a partial one, rewritten next time). */
  get size(): number {
    return existsSync(this.file) ? Math.floor(statSync(this.file).size / HASH_BYTES) : 0;
  }

  read(from: number, count: number): Buffer {
    const out = Buffer.alloc(count * HASH_BYTES);
    const fd = openSync(this.file, 'r');
    try {
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, from * HASH_BYTES + done);
        if (n === 0) throw new Error(`the kept audit leaves end before leaf ${from + count - 1}`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  /** Writes leaves from index `from` on, durably. */
  writeLeaves(from: number, leaves: readonly Buffer[]): void {
    const fd = openSync(this.file, existsSync(this.file) ? 'r+' : 'w', 0o600);
    try {
      writeSync(fd, Buffer.concat(leaves), 0, leaves.length * HASH_BYTES, from * HASH_BYTES);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Keeps the right edge the kept leaves end with, so the next edge() need not rehash them. */
  writeFrontier(edge: RightEdge): void {
    const tmp = `${this.file}.frontier.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(edge.frontier), { mode: 0o600 });
    renameSync(tmp, `${this.file}.frontier`);
  }

  /** Drops every leaf from index `size` on (leaves written for a root that did not hold). */
  truncate(size: number): void {
    if (existsSync(this.file)) truncateSync(this.file, size * HASH_BYTES);
  }

  /**
   * The right edge of the kept leaves: from the kept frontier when it is there and not past the file, then
   * every leaf after it; from the first leaf otherwise.
   */
  edge(): RightEdge {
    const size = this.size;
    const kept = this.keptFrontier();
    const edge = kept !== null && kept.size <= size ? RightEdge.from(kept) : new RightEdge();
    while (edge.size < size) {
      const count = Math.min(READ_BATCH, size - edge.size);
      const hashes = this.read(edge.size, count);
      for (let i = 0; i < count; i++) edge.push(hashes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
    }
    return edge;
  }

  private keptFrontier(): Frontier | null {
    try {
      const f = JSON.parse(readFileSync(`${this.file}.frontier`, 'utf8')) as Frontier;
      const wellFormed = Number.isSafeInteger(f.size) && f.size >= 0 && Array.isArray(f.hashes) && f.hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h));
      return wellFormed && f.hashes.length === popCount(f.size) ? f : null;
    } catch {
      return null;
    }
  }
}

function popCount(n: number): number {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}

/** Where the leaves are kept for an audit signing key in `keyFile`. */
export function keptLeavesFileOf(keyFile: string): string {
  return `${keyFile}.leaves`;
}
