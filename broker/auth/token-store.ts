// Bearer tokens: random, shown once, stored only as their SHA-256 hash. (High-entropy tokens need no
// slow hash: nothing can be guessed from a SHA-256 of 32 random bytes.)
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { EvidenceType, Purpose } from '../domain/codes.ts';
import type { Participant, Principal } from './principal.ts';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function newToken(prefix: 'eb' | 'ebc'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Subject a token is issued to. */
export type TokenSubject = { participantId: string } | { citizenIdNr: string };

export class TokenStore {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  /** Issues a token (or registers a given one, for the demo) and returns it in clear, once. */
  async issue(subject: TokenSubject, label: string, token?: string, expiresAt?: Date): Promise<string> {
    const clear = token ?? newToken('participantId' in subject ? 'eb' : 'ebc');
    const tokenHash = hashToken(clear);
    const data = {
      tokenHash,
      subjectType: 'participantId' in subject ? 'participant' : 'citizen',
      participantId: 'participantId' in subject ? subject.participantId : null,
      citizenIdNr: 'citizenIdNr' in subject ? subject.citizenIdNr : null,
      label,
      expiresAt: expiresAt ?? null,
      revokedAt: null,
    };
    await this.db.apiToken.upsert({
      where: { tokenHash },
      create: { id: randomUUID(), createdAt: this.clock(), ...data },
      update: data,
    });
    return clear;
  }

  /** Revokes a subject's tokens that carry a label (e.g. the previous run's demo tokens). */
  async revokeLabelled(subject: TokenSubject, label: string): Promise<void> {
    const where = 'participantId' in subject ? { participantId: subject.participantId } : { citizenIdNr: subject.citizenIdNr };
    await this.db.apiToken.updateMany({ where: { ...where, label, revokedAt: null }, data: { revokedAt: this.clock() } });
  }

  async authenticate(token: string): Promise<Principal | null> {
    const tokenHash = hashToken(token);
    const row = await this.db.apiToken.findUnique({ where: { tokenHash } });
    // NOTE: the lookup is by hash, so timing reveals nothing of the token; the compare is belt and braces.
    if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(tokenHash))) return null;
    const now = this.clock();
    if (row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
    if (row.subjectType === 'citizen' && row.citizenIdNr) return { kind: 'citizen', idNr: row.citizenIdNr };
    if (row.subjectType !== 'participant' || !row.participantId) return null;
    const participant = await new ParticipantStore(this.db).get(row.participantId);
    return participant ? { kind: 'participant', participant } : null;
  }
}

/** The participant directory (authorities and their permissions). */
export class ParticipantStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<Participant | null> {
    const row = await this.db.participant.findUnique({ where: { id } });
    if (!row || row.kind !== 'authority') return null;
    return {
      id: row.id,
      name: row.name,
      kind: 'authority',
      region: row.region,
      evidenceTypes: JSON.parse(row.evidenceTypes) as EvidenceType[],
      purposes: JSON.parse(row.purposes) as Purpose[],
    };
  }

  async upsert(p: Participant, now: Date): Promise<void> {
    const data = {
      name: p.name,
      kind: p.kind,
      region: p.region,
      evidenceTypes: JSON.stringify(p.evidenceTypes),
      purposes: JSON.stringify(p.purposes),
    };
    await this.db.participant.upsert({ where: { id: p.id }, create: { id: p.id, createdAt: now, ...data }, update: data });
  }
}
