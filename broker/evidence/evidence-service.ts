// One evidence request end to end: authorize, check consent, fan out to the registers, record the answer
// and its audit entry in one transaction, answer. Evidence payloads pass through and are never stored.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RegisterAdapter, RegisterOutcome, RegisterRequest } from '../../adapters/contract.ts';
import type { ConsentStore } from '../../consent/consent-store.ts';
import { decidePermission, type Permission } from '../../consent/policy.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { dataHash } from '../audit/chain.ts';
import type { Participant } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import { EVIDENCE_TYPES, type EvidenceType, type Purpose } from '../domain/codes.ts';
import { ConsentRequiredError, ForbiddenError, NotFoundError } from '../errors.ts';
import type { BrokerMetrics } from '../metrics.ts';
import type { EvidenceRequestBody } from '../schemas.ts';
import { defaultPeriod, reasonOf, requestStatus, type ItemReason, type ItemStatus, type RequestStatus } from './outcome.ts';

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
  status: RequestStatus;
  purpose: Purpose;
  caseReference: string;
  period: { from: string; to: string };
  createdAt: string;
  basis: Permission;
  evidence: EvidenceItemAnswer[];
  auditEntryId: number;
}

export type AdapterSet = { [T in EvidenceType]: RegisterAdapter<T> };

/** What the service needs; nothing more. */
export interface EvidenceServiceDeps {
  db: Db;
  adapters: AdapterSet;
  consents: ConsentStore;
  audit: AuditLog;
  clock: () => Date;
  registerTimeoutMs: number;
  log: Logger;
  metrics: BrokerMetrics;
}

interface FetchedItem extends EvidenceItemAnswer {
  pendingTicket: string | null;
}

export class EvidenceService {
  constructor(private readonly deps: EvidenceServiceDeps) {}

  async request(participant: Participant, body: EvidenceRequestBody): Promise<EvidenceAnswer> {
    const { clock, consents } = this.deps;
    // Items always come back in the code list's order, whatever order the caller used (GET agrees).
    const types = EVIDENCE_TYPES.filter((t) => body.evidenceTypes.includes(t));
    const notAllowed = types.filter((t) => !participant.evidenceTypes.includes(t));
    if (notAllowed.length > 0) throw new ForbiddenError(`This participant may not request ${notAllowed.join(', ')}`);
    if (!participant.purposes.includes(body.purpose)) throw new ForbiddenError(`This participant may not request for purpose ${body.purpose}`);

    const now = clock();
    const need = { idNr: body.citizen.idNr, granteeId: participant.id, purpose: body.purpose, evidenceTypes: types };
    const basis = await decidePermission(consents, need, body, now).catch((err: unknown) => {
      if (err instanceof ConsentRequiredError) this.deps.metrics.consentRefusals.inc({ reason: err.refusal });
      throw err;
    });

    const id = randomUUID();
    const period = body.period ?? defaultPeriod(now);
    const registerRequest: RegisterRequest = { requestId: id, idNr: need.idNr, purpose: body.purpose, requester: participant.id, period };
    const items = await this.fanOut(types, (adapter, signal) => adapter.fetchEvidence(registerRequest, signal));
    const status = requestStatus(items);

    // NOTE: the request, its items and the audit entry commit together — no audit entry, no evidence.
    const auditEntryId = await this.deps.db.$transaction(async (tx) => {
      await tx.evidenceRequest.create({
        data: {
          id,
          participantId: participant.id,
          citizenIdNr: need.idNr,
          purpose: body.purpose,
          caseReference: body.caseReference,
          periodFrom: period.from,
          periodTo: period.to,
          consentId: basis.basis === 'consent' ? basis.consentId : null,
          legalBasis: basis.basis === 'legal-basis' ? basis.legalBasis : null,
          status,
          createdAt: now,
          items: { create: items.map(itemRow) },
        },
      });
      const seq = await this.deps.audit.append(tx, {
        kind: 'transfer',
        at: clock(),
        citizenIdNr: need.idNr,
        actorId: participant.id,
        requestId: id,
        consentId: basis.basis === 'consent' ? basis.consentId : null,
        details: { purpose: body.purpose, caseReference: body.caseReference, basis, outcome: status, items: items.map(auditItem) },
      });
      await tx.evidenceRequest.update({ where: { id }, data: { answeredAt: clock(), auditSeq: seq } });
      return seq;
    });

    return {
      id,
      status,
      purpose: body.purpose,
      caseReference: body.caseReference,
      period,
      createdAt: now.toISOString(),
      basis,
      evidence: items.map(({ pendingTicket: _, ...item }) => item),
      auditEntryId,
    };
  }

