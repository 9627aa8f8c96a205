// Witnesses' cosignatures on the broker's signed tree heads (c2sp.org/tlog-cosignature): accepted only from
// the configured witness keys and only when the line verifies over the stored head it names; kept per head
// and witness, and served appended to the checkpoint note.
// NOTE: a cosignature is a witness's statement that it saw this head and found it consistent with every head
// it saw before; the broker only checks that the statement is genuine, it adds no trust of its own.
import type { Db } from '../db/database.ts';
import { NoteError, openNote, parseVerifierKey, verifyCosignature, type NoteVerifier } from './signed-note.ts';

/** Why a cosignature was refused; the HTTP layer maps each to its status. */
export type CosignatureRefusal = 'unknown-witness' | 'no-such-head' | 'invalid-cosignature';

/** The outcome of offering one cosignature line. */
export type CosignatureOutcome =
  | { kind: 'stored'; witness: string; time: number }
  | { kind: 'already-held'; witness: string }
  | { kind: 'refused'; reason: CosignatureRefusal; detail: string };

/** What acceptance needs of the signed heads: the note kept for a tree size, and the log's note verifier. */
export interface SignedHeads {
  at(treeSize: number): Promise<{ note: string } | null>;
  readonly verifier: NoteVerifier;
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');
const label = (v: NoteVerifier) => `${v.name}+${hex8(v.keyId)}`;

/** The configured witnesses and the cosignatures they gave. */
export class CosignatureStore {
  private readonly witnesses: NoteVerifier[];

  constructor(
    private readonly db: Db,
    private readonly heads: SignedHeads,
    witnessKeys: readonly string[],
    private readonly clock: () => Date,
  ) {
    this.witnesses = witnessKeys.map((k) => parseVerifierKey(k));
  }

  /** Checks one cosignature line over the head of `treeSize` and keeps it (the first per head and witness). */
  async offer(treeSize: number, line: string): Promise<CosignatureOutcome> {
    const named = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})\n?$/.exec(line);
    if (named === null) return { kind: 'refused', reason: 'invalid-cosignature', detail: 'not a signature line ("— <name> <base64>")' };
    const keyIdOf = Buffer.from(named[2]!, 'base64');
    const witness = keyIdOf.length >= 4 ? this.witnesses.find((w) => w.name === named[1] && w.keyId === keyIdOf.readUInt32BE(0)) : undefined;
    if (witness === undefined) return { kind: 'refused', reason: 'unknown-witness', detail: `${named[1]} with this key is not a configured witness (WITNESS_KEYS)` };
    const head = await this.heads.at(treeSize);
    if (head === null) return { kind: 'refused', reason: 'no-such-head', detail: `no signed tree head of ${treeSize} leaves` };
    let time: number;
    try {
      const body = openNote(head.note, [this.heads.verifier]).text;
      time = verifyCosignature(body, line, witness, Math.floor(this.clock().getTime() / 1000) + 300).time;
    } catch (err) {
      if (!(err instanceof NoteError)) throw err;
      return { kind: 'refused', reason: 'invalid-cosignature', detail: `the cosignature does not verify over the head of ${treeSize} leaves: ${err.message}` };
    }
    const data = { treeSize, witness: label(witness), line: line.endsWith('\n') ? line.slice(0, -1) : line, receivedAt: this.clock() };
    try {
      await this.db.auditCosignature.create({ data });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'P2002') throw err;
      return { kind: 'already-held', witness: data.witness };
    }
    return { kind: 'stored', witness: data.witness, time };
  }

  /** The cosignature lines kept for the head of `treeSize`, in witness order. */
  async lines(treeSize: number): Promise<string[]> {
    const rows = await this.db.auditCosignature.findMany({ where: { treeSize }, orderBy: { witness: 'asc' } });
    return rows.map((r) => r.line);
  }
}
