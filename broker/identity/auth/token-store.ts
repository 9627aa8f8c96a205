// Bearer tokens: random, shown once, stored only as their SHA-256 hash. (High-entropy tokens need no
// slow hash: nothing can be guessed from a SHA-256 of 32 random bytes.)
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { directSqlOf, type Db } from '../../db/database.ts';
import type { Purpose } from '../../domain/codes.ts';
import type { EvidenceType } from '../../../adapters/index.ts';
import type { Participant, Principal } from './principal.ts';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function newToken(prefix: 'eb' | 'ebc'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Subject a token is issued to. Operators hold tokens for statistics and audit, not for evidence. */
export type TokenSubject = { participantId: string } | { citizenIdNr: string } | { operator: string };

function subjectColumns(subject: TokenSubject): { subjectType: string; subjectId: string } {
  if ('participantId' in subject) return { subjectType: 'participant', subjectId: subject.participantId };
  if ('citizenIdNr' in subject) return { subjectType: 'citizen', subjectId: subject.citizenIdNr };
  return { subjectType: 'operator', subjectId: subject.operator };
}

/** A token as listed for operators (never the token itself). */
export interface TokenInfo {
  id: string;
  subjectType: string;
  subject: string;
  label: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export class TokenStore {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  /** Issues a token (or registers a given one, for the demo) and returns it in clear, once. */
  async issue(subject: TokenSubject, label: string, token?: string, expiresAt?: Date): Promise<string> {
    const clear = token ?? newToken('citizenIdNr' in subject ? 'ebc' : 'eb');
    const tokenHash = hashToken(clear);
    const data = { tokenHash, ...subjectColumns(subject), label, expiresAt: expiresAt ?? null, revokedAt: null };
    await this.db.apiToken.upsert({
      where: { tokenHash },
      create: { id: randomUUID(), createdAt: this.clock(), ...data },
      update: data,
    });
    return clear;
  }

  /** Revokes a subject's tokens that carry a label (e.g. the previous run's demo tokens). */
  async revokeLabelled(subject: TokenSubject, label: string): Promise<void> {
    await this.db.apiToken.updateMany({ where: { ...subjectColumns(subject), label, revokedAt: null }, data: { revokedAt: this.clock() } });
  }

  /** Revokes every token with a label, or of a participant, whoever holds it; returns how many. */
  async revokeAll(which: { label: string } | { participantId: string }): Promise<number> {
    const where = 'label' in which ? { label: which.label } : subjectColumns(which);
    const { count } = await this.db.apiToken.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: this.clock() } });
    return count;
  }

  /** Revokes one token by its id; false when unknown or already revoked. */
  async revoke(id: string): Promise<boolean> {
    const { count } = await this.db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: this.clock() } });
    return count === 1;
  }

  /** Participant and operator tokens (citizen session tokens are not listed: they would name citizens). */
  async list(): Promise<TokenInfo[]> {
    const rows = await this.db.apiToken.findMany({ where: { subjectType: { in: ['participant', 'operator'] } }, orderBy: { createdAt: 'asc' } });
    return rows.map((r) => ({ id: r.id, subjectType: r.subjectType, subject: r.subjectId, label: r.label, createdAt: r.createdAt, expiresAt: r.expiresAt, revokedAt: r.revokedAt }));
  }

  /** The principal a bearer token stands for, or null (unknown, revoked, expired, or a refused label). */
  // NOTE: one join (token + participant's directory entry) straight to the driver adapter: this runs on every API
  // request, and Prisma's per-query work dominates it. Names are the models' own; the value is bound, never spliced.
  async authenticate(token: string, refusedLabels: readonly string[] = []): Promise<Principal | null> {
    const tokenHash = hashToken(token);
    const rows = await directSqlOf(this.db).query<TokenRow>(AUTHENTICATE, [tokenHash], ['expiresAt', 'revokedAt']);
    const row = rows[0];
    // NOTE: the lookup is by hash, so timing reveals nothing of the token; the compare is belt and braces.
    if (!row || !timingSafeEqual(Buffer.from(row.tokenHash), Buffer.from(tokenHash))) return null;
    const now = this.clock();
    if (row.revokedAt !== null || (row.expiresAt !== null && row.expiresAt <= now) || refusedLabels.includes(row.label)) return null;
    switch (row.subjectType) {
      case 'citizen':
        return { kind: 'citizen', idNr: row.subjectId };
      case 'operator':
        return { kind: 'operator', name: row.subjectId };
      case 'participant':
        return row.pId !== null && row.pKind === 'authority'
          ? { kind: 'participant', participant: toParticipant({ id: row.pId, name: row.pName!, region: row.pRegion!, evidenceTypes: row.pEvidenceTypes!, purposes: row.pPurposes!, legalBases: row.pLegalBases! }) }
          : null;
      default:
        return null;
    }
  }
}

