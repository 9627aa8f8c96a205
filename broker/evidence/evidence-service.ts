// One evidence request end to end: authorize, check consent, record the request, fan out to the
// registers, commit the answer and its audit entry in one transaction, answer. Evidence passes through;
// it is held (sealed) only where the caller needs it again: an idempotent replay or an async delivery.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RegisterAdapter, RegisterOutcome, RegisterRequest } from '../../adapters/contract.ts';
import type { ConsentStore } from '../../consent/consent-store.ts';
import { decidePermission, withdrawnBasis, withdrawnBasisMessages, type Permission } from '../../consent/policy.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { canonicalJson, dataHash } from '../audit/chain.ts';
import type { Participant } from '../auth/principal.ts';
import { directSqlOf, type Db } from '../db/database.ts';
import { isUniqueViolation } from '../db/db-errors.ts';
import { insertRows } from '../db/raw-insert.ts';
import { type Purpose } from '../domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { BrokerError, ConflictError, ConsentRequiredError, ForbiddenError, NotFoundError, OverloadError } from '../errors.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { EvidenceRequestBody } from '../schemas.ts';
import { defaultPeriod, reasonOf, requestStatus, type ItemReason, type ItemStatus, type RequestStatus } from './outcome.ts';
import { AdmissionRefusedError, type Admission, type AdmissionGate } from './admission.ts';
import { policyRefusal, type RegisterPolicies } from './register-policy.ts';
import { seal, unseal } from './sealed-answer.ts';

/** One evidence item in an answer. `data` is present only in the answer that delivered it. */
export interface EvidenceItemAnswer {
  type: EvidenceType;
  status: ItemStatus;
  data: unknown | null;
  provenance: { register: string; fetchedAt: string | null };
  reason?: ItemReason;
  dataHash?: string;
}

/** The answer to an evidence request (POST) or its later state (GET). */
export interface EvidenceAnswer {
  id: string;
  status: RequestStatus | 'in-progress';
  purpose: Purpose;
  caseReference: string;
  period: { from: string; to: string };
  createdAt: string;
  basis: Permission;
  evidence: EvidenceItemAnswer[];
  auditEntryId: number | null;
}

/** How a POST ended: answered now, the first answer replayed for a repeated Idempotency-Key, or accepted (async). */
export type SubmitResult =
  | { kind: 'answered'; answer: EvidenceAnswer }
  | { kind: 'replayed'; answer: EvidenceAnswer }
  | { kind: 'accepted'; answer: EvidenceAnswer };

/** Options of a POST beyond its body. */
export interface SubmitOptions {
  /** The caller's Idempotency-Key header. */
  idempotencyKey?: string | undefined;
  /** Prefer: respond-async — answer 202 at once; a worker fetches, GET delivers. */
  respondAsync?: boolean;
  /** The person acting for the authority (a clerk's account id); recorded in the audit entry. */
  onBehalfOf?: string;
  /** Aborts when the caller has gone away: a request still waiting for its registers leaves the queue. */
  signal?: AbortSignal;
}

export type AdapterSet = { [T in EvidenceType]: RegisterAdapter<T> };

/** What the service needs; nothing more. */
export interface EvidenceServiceDeps {
  db: Db;
  adapters: AdapterSet;
  policies: RegisterPolicies;
  /** Lets a request at its registers when they all have room; holds it (bounded) until then. */
  admission: AdmissionGate;
  consents: ConsentStore;
  audit: AuditLog;
  clock: () => Date;
  registerTimeoutMs: number;
  log: Logger;
  metrics: BrokerMetrics;
  dataKey: Buffer;
  resultRetentionHours: number;
}

interface FetchedItem extends EvidenceItemAnswer {
  pendingTicket: string | null;
}

type RequestRow = NonNullable<Awaited<ReturnType<Db['evidenceRequest']['findUnique']>>>;

