// Recomputing the whole chain from a reader that pages through it: the one verification both the admin CLI
// (in its own process) and GET /v1/audit/verify (in a worker thread, verify-worker.ts) run.
import { leafHashOf, RightEdge } from './audit-tree.ts';
import type { KeptLeafSource } from './kept-leaves.ts';
import { GENESIS_HASH, checkLink, commitmentOf, type AuditDetailFields, type ChainBreak, type ChainHead, type ChainLink } from './chain.ts';

/** Outcome of verifying the chain. */
export type VerifyResult =
  | { ok: true; entries: number; headHash: string; detailsChecked: number; signedHeadsChecked: number }
  | { ok: false; entries: number; brokenAt: number; reason: ChainBreak };

/** Kept leaves read from their file at once. */
const KEPT_PAGE = 4096;

/** A detail's stored fields, as verification needs them. */
export type DetailRow = AuditDetailFields & { seq: number; salt: string };

/** One page of the chain: entries in seq order and the details that remain for them, also by seq. */
export interface ChainPage {
  links: ChainLink[];
  details: DetailRow[];
}

/** A tree head the broker signed: the Merkle root it signed for a tree size (hex). */
export interface SignedRoot {
  treeSize: number;
  rootHash: string;
}

/** Where verification reads the chain from; all reads of one run see one state of the database. */
export interface ChainReader {
  /** Entries per page; a shorter page is the last. */
  pageSize: number;
  head(): Promise<ChainHead>;
  /** Every tree head signed so far, by size. */
  signedRoots(): Promise<SignedRoot[]>;
  /** The next `pageSize` entries after `afterSeq`. */
  page(afterSeq: number): Promise<ChainPage>;
  close(): Promise<void>;
}

/** How long details must be kept, and the moment verification runs: a detail missing before its time is a break. */
export interface Retention {
  days: number;
  now: Date;
}

/**
 * Recomputes every link and every remaining detail commitment, and checks that no detail is missing before its
 * retention ends — counted from the entry's own time, which its hash covers, not from a deletable row; reports
 * the first break.
 */
export async function verifyChain(
  reader: ChainReader,
  retention: Retention,
  onProgress?: (checked: number, total: number) => void,
  /** The leaves kept beside the signing key when heads were signed: the first entry whose leaf differs is named. */
  kept?: KeptLeafSource | null,
): Promise<VerifyResult> {
  const keptSince = retention.now.getTime() - retention.days * 86_400_000;
  // NOTE: read before the reader's first query takes its snapshot: every leaf kept by then is of an entry the
  // snapshot holds, so a head signed meanwhile never reads as entries cut off.
  const keptSize = kept?.size ?? 0;
  // The Merkle tree is rebuilt from the entries as they stream by (its right edge only), and its root compared
  // with every signed head: a history rewritten with every hash recomputed still differs from what was signed.
  const signed = await reader.signedRoots();
  // Only as far as the last signed head: beyond it there is no root to compare with.
  const treeUpTo = Math.max(signed.at(-1)?.treeSize ?? 0, keptSize);
  let keptPage: { from: number; hashes: Buffer } = { from: 0, hashes: Buffer.alloc(0) };
  const keptLeaf = (index: number): Buffer => {
    if (index >= keptPage.from + keptPage.hashes.length / 32) keptPage = { from: index, hashes: kept!.read(index, Math.min(KEPT_PAGE, keptSize - index)) };
    return keptPage.hashes.subarray((index - keptPage.from) * 32, (index - keptPage.from + 1) * 32);
  };
  let nextSigned = 0;
  const tree = new RightEdge();
  const total = onProgress ? (await reader.head()).seq : 0;
  let prev = { seq: 0, hash: GENESIS_HASH };
  let detailsChecked = 0;
  // NOTE: the next page is read while this one is hashed (that overlaps on PostgreSQL). A break found first
  // leaves that page unread: its failure (the reader closing) must not surface as an unhandled rejection.
  const prefetch = (afterSeq: number) => {
    const page = reader.page(afterSeq);
    page.catch(() => undefined);
    return page;
  };
  let next = prefetch(0);
  for (;;) {
    const { links, details } = await next;
    if (links.length === reader.pageSize) next = prefetch(links[links.length - 1]!.seq);
    let d = 0;
    for (const link of links) {
      // Written once: the link hash and the leaf both cover the time as toISOString writes it.
      const iso = link.createdAt.toISOString();
      const reason = checkLink(link, prev, iso);
      if (reason) return { ok: false, entries: prev.seq, brokenAt: reason === 'sequence-gap' ? prev.seq + 1 : link.seq, reason };
      while (d < details.length && details[d]!.seq < link.seq) d++;
      const detail = details[d];
      if (detail && detail.seq === link.seq) {
        if (commitmentOf(detail.salt, detail) !== link.commitment) {
          return { ok: false, entries: prev.seq, brokenAt: link.seq, reason: 'detail-commitment-mismatch' };
        }
        detailsChecked++;
      } else if (link.createdAt.getTime() > keptSince) {
        return { ok: false, entries: prev.seq, brokenAt: link.seq, reason: 'detail-missing' };
      }
      prev = { seq: link.seq, hash: link.hash };
      if (tree.size < treeUpTo) {
        const leaf = leafHashOf(link.seq, link.kind, iso, link.commitment);
        // Checked before the signed roots: it names the entry itself, where a root can only name a size.
        if (tree.size < keptSize && !leaf.equals(keptLeaf(tree.size))) return { ok: false, entries: prev.seq, brokenAt: link.seq, reason: 'kept-leaf-mismatch' };
        tree.push(leaf);
      }
      while (nextSigned < signed.length && signed[nextSigned]!.treeSize === tree.size) {
        if (tree.root() !== signed[nextSigned]!.rootHash) return { ok: false, entries: prev.seq, brokenAt: tree.size, reason: 'signed-head-mismatch' };
        nextSigned++;
      }
    }
    onProgress?.(prev.seq, Math.max(total, prev.seq));
    if (links.length < reader.pageSize) break;
  }
  const head = await reader.head();
  if (head.seq !== prev.seq || head.hash !== prev.hash) {
    return { ok: false, entries: prev.seq, brokenAt: Math.min(head.seq, prev.seq + 1), reason: 'head-mismatch' };
  }
  // A signed head (or kept leaves) beyond the log: entries were cut off after they were signed.
  if (keptSize > prev.seq) return { ok: false, entries: prev.seq, brokenAt: prev.seq + 1, reason: 'kept-leaf-mismatch' };
  if (nextSigned < signed.length) return { ok: false, entries: prev.seq, brokenAt: prev.seq + 1, reason: 'signed-head-mismatch' };
  return { ok: true, entries: prev.seq, headHash: prev.hash, detailsChecked, signedHeadsChecked: signed.length };
}