const AUTHENTICATE = `
  SELECT t."tokenHash", t."subjectType", t."subjectId", t."label", t."expiresAt", t."revokedAt",
         p."id" AS "pId", p."kind" AS "pKind", p."name" AS "pName", p."region" AS "pRegion",
         p."evidenceTypes" AS "pEvidenceTypes", p."purposes" AS "pPurposes", p."legalBases" AS "pLegalBases"
  FROM "ApiToken" t
  LEFT JOIN "Participant" p ON t."subjectType" = 'participant' AND p."id" = t."subjectId"
  WHERE t."tokenHash" = ?`;

/** One row of authenticate's join (the participant's columns are null for other subjects). */
interface TokenRow {
  tokenHash: string;
  subjectType: string;
  subjectId: string;
  label: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  pId: string | null;
  pKind: string | null;
  pName: string | null;
  pRegion: string | null;
  pEvidenceTypes: string | null;
  pPurposes: string | null;
  pLegalBases: string | null;
}

/** The participant directory (authorities and their permissions). */
export class ParticipantStore {
  constructor(private readonly db: Db) {}

  // NOTE: straight to the driver adapter (broker/db/direct-sql.ts): a caller with a client certificate is looked
  // up here on every API request.
  async get(id: string): Promise<Participant | null> {
    const [row] = await directSqlOf(this.db).query<ParticipantRow & { kind: string }>(
      'SELECT "id", "name", "kind", "region", "evidenceTypes", "purposes", "legalBases" FROM "Participant" WHERE "id" = ?',
      [id],
    );
    return row && row.kind === 'authority' ? toParticipant(row) : null;
  }

  /** Every authority, by name. */
  async list(): Promise<Participant[]> {
    const rows = await this.db.participant.findMany({ where: { kind: 'authority' }, orderBy: { name: 'asc' } });
    return rows.map(toParticipant);
  }

  async upsert(p: Participant, now: Date): Promise<void> {
    const data = {
      name: p.name,
      kind: p.kind,
      region: p.region,
      evidenceTypes: JSON.stringify(p.evidenceTypes),
      purposes: JSON.stringify(p.purposes),
      legalBases: JSON.stringify(p.legalBases),
    };
    await this.db.participant.upsert({ where: { id: p.id }, create: { id: p.id, createdAt: now, ...data }, update: data });
  }
}

/** A directory row's columns as toParticipant reads them. */
type ParticipantRow = { id: string; name: string; region: string; evidenceTypes: string; purposes: string; legalBases: string };

function toParticipant(row: ParticipantRow): Participant {
  return {
    id: row.id,
    name: row.name,
    kind: 'authority',
    region: row.region,
    evidenceTypes: JSON.parse(row.evidenceTypes) as EvidenceType[],
    purposes: JSON.parse(row.purposes) as Purpose[],
    legalBases: JSON.parse(row.legalBases) as string[],
  };
}