/** Every column of an EvidenceRequest row, in the order the INSERT names them. */
const REQUEST_COLUMNS = [
  'id', 'participantId', 'citizenIdNr', 'purpose', 'caseReference', 'onBehalfOf', 'periodFrom', 'periodTo', 'consentId', 'legalBasis', 'status', 'createdAt',
  'answeredAt', 'auditSeq', 'evidenceTypes', 'mode', 'idempotencyKeyHash', 'requestHash', 'lockedUntil', 'lockToken', 'resultCipher', 'resultExpiresAt',
] as const satisfies readonly (keyof RequestRow)[];
const INSERT_REQUEST = `INSERT INTO "EvidenceRequest" (${REQUEST_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${REQUEST_COLUMNS.map(() => '?').join(', ')})`;
/** The answer of the request this process holds (compare-and-set on its lock), in the group commit. */
const ANSWER_REQUEST = `
  UPDATE "EvidenceRequest"
  SET "status" = ?, "answeredAt" = ?, "auditSeq" = ?, "lockedUntil" = NULL, "lockToken" = NULL, "resultCipher" = ?, "resultExpiresAt" = ?
  WHERE "id" = ? AND "lockToken" = ? AND "status" = 'in-progress'`;
/** A pending item that arrived later, and its request's new state (GET), in the group commit. */
const UPDATE_ITEM = `
  UPDATE "EvidenceItem" SET "register" = ?, "status" = ?, "reason" = ?, "fetchedAt" = ?, "dataHash" = ?, "pendingTicket" = ?
  WHERE "requestId" = ? AND "type" = ?`;
const COMPLETE_REQUEST = 'UPDATE "EvidenceRequest" SET "status" = ?, "auditSeq" = ?, "resultCipher" = NULL, "resultExpiresAt" = NULL WHERE "id" = ?';

/** A repeated Idempotency-Key with another request: refused, never answered with the first request's data. */
export class IdempotencyMismatchError extends BrokerError {
  constructor() {
    super(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'This Idempotency-Key was used for a different request');
  }
}