  /**
   * The request's current state. Pending items are asked about again; an item that arrives now is
   * delivered in this answer only, audited as its own transfer, and then forgotten like every payload.
   */
  async get(participant: Participant, id: string): Promise<EvidenceAnswer> {
    const row = await this.deps.db.evidenceRequest.findUnique({ where: { id }, include: { items: true } });
    if (!row || row.participantId !== participant.id) throw new NotFoundError('This evidence request');
    const period = { from: row.periodFrom, to: row.periodTo };
    const basis: Permission = row.consentId ? { basis: 'consent', consentId: row.consentId } : { basis: 'legal-basis', legalBasis: row.legalBasis ?? '' };
    let auditEntryId = row.auditSeq ?? 0;

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
    if (pending.length > 0) {
      const registerRequest: RegisterRequest = { requestId: id, idNr: row.citizenIdNr, purpose: row.purpose as Purpose, requester: participant.id, period };
      const tickets = new Map(pending.map((i) => [i.type, i.pendingTicket!]));
      const polled = await this.fanOut(
        pending.map((i) => i.type as EvidenceType),
        (adapter, signal) => adapter.pollPending(tickets.get(adapter.evidenceType)!, registerRequest, signal),
      );
      // A poll that fails leaves the item pending: the register still owes the answer.
      const arrived = polled.filter((i) => i.status === 'delivered' || i.status === 'not-found');
      if (arrived.length > 0) {
        const merged = stored.map((s) => arrived.find((a) => a.type === s.type) ?? s);
        const status = requestStatus(merged);
        auditEntryId = await this.deps.db.$transaction(async (tx) => {
          for (const item of arrived) {
            await tx.evidenceItem.update({ where: { requestId_type: { requestId: id, type: item.type } }, data: itemRow(item) });
          }
          const seq = await this.deps.audit.append(tx, {
            kind: 'transfer',
            at: this.deps.clock(),
            citizenIdNr: row.citizenIdNr,
            actorId: participant.id,
            requestId: id,
            consentId: row.consentId,
            details: { purpose: row.purpose, caseReference: row.caseReference, basis, outcome: status, completes: id, items: arrived.map(auditItem) },
          });
          await tx.evidenceRequest.update({ where: { id }, data: { status, auditSeq: seq } });
          return seq;
        });
        return this.answer(row, period, basis, merged.map((m) => stripTicket(m)), auditEntryId);
      }
    }
    return this.answer(row, period, basis, stored, auditEntryId);
  }

  private answer(
    row: { id: string; purpose: string; caseReference: string; createdAt: Date },
    period: { from: string; to: string },
    basis: Permission,
    evidence: EvidenceItemAnswer[],
    auditEntryId: number,
  ): EvidenceAnswer {
    return {
      id: row.id,
      status: requestStatus(evidence),
      purpose: row.purpose as Purpose,
      caseReference: row.caseReference,
      period,
      createdAt: row.createdAt.toISOString(),
      basis,
      evidence,
      auditEntryId,
    };
  }

  /** Asks every register at once, each with its own time budget; one failure never sinks the others. */
  private async fanOut(
    types: readonly EvidenceType[],
    call: (adapter: RegisterAdapter, signal: AbortSignal) => Promise<RegisterOutcome>,
  ): Promise<FetchedItem[]> {
    const { metrics } = this.deps;
    const settled = await Promise.allSettled(
      types.map(async (type) => {
        const adapter = this.deps.adapters[type] as RegisterAdapter;
        const stop = metrics.registerDuration.startTimer({ register: adapter.register });
        try {
          const outcome = await call(adapter, AbortSignal.timeout(this.deps.registerTimeoutMs));
          stop({ outcome: outcome.status });
          return outcome;
        } catch (err) {
          stop({ outcome: 'unavailable' });
          throw err;
        }
      }),
    );
    return settled.map((s, i): FetchedItem => {
      const type = types[i]!;
      const register = this.deps.adapters[type].register;
      if (s.status === 'rejected') {
        const reason = reasonOf(type, s.reason);
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