/** Retry-After of a request refused because a register it needs is full (its calls take well under a second). */
const REGISTERS_BUSY_RETRY_AFTER_SECONDS = 1;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class EvidenceService {
  /** Work started here and not yet committed; drain() waits for it on shutdown. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: EvidenceServiceDeps) {}

  /** How long a process may hold a request before another may take it over. */
  private get lockMs(): number {
    return this.deps.registerTimeoutMs * 2 + 10_000;
  }

  async submit(participant: Participant, body: EvidenceRequestBody, opts: SubmitOptions = {}): Promise<SubmitResult> {
    const { clock } = this.deps;
    // Items always come back in the code list's order, whatever order the caller used (GET agrees).
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
    const now = clock();
    // The directory decides first: a type or purpose this authority may not ask for is refused before
    // any consent is looked at. Every refusal is audited, so the citizen can see the attempt too.
    const notAllowed = types.filter((t) => !participant.evidenceTypes.includes(t));
    if (notAllowed.length > 0) {
      await this.auditRefusal(participant, body, types, 'evidence-type-not-allowed', now);
      throw new ForbiddenError(`This participant may not request ${notAllowed.join(', ')}`);
    }
    if (!participant.purposes.includes(body.purpose)) {
      await this.auditRefusal(participant, body, types, 'purpose-not-allowed', now);
      throw new ForbiddenError(`This participant may not request for purpose ${body.purpose}`);
    }
    if (body.legalBasis !== undefined && !participant.legalBases.includes(body.legalBasis)) {
      await this.auditRefusal(participant, body, types, 'legal-basis-not-allowed', now);
      throw new ForbiddenError(`This participant may not rely on legal basis ${body.legalBasis}`);
    }

    // Load shedding before anything is looked up or recorded: a register that cannot take another call would
    // only give a `*_BUSY` item. The request waits for room (ADMISSION_WAIT_MS, without using the CPU); past
    // that the caller gets 503 with Retry-After and sends the whole request again.
    const admission = await this.deps.admission.acquire(types, opts.signal).catch((err: unknown) => {
      if (!(err instanceof AdmissionRefusedError)) throw err;
      if (err.reason !== 'abandoned') this.deps.metrics.refusals.inc({ reason: 'registers-busy' });
      throw new OverloadError(503, `The register for ${err.busy.join(', ')} has too many calls in flight; retry shortly`, REGISTERS_BUSY_RETRY_AFTER_SECONDS);
    });
    // NOTE: the admission is given back register by register as the calls end (process); a path that never gets
    // there — a refusal, a replay, a failure — gives it back here. An async request's background work holds it on.
    return this.submitAdmitted(participant, body, opts, types, admission).then(
      (result) => {
        if (result.kind === 'replayed') admission.release();
        return result;
      },
      (err: unknown) => {
        admission.release();
        throw err;
      },
    );
  }

  /** The rest of submit, once the registers have room: consent, record, fan out (or hand over), answer. */
  private async submitAdmitted(participant: Participant, body: EvidenceRequestBody, opts: SubmitOptions, types: EvidenceType[], admission: Admission): Promise<SubmitResult> {
    const { clock, consents } = this.deps;
    // Consent is checked, and the request recorded and locked, as of its admission: the wait is not counted.
    const now = clock();
    const need = { idNr: body.citizen.idNr, granteeId: participant.id, purpose: body.purpose, evidenceTypes: types };
    const basis = await decidePermission(consents, need, body, now).catch(async (err: unknown) => {
      if (err instanceof ConsentRequiredError) {
        this.deps.metrics.consentRefusals.inc({ reason: err.refusal });
        await this.auditRefusal(participant, body, types, err.refusal, now);
      }
      throw err;
    });

    const period = body.period ?? defaultPeriod(now);
    const requestHash = sha256(canonicalJson({ ...body, evidenceTypes: types, period, respondAsync: opts.respondAsync === true }));
    const keyHash = opts.idempotencyKey === undefined ? null : sha256(opts.idempotencyKey);
    const lockToken = randomBytes(16).toString('hex');
    const row = {
      id: randomUUID(),
      participantId: participant.id,
      citizenIdNr: need.idNr,
      purpose: body.purpose,
      caseReference: body.caseReference,
      onBehalfOf: opts.onBehalfOf ?? null,
      periodFrom: period.from,
      periodTo: period.to,
      consentId: basis.basis === 'consent' ? basis.consentId : null,
      legalBasis: basis.basis === 'legal-basis' ? basis.legalBasis : null,
      status: 'in-progress',
      createdAt: now,
      evidenceTypes: JSON.stringify(types),
      mode: opts.respondAsync ? 'async' : 'sync',
      idempotencyKeyHash: keyHash,
      requestHash,
      lockedUntil: new Date(now.getTime() + this.lockMs),
      lockToken,
    };
    // NOTE: the request is recorded before any register is called: a crash leaves an unanswered row and
    // no audit entry; with an Idempotency-Key the unique index makes one request of concurrent repeats.
    const claimed = await this.claimNew(row, participant.id, keyHash, requestHash);
    if (claimed.kind === 'replayed') return claimed;
    const { id } = claimed.row;
    const owned = { ...claimed.row, lockToken: claimed.lockToken };

    if (opts.respondAsync) {
      this.track(this.process(owned, admission).catch((err: unknown) => this.deps.log.error({ err, requestId: id }, 'async evidence request failed; a worker retries it')));
      return { kind: 'accepted', answer: this.inProgress(owned) };
    }
    return { kind: 'answered', answer: await this.track(this.process(owned, admission)) };
  }

  /** Inserts the request, or resolves a repeat of an Idempotency-Key: replay, refuse, or take over a crashed one. */
  private async claimNew(
    row: Omit<RequestRow, 'answeredAt' | 'auditSeq' | 'resultCipher' | 'resultExpiresAt'> & { lockToken: string },
    participantId: string,
    keyHash: string | null,
    requestHash: string,
  ): Promise<{ kind: 'claimed'; row: RequestRow; lockToken: string } | { kind: 'replayed'; answer: EvidenceAnswer }> {
    try {
      // NOTE: one INSERT straight to the driver adapter (broker/db/direct-sql.ts) instead of Prisma's create, which
      // builds and interprets a query plan and reads the row back (~470 µs of CPU on SQLite, an idle process,
      // against ~230 µs for the INSERT through $executeRaw and less again without the client); the row returned
      // is the one written, with the columns an answer fills in later still empty.
      const written: RequestRow = { ...row, answeredAt: null, auditSeq: null, resultCipher: null, resultExpiresAt: null };
      await directSqlOf(this.deps.db).execute(INSERT_REQUEST, REQUEST_COLUMNS.map((c) => written[c]));
      return { kind: 'claimed', row: written, lockToken: row.lockToken };
    } catch (err) {
      if (keyHash === null || !isUniqueViolation(err)) throw err;
    }
    const existing = await this.deps.db.evidenceRequest.findUnique({ where: { participantId_idempotencyKeyHash: { participantId, idempotencyKeyHash: keyHash } } });
    if (!existing) throw new ConflictError('A request with this Idempotency-Key is being recorded; retry');
    if (existing.requestHash !== requestHash) throw new IdempotencyMismatchError();
    const now = this.deps.clock();
    if (existing.status !== 'in-progress' && existing.status !== 'abandoned') {
      if (!existing.resultCipher || (existing.resultExpiresAt && existing.resultExpiresAt <= now)) {
        throw new ConflictError('The answer to this Idempotency-Key is no longer held; send a new request with a new key');
      }
      return { kind: 'replayed', answer: unseal<EvidenceAnswer>(existing.resultCipher, this.deps.dataKey, existing.id) };
    }
    const lockToken = randomBytes(16).toString('hex');
    if (existing.lockedUntil && existing.lockedUntil > now && existing.status === 'in-progress') {
      throw new ConflictError('A request with this Idempotency-Key is still in progress', Math.ceil((existing.lockedUntil.getTime() - now.getTime()) / 1000));
    }
    // The process that held it died (its lock ran out): take it over, compare-and-set on the old lock.
    const { count } = await this.deps.db.evidenceRequest.updateMany({
      where: { id: existing.id, lockToken: existing.lockToken },
      data: { status: 'in-progress', lockToken, lockedUntil: new Date(now.getTime() + this.lockMs) },
    });
    if (count !== 1) throw new ConflictError('A request with this Idempotency-Key is still in progress', 1);
    return { kind: 'claimed', row: { ...existing, status: 'in-progress' }, lockToken };
  }

  private async auditRefusal(participant: Participant, body: EvidenceRequestBody, types: EvidenceType[], reason: string, at: Date): Promise<void> {
    await this.deps.audit.record({
      kind: 'refusal',
      at,
      citizenIdNr: body.citizen.idNr,
      actorId: participant.id,
      requestId: null,
      consentId: body.consentId ?? null,
      details: { reason, evidenceTypes: types, purpose: body.purpose, caseReference: body.caseReference, ...(body.legalBasis ? { legalBasis: body.legalBasis } : {}) },
    });
  }

  /**
   * Fetches and commits the answer of a request this process holds. Its admission (none for a request the
   * sweep resumed) is given back as each register's call ends, and whatever is left before the commit.
   */
  private async process(row: RequestRow & { lockToken: string }, admission?: Admission, recheck = false): Promise<EvidenceAnswer> {
    let items: FetchedItem[];
    try {
      const types = JSON.parse(row.evidenceTypes) as EvidenceType[];
      // A request resumed later is delivered only while its consent (or legal basis) still holds.
      const withdrawn = recheck ? await this.withdrawn(row, types) : null;
      if (withdrawn) {
        items = types.map((type) => this.withdrawnItem(type, withdrawn));
      } else {
        const period = { from: row.periodFrom, to: row.periodTo };
        const registerRequest: RegisterRequest = { requestId: row.id, idNr: row.citizenIdNr, purpose: row.purpose as Purpose, requester: row.participantId, period };
        items = await this.fanOut(types, (adapter, signal) => adapter.fetchEvidence(registerRequest, signal), admission);
      }
    } finally {
      admission?.release();
    }
    const status = requestStatus(items);
    const basis = basisOf(row);
    const holdResult = row.mode === 'async' || row.idempotencyKeyHash !== null;

    // NOTE: the answer, its items and the audit entry commit together — no audit entry, no evidence.
    return this.commitAnswer(row, items, status, basis, holdResult).catch((err: unknown) => {
      this.letGo(row);
      throw err;
    });
  }

  /**
   * After a failed commit nothing was recorded: the request is let go of at once, so that a retry with the
   * same Idempotency-Key (or the sweep, for an async request) takes it over now instead of after the lock ran
   * out. The database that refused the commit may still be busy, so this runs in the background and tries a
   * few times (compare-and-set on the lock: a request someone else took over is left alone).
   */
  private letGo(row: RequestRow & { lockToken: string }): void {
    const attempt = async (left: number): Promise<void> => {
      try {
        await this.deps.db.evidenceRequest.updateMany({ where: { id: row.id, lockToken: row.lockToken, status: 'in-progress' }, data: { lockedUntil: this.deps.clock() } });
      } catch {
        if (left === 0) return; // the lock runs out by itself
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
        await attempt(left - 1);
      }
    };
    void attempt(6);
  }

  private commitAnswer(row: RequestRow & { lockToken: string }, items: FetchedItem[], status: RequestStatus, basis: Permission, holdResult: boolean): Promise<EvidenceAnswer> {
    const { clock } = this.deps;
    const period = { from: row.periodFrom, to: row.periodTo };
    // Group commit (broker/audit/group-commit.ts): concurrent answers share one transaction and one advance
    // of the chain's head; each is answered only after that COMMIT. The work touches nothing but `tx`.
    return this.deps.audit.commit(async (tx, record) => {
      const seq = record({
        kind: 'transfer',
        at: clock(),
        citizenIdNr: row.citizenIdNr,
        actorId: row.participantId,
        requestId: row.id,
        consentId: row.consentId,
        details: {
          purpose: row.purpose,
          caseReference: row.caseReference,
          basis,
          outcome: status,
          items: items.map(auditItem),
          ...(row.onBehalfOf ? { onBehalfOf: row.onBehalfOf } : {}),
        },
      });
      const answer: EvidenceAnswer = {
        id: row.id,
        status,
        purpose: row.purpose as Purpose,
        caseReference: row.caseReference,
        period,
        createdAt: row.createdAt.toISOString(),
        basis,
        evidence: items.map(({ pendingTicket: _, ...item }) => item),
        auditEntryId: seq,
      };
      const now = clock();
      const resultCipher = holdResult ? seal(answer, this.deps.dataKey, row.id) : null;
      const resultExpiresAt = holdResult ? new Date(now.getTime() + this.deps.resultRetentionHours * 3_600_000) : null;
      // Only the holder may answer: if the lock was taken over meanwhile, this transaction rolls back.
      // NOTE: the group commit's transaction is straight on the driver adapter (broker/db/direct-sql.ts), which
      // binds the values as Prisma's own writes.
      const count = await tx.execute(ANSWER_REQUEST, [status, now, seq, resultCipher, resultExpiresAt, row.id, row.lockToken]);
      if (count !== 1) throw new ConflictError('Another broker process answered this request first', 1);
      const rows = items.map((i) => ({ requestId: row.id, ...itemRow(i) }));
      await insertRows(tx, 'EvidenceItem', ['requestId', 'type', 'register', 'status', 'reason', 'fetchedAt', 'dataHash', 'pendingTicket'], rows);
      return answer;
    });
  }

  /**
   * The request's current state. An async answer is delivered (sealed copy) until it expires; pending items
   * are asked about again, and an item that arrives now is delivered in this answer only, audited as its
   * own transfer, and then forgotten like every payload.
   */
  async get(participant: Participant, id: string): Promise<EvidenceAnswer> {
    const row = await this.deps.db.evidenceRequest.findUnique({ where: { id }, include: { items: true } });
    if (!row || row.participantId !== participant.id) throw new NotFoundError('This evidence request');
    if (row.status === 'in-progress' || row.status === 'abandoned') return this.inProgress(row);
    const now = this.deps.clock();
    // Anything still to deliver (a held async answer, pending items) is delivered only under a basis that holds.
    const holds = row.mode === 'async' && row.resultCipher && row.resultExpiresAt && row.resultExpiresAt > now;
    const delivering = holds || row.items.some((i) => i.status === 'pending' && i.pendingTicket);
    const withdrawn = delivering ? await this.withdrawn(row, JSON.parse(row.evidenceTypes) as EvidenceType[]) : null;
    if (holds && !withdrawn) {
      const held = unseal<EvidenceAnswer>(row.resultCipher!, this.deps.dataKey, row.id);
      if (!held.evidence.some((i) => i.status === 'pending')) return held;
    }
    const period = { from: row.periodFrom, to: row.periodTo };
    const basis = basisOf(row);
    const items = [...row.items].sort((a, b) => EVIDENCE_TYPES.indexOf(a.type as EvidenceType) - EVIDENCE_TYPES.indexOf(b.type as EvidenceType));
    const stored: EvidenceItemAnswer[] = items.map((i) => ({
      type: i.type as EvidenceType,
      status: i.status as ItemStatus,
      data: null,
      provenance: { register: i.register, fetchedAt: i.fetchedAt?.toISOString() ?? null },
      ...(i.reason ? { reason: JSON.parse(i.reason) as ItemReason } : {}),
      ...(i.dataHash ? { dataHash: i.dataHash } : {}),
    }));
    const pending = items.filter((i) => i.status === 'pending' && i.pendingTicket);
    if (pending.length === 0) return this.answerOf(row, period, basis, stored, row.auditSeq);

    // NOTE: a revoked or expired consent stops every delivery after it: the register is not asked again,
    // the pending items end unavailable, and that refusal is audited like any other outcome.
    const arrived = withdrawn ? pending.map((i) => this.withdrawnItem(i.type as EvidenceType, withdrawn)) : await this.pollArrived(participant, row, pending);
    if (arrived.length === 0) return this.answerOf(row, period, basis, stored, row.auditSeq);
    const merged = stored.map((s) => arrived.find((a) => a.type === s.type) ?? s);
    const status = requestStatus(merged);
    const auditEntryId = await this.deps.audit.commit(async (tx, record) => {
      for (const item of arrived) {
        const { type, register, status: itemStatus, reason, fetchedAt, dataHash, pendingTicket } = itemRow(item);
        const changed = await tx.execute(UPDATE_ITEM, [register, itemStatus, reason, fetchedAt, dataHash, pendingTicket, id, type]);
        if (changed !== 1) throw new Error('a pending evidence item to complete is missing');
      }
      const seq = record({
        kind: 'transfer',
        at: this.deps.clock(),
        citizenIdNr: row.citizenIdNr,
        actorId: participant.id,
        requestId: id,
        consentId: row.consentId,
        details: { purpose: row.purpose, caseReference: row.caseReference, basis, outcome: status, completes: id, items: arrived.map(auditItem) },
      });
      const changed = await tx.execute(COMPLETE_REQUEST, [status, seq, id]);
      if (changed !== 1) throw new Error('the evidence request to complete is missing');
      return seq;
    });
    return this.answerOf(row, period, basis, merged.map(stripTicket), auditEntryId);
  }

  /** Asks the registers about pending items again; a poll that fails leaves its item pending (the register still owes it). */
  private async pollArrived(participant: Participant, row: RequestRow, pending: readonly { type: string; pendingTicket: string | null }[]): Promise<FetchedItem[]> {
    const registerRequest: RegisterRequest = {
      requestId: row.id,
      idNr: row.citizenIdNr,
      purpose: row.purpose as Purpose,
      requester: participant.id,
      period: { from: row.periodFrom, to: row.periodTo },
    };
    const tickets = new Map(pending.map((i) => [i.type, i.pendingTicket!]));
    const polled = await this.fanOut(
      pending.map((i) => i.type as EvidenceType),
      (adapter, signal) => adapter.pollPending(tickets.get(adapter.evidenceType)!, registerRequest, signal),
    );
    return polled.filter((i) => i.status === 'delivered' || i.status === 'not-found');
  }

  /** Whether the request's consent or legal basis has gone since it was recorded, and why. */
  private withdrawn(row: RequestRow, types: readonly EvidenceType[]) {
    const need = { idNr: row.citizenIdNr, granteeId: row.participantId, purpose: row.purpose as Purpose, evidenceTypes: types };
    return withdrawnBasis(this.deps.consents, basisOf(row), need, this.deps.clock());
  }

  private withdrawnItem(type: EvidenceType, code: NonNullable<Awaited<ReturnType<EvidenceService['withdrawn']>>>): FetchedItem {
    const register = this.deps.adapters[type].register;
    return { type, status: 'unavailable', data: null, provenance: { register, fetchedAt: null }, reason: { code, message: withdrawnBasisMessages[code] }, pendingTicket: null };
  }

  /**
   * Recovery and housekeeping, run at start and then periodically by every broker process: async requests
   * whose holder died are taken over and answered; sync ones are marked abandoned (their caller is gone,
   * and an answer nobody receives must not be recorded as a transfer); expired sealed answers are erased.
   */
  async sweep(): Promise<{ resumed: number; abandoned: number; purged: number }> {
    const { db } = this.deps;
    const now = this.deps.clock();
    const purged = (await db.evidenceRequest.updateMany({ where: { resultExpiresAt: { lte: now } }, data: { resultCipher: null, resultExpiresAt: null } })).count;
    const abandoned = (await db.evidenceRequest.updateMany({ where: { status: 'in-progress', mode: 'sync', lockedUntil: { lt: now } }, data: { status: 'abandoned' } })).count;
    const orphans = await db.evidenceRequest.findMany({ where: { status: 'in-progress', mode: 'async', lockedUntil: { lt: now } }, take: 100 });
    let resumed = 0;
    for (const orphan of orphans) {
      const lockToken = randomBytes(16).toString('hex');
      const { count } = await db.evidenceRequest.updateMany({
        where: { id: orphan.id, lockToken: orphan.lockToken, status: 'in-progress' },
        data: { lockToken, lockedUntil: new Date(now.getTime() + this.lockMs) },
      });
      if (count !== 1) continue;
      resumed++;
      this.track(this.process({ ...orphan, lockToken }, undefined, true).catch((err: unknown) => this.deps.log.error({ err, requestId: orphan.id }, 'resumed evidence request failed')));
    }
    return { resumed, abandoned, purged };
  }

  /** Waits for work this process started (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  private inProgress(row: RequestRow): EvidenceAnswer {
    return this.answerOf(row, { from: row.periodFrom, to: row.periodTo }, basisOf(row), [], null, 'in-progress');
  }

  private answerOf(
    row: RequestRow,
    period: { from: string; to: string },
    basis: Permission,
    evidence: EvidenceItemAnswer[],
    auditEntryId: number | null,
    status: EvidenceAnswer['status'] = requestStatus(evidence),
  ): EvidenceAnswer {
    return { id: row.id, status, purpose: row.purpose as Purpose, caseReference: row.caseReference, period, createdAt: row.createdAt.toISOString(), basis, evidence, auditEntryId };
  }

  /**
   * Asks every register at once under its policy and time budget; one failure never sinks the others. A
   * register's admission slot is given back when its call has ended (retries included), so a slow register
   * holds up no request that does not need it.
   */
  private async fanOut(
    types: readonly EvidenceType[],
    call: (adapter: RegisterAdapter, signal: AbortSignal) => Promise<RegisterOutcome>,
    admission?: Admission,
  ): Promise<FetchedItem[]> {
    const { metrics } = this.deps;
    const settled = await Promise.allSettled(
      types.map(async (type) => {
        const adapter = this.deps.adapters[type] as RegisterAdapter;
        const stop = metrics.registerDuration.startTimer({ register: adapter.register });
        try {
          const budget = AbortSignal.timeout(this.deps.registerTimeoutMs);
          const outcome = await this.deps.policies[type].execute(({ signal }) => call(adapter, signal), budget);
          stop({ outcome: outcome.status });
          return outcome;
        } catch (err) {
          stop({ outcome: 'unavailable' });
          throw err;
        } finally {
          admission?.release(type);
        }
      }),
    );
    return settled.map((s, i): FetchedItem => {
      const type = types[i]!;
      const register = this.deps.adapters[type].register;
      if (s.status === 'rejected') {
        const reason = policyRefusal(type, s.reason) ?? reasonOf(type, s.reason);
        metrics.registerFailures.inc({ register, code: reason.code });
        if (reason.code.endsWith('_INTERNAL')) this.deps.log.error({ err: s.reason, evidenceType: type }, 'register call failed unexpectedly');
        else this.deps.log.warn({ code: reason.code, evidenceType: type }, 'register unavailable');
        return { type, status: 'unavailable', data: null, provenance: { register, fetchedAt: null }, reason, pendingTicket: null };
      }
      const o = s.value;
      const provenance = { register, fetchedAt: o.fetchedAt.toISOString() };
      switch (o.status) {
        case 'delivered':
          return { type, status: 'delivered', data: o.data, provenance, dataHash: dataHash(o.data), pendingTicket: null };
        case 'not-found':
          return { type, status: 'not-found', data: null, provenance, pendingTicket: null };
        case 'pending':
          return { type, status: 'pending', data: null, provenance, pendingTicket: o.ticket };
      }
    });
  }
}

function basisOf(row: { consentId: string | null; legalBasis: string | null }): Permission {
  return row.consentId ? { basis: 'consent', consentId: row.consentId } : { basis: 'legal-basis', legalBasis: row.legalBasis ?? '' };
}


function stripTicket(item: EvidenceItemAnswer & { pendingTicket?: string | null }): EvidenceItemAnswer {
  const { pendingTicket: _, ...rest } = item;
  return rest;
}

function itemRow(item: FetchedItem) {
  return {
    type: item.type,
    register: item.provenance.register,
    status: item.status,
    reason: item.reason ? JSON.stringify(item.reason) : null,
    fetchedAt: item.provenance.fetchedAt ? new Date(item.provenance.fetchedAt) : null,
    dataHash: item.dataHash ?? null,
    pendingTicket: item.pendingTicket,
  };
}

function auditItem(item: FetchedItem) {
  return {
    type: item.type,
    register: item.provenance.register,
    status: item.status,
    ...(item.dataHash ? { dataHash: item.dataHash } : {}),
    ...(item.reason ? { reason: item.reason.code } : {}),
  };
}
