// The evidence path's orchestration on its own (broker/evidence/): the real pipeline, fan-out, admission gate
// and register policies over an in-memory request store, consent store and audit log, and registers that
// are plain objects. The register directory that routes is the real one, over a real SQLite database (one
// instance per type); nothing else touches a database. No HTTP, no module stubbing.
import { expect } from 'chai';
import pino from 'pino';
import { RegisterError, type RegisterAdapter, type RegisterOutcome } from '../../adapters/contract.ts';
import type { AuditEvent } from '../../broker/audit/audit-log.ts';
import type { CommitWork } from '../../broker/audit/group-commit.ts';
import type { Participant } from '../../broker/identity/auth/principal.ts';
import type { SqlStatements } from '../../broker/db/direct-sql.ts';
import { EVIDENCE_TYPE_LIST, EVIDENCE_TYPES, type EvidenceType } from '../../adapters/index.ts';
import { openDatabase, type Database } from '../../broker/db/database.ts';
import { type RegisterClients } from '../../broker/directory/register-clients.ts';
import { RegisterDirectory } from '../../broker/directory/register-directory.ts';
import type { RegisterInstance } from '../../broker/directory/register-instance.ts';
import { RegisterStore } from '../../broker/directory/register-store.ts';
import { ConsentRequiredError, ForbiddenError } from '../../broker/domain/errors.ts';
import { AdmissionGate } from '../../broker/evidence/admission.ts';
import { authorizationRefusal } from '../../broker/evidence/authorize.ts';
import { EvidenceService } from '../../broker/evidence/evidence-service.ts';
import { createRegisterPolicies, DEFAULT_POLICY_SETTINGS } from '../../broker/evidence/register-policy.ts';
import { createMetrics } from '../../broker/ops/metrics.ts';
import type { EvidenceRequestBody } from '../../broker/http/schemas.ts';
import type { ConsentStore } from '../../consent/consent-store.ts';
import { decidePermission } from '../../consent/policy.ts';
import type { Consent } from '../../consent/rules.ts';
import { freshSqlite, type ScratchDatabase } from '../helpers/databases.ts';
import { FakeEvidenceRequestStore } from '../helpers/fake-evidence-request-store.ts';
import { ROUTING } from '../helpers/harness.ts';

const NOW = new Date('2026-06-15T10:00:00Z');
const IDNR = '12345678995';

const authority: Participant = {
  id: 'elterngeldstelle',
  name: 'Elterngeldstelle',
  kind: 'authority',
  region: 'DE-BE',
  evidenceTypes: [...EVIDENCE_TYPES],
  purposes: ['elterngeld', 'wohngeld'],
  legalBases: ['beeg-9'],
};

const consent: Consent = {
  id: 'c0ffee00-0000-4000-8000-000000000001',
  citizenIdNr: IDNR,
  granteeId: authority.id,
  evidenceTypes: [...EVIDENCE_TYPES],
  purpose: 'elterngeld',
  validFrom: new Date('2026-01-01T00:00:00Z'),
  validUntil: new Date('2027-01-01T00:00:00Z'),
  grantedAt: new Date('2026-01-01T00:00:00Z'),
  grantedBy: IDNR,
  revokedAt: null,
  revokedBy: null,
  paper: null,
};

const body = (over: Partial<EvidenceRequestBody> = {}): EvidenceRequestBody => ({
  citizen: { idNr: IDNR },
  evidenceTypes: [...EVIDENCE_TYPES],
  purpose: 'elterngeld',
  caseReference: 'EG-1',
  routing: ROUTING,
  ...over,
});

/** The instances ROUTING reaches: each type's first sandbox instance, in the order of EVIDENCE_TYPES. */
const INSTANCES = EVIDENCE_TYPE_LIST.map((t) => ({ ...t.sandboxInstances[0], evidenceType: t.code }));

/** The directory with those instances; their endpoints are never called (the registers are plain objects). */
async function directoryOfInstances(db: Database): Promise<RegisterDirectory> {
  const store = new RegisterStore(db.prisma, () => NOW);
  await store.import(
    EVIDENCE_TYPE_LIST.map((t) => {
      const i = t.sandboxInstances[0];
      return {
        definition: {
          id: i.id,
          evidenceType: t.code,
          name: i.name,
          endpointUrl: `http://registers.invalid/${i.id}`,
          jurisdiction: { kind: t.routing.kind, values: [...i.values] },
          purposes: [...t.purposes],
          participants: null,
          enabled: true,
          mutualTls: false,
        },
        certificates: [],
      };
    }),
  );
  const directory = new RegisterDirectory(store, () => NOW, pino({ level: 'silent' }));
  await directory.refresh();
  return directory;
}

/** The register clients the pipeline takes: each instance's adapter is one of the test's plain objects. */
function plainRegisters(plain: (instance: RegisterInstance) => RegisterAdapter): Pick<RegisterClients, 'adapterFor'> {
  return { adapterFor: plain };
}

class MemoryConsents implements ConsentStore {
  constructor(readonly consents: Consent[]) {}
  async insert(): Promise<void> {}
  async markRevoked(): Promise<boolean> {
    return false;
  }
  async get(id: string) {
    return this.consents.find((c) => c.id === id) ?? null;
  }
  async getIn(_tx: SqlStatements, id: string) {
    return this.get(id);
  }
  async listForCitizen(idNr: string) {
    return this.consents.filter((c) => c.citizenIdNr === idNr);
  }
  async listFor(granteeId: string, idNr: string, purpose: string) {
    return this.consents.filter((c) => c.granteeId === granteeId && c.citizenIdNr === idNr && c.purpose === purpose);
  }
}

/** The audit log's two doors, keeping every event in order. */
class MemoryAudit {
  readonly events: AuditEvent[] = [];
  async commit<T>(work: CommitWork<T>): Promise<T> {
    return work({} as SqlStatements, (ev) => this.events.push(ev));
  }
  async record(ev: AuditEvent): Promise<number> {
    return this.events.push(ev);
  }
}

type Answering = (type: EvidenceType, ticket?: string) => Promise<RegisterOutcome>;

/** A register per instance that answers as `answer` says for its type and counts its calls. */
function registers(directory: RegisterDirectory, answer: Answering) {
  const calls: { type: EvidenceType; kind: 'fetch' | 'poll' }[] = [];
  const clients = plainRegisters((instance) => {
    const type = instance.evidenceType;
    return {
      register: instance.id,
      evidenceType: type,
      fetchEvidence: async () => (calls.push({ type, kind: 'fetch' }), answer(type)),
      pollPending: async (ticket) => (calls.push({ type, kind: 'poll' }), answer(type, ticket)),
    };
  });
  return { clients, calls };
}

const delivered = async (type: EvidenceType): Promise<RegisterOutcome> => ({ status: 'delivered', data: { type, amount: 1 } as never, fetchedAt: NOW, registerMessageId: 'm' });

let scratch: ScratchDatabase;
let database: Database;
let directory: RegisterDirectory;

function evidencePath(answer: Answering = delivered, consents: Consent[] = [consent]) {
  const metrics = createMetrics(async () => 0);
  const requests = new FakeEvidenceRequestStore();
  const audit = new MemoryAudit();
  const consentStore = new MemoryConsents(consents.map((c) => ({ ...c })));
  const admission = new AdmissionGate({ capacity: 4, maxWaiting: 4, waitMs: 0 }, metrics.admissionWait);
  const { clients, calls } = registers(directory, answer);
  let now = NOW;
  const service = new EvidenceService({
    requests,
    directory,
    clients,
    policies: createRegisterPolicies({ ...DEFAULT_POLICY_SETTINGS, maxAttempts: 1 }, metrics.registerCircuit),
    admission,
    consents: consentStore,
    audit,
    clock: () => now,
    registerTimeoutMs: 1_000,
    log: pino({ level: 'silent' }),
    metrics,
    dataKey: Buffer.alloc(32, 7),
    resultRetentionHours: 24,
  });
  const admitted = () => INSTANCES.map((i) => admission.admittedTo(i.id));
  return { service, requests, audit, consentStore, calls, admitted, later: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

describe('the evidence path, without HTTP', () => {
  before(async () => {
    scratch = freshSqlite('evidence-pipeline');
    database = await openDatabase(scratch.url);
    directory = await directoryOfInstances(database);
  });
  after(async () => {
    await database?.close();
    await scratch?.drop();
  });

  describe('when the directory does not allow the request', () => {
    it('names the first thing refused: evidence type, then purpose, then legal basis', () => {
      const narrow: Participant = { ...authority, evidenceTypes: ['salary'], purposes: ['wohngeld'], legalBases: [] };
      expect(authorizationRefusal(narrow, body(), EVIDENCE_TYPES)?.reason).to.equal('evidence-type-not-allowed');
      expect(authorizationRefusal(narrow, body(), ['salary'])?.reason).to.equal('purpose-not-allowed');
      expect(authorizationRefusal(narrow, body({ purpose: 'wohngeld', legalBasis: 'wogg-23' }), ['salary'])?.reason).to.equal('legal-basis-not-allowed');
      expect(authorizationRefusal(authority, body(), EVIDENCE_TYPES)).to.equal(null);
    });

    it('audits the refusal and answers 403 before taking any admission or recording anything', async () => {
      const path = evidencePath();
      const err = await path.service.submit({ ...authority, purposes: ['wohngeld'] }, body()).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ForbiddenError);
      expect(path.audit.events.map((e) => [e.kind, e.details.reason])).to.deep.equal([['refusal', 'purpose-not-allowed']]);
      expect(path.requests.requests.size).to.equal(0);
      expect(path.calls).to.deep.equal([]);
    });
  });

  describe('when no consent covers the request', () => {
    it('gets the policy refusal as a value, and the path turns it into the audited 403', async () => {
      const path = evidencePath(delivered, []);
      const need = { idNr: IDNR, granteeId: authority.id, purpose: 'elterngeld' as const, evidenceTypes: EVIDENCE_TYPES };
      expect(await decidePermission(path.consentStore, need, {}, NOW)).to.deep.include({ basis: 'none', refusal: 'no-consent' });

      const err = await path.service.submit(authority, body()).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConsentRequiredError);
      expect((err as ConsentRequiredError).refusal).to.equal('no-consent');
      expect(path.audit.events.map((e) => [e.kind, e.details.reason])).to.deep.equal([['refusal', 'no-consent']]);
      expect(path.requests.requests.size).to.equal(0);
      expect(path.admitted()).to.deep.equal(EVIDENCE_TYPES.map(() => 0));
    });
  });

  describe('when every register answers', () => {
    it('delivers every item, audits one transfer, records the answer without the evidence and gives the admission back', async () => {
      const path = evidencePath();
      const result = await path.service.submit(authority, body({ evidenceTypes: [...EVIDENCE_TYPES].reverse() }));
      expect(result.kind).to.equal('answered');
      expect(result.answer.status).to.equal('complete');
      expect(result.answer.evidence.map((i) => i.type)).to.deep.equal(EVIDENCE_TYPES);
      expect(result.answer.evidence.every((i) => i.status === 'delivered' && i.data !== null && i.dataHash)).to.equal(true);
      expect(result.answer.evidence.map((i) => [i.provenance.register, i.provenance.registerName])).to.deep.equal(INSTANCES.map((i) => [i.id, i.name]));
      expect(path.audit.events.map((e) => e.kind)).to.deep.equal(['transfer']);
      expect(result.answer.auditEntryId).to.equal(1);
      const stored = await path.requests.findWithItems(result.answer.id);
      expect(stored?.request).to.include({ status: 'complete', lockToken: null, resultCipher: null });
      expect(stored?.items.map((i) => i.status)).to.deep.equal(EVIDENCE_TYPES.map(() => 'delivered'));
      expect(path.admitted()).to.deep.equal(EVIDENCE_TYPES.map(() => 0));
    });
  });

  describe('when one register sends a malformed answer', () => {
    it('marks that item unavailable with its code and still delivers the others', async () => {
      const path = evidencePath(async (type) => {
        if (type === 'salary') throw new RegisterError('salary', 'MALFORMED_ANSWER', 'the answer is not valid');
        return delivered(type);
      });
      const { answer } = await path.service.submit(authority, body());
      expect(answer.status).to.equal('partial');
      const salary = answer.evidence.find((i) => i.type === 'salary');
      expect(salary).to.include({ status: 'unavailable', data: null });
      expect(salary?.reason?.code).to.equal('SALARY_MALFORMED_ANSWER');
      expect(answer.evidence.filter((i) => i.status === 'delivered')).to.have.length(EVIDENCE_TYPES.length - 1);
    });
  });

  describe('when a caller repeats a request with the same Idempotency-Key', () => {
    it('replays the first answer without asking the registers again or auditing again', async () => {
      const path = evidencePath();
      const first = await path.service.submit(authority, body(), { idempotencyKey: 'key-0000000000000001' });
      const again = await path.service.submit(authority, body(), { idempotencyKey: 'key-0000000000000001' });
      expect(again.kind).to.equal('replayed');
      expect(again.answer).to.deep.equal(first.answer);
      expect(path.calls).to.have.length(EVIDENCE_TYPES.length);
      expect(path.audit.events.map((e) => e.kind)).to.deep.equal(['transfer']);
      expect(path.admitted()).to.deep.equal(EVIDENCE_TYPES.map(() => 0));
    });
  });

  describe('when a retry takes over a request whose holder died, after its consent was revoked for a newer one', () => {
    it('goes ahead under the consent valid now, and its audit entry names that one', async () => {
      const newer: Consent = { ...consent, id: 'c0ffee00-0000-4000-8000-000000000002', grantedAt: new Date('2026-06-01T00:00:00Z') };
      const path = evidencePath(delivered, [consent]);
      const commit = path.audit.commit.bind(path.audit);
      let failNext = true;
      path.audit.commit = async (work) => {
        if (failNext) {
          failNext = false;
          throw new Error('the database went away');
        }
        return commit(work);
      };
      const key = { idempotencyKey: 'key-0000000000000002' };
      expect(await path.service.submit(authority, body(), key).catch((e: unknown) => e)).to.be.instanceOf(Error);
      await new Promise((resolve) => setImmediate(resolve)); // the failed holder lets go of its lock
      path.consentStore.consents[0]!.revokedAt = NOW;
      path.consentStore.consents.push(newer);
      path.later(1);
      const retried = await path.service.submit(authority, body(), key);
      expect(retried.kind).to.equal('answered');
      expect(retried.answer.basis).to.deep.equal({ basis: 'consent', consentId: newer.id });
      expect(path.audit.events.map((e) => [e.kind, e.consentId])).to.deep.equal([['transfer', newer.id]]);
    });
  });

  describe('when the caller prefers an async answer', () => {
    it('accepts at once and delivers the held answer on GET', async () => {
      const path = evidencePath();
      const accepted = await path.service.submit(authority, body(), { respondAsync: true });
      expect(accepted.kind).to.equal('accepted');
      expect(accepted.answer.status).to.equal('in-progress');
      await path.service.drain();
      const got = await path.service.get(authority, accepted.answer.id);
      expect(got.status).to.equal('complete');
      expect(got.evidence.every((i) => i.data !== null)).to.equal(true);
      expect(path.admitted()).to.deep.equal(EVIDENCE_TYPES.map(() => 0));
    });
  });

  describe('when a register answers later', () => {
    const later: Answering = async (type, ticket) =>
      type === 'salary' && ticket === undefined ? { status: 'pending', ticket: 'T-1', expectedBy: null, fetchedAt: NOW, registerMessageId: 'm' } : delivered(type);

    it('polls the pending item on GET, delivers it once and audits it as its own transfer', async () => {
      const path = evidencePath(later);
      const { answer } = await path.service.submit(authority, body());
      expect(answer.evidence.find((i) => i.type === 'salary')?.status).to.equal('pending');
      const got = await path.service.get(authority, answer.id);
      expect(got.status).to.equal('complete');
      expect(got.evidence.find((i) => i.type === 'salary')).to.include({ status: 'delivered' });
      expect(path.calls.filter((c) => c.kind === 'poll')).to.deep.equal([{ type: 'salary', kind: 'poll' }]);
      expect(path.audit.events.map((e) => [e.kind, e.details.completes ?? null])).to.deep.equal([['transfer', null], ['transfer', answer.id]]);
      const again = await path.service.get(authority, answer.id);
      expect(again.evidence.every((i) => i.data === null)).to.equal(true);
    });

    it('ends the pending item unavailable with CONSENT_REVOKED after a revocation, without asking the register', async () => {
      const path = evidencePath(later);
      const { answer } = await path.service.submit(authority, body());
      path.consentStore.consents[0]!.revokedAt = NOW;
      const got = await path.service.get(authority, answer.id);
      expect(got.evidence.find((i) => i.type === 'salary')?.reason?.code).to.equal('CONSENT_REVOKED');
      expect(path.calls.filter((c) => c.kind === 'poll')).to.deep.equal([]);
      expect(path.audit.events).to.have.length(2);
    });
  });

  describe('when a broker died holding an async request', () => {
    async function orphaned(path: ReturnType<typeof evidencePath>) {
      const { answer } = await path.service.submit(authority, body(), { respondAsync: true });
      await path.service.drain();
      // As if the answer had never been committed: in progress, and its holder's lock long run out.
      path.requests.requests.set(answer.id, { ...path.requests.requests.get(answer.id)!, status: 'in-progress', lockToken: 'dead', lockedUntil: NOW, resultCipher: null, resultExpiresAt: null });
      path.requests.items.delete(answer.id);
      path.calls.length = 0;
      path.later(1);
      return answer.id;
    }

    it('the sweep takes it over and answers it', async () => {
      const path = evidencePath();
      const id = await orphaned(path);
      expect(await path.service.sweep()).to.deep.equal({ resumed: 1, abandoned: 0, purged: 0 });
      await path.service.drain();
      expect(path.requests.requests.get(id)?.status).to.equal('complete');
      expect(path.calls).to.have.length(EVIDENCE_TYPES.length);
    });

    it('the sweep asks no register once the consent is revoked, and audits every item CONSENT_REVOKED', async () => {
      const path = evidencePath();
      const id = await orphaned(path);
      path.consentStore.consents[0]!.revokedAt = NOW;
      await path.service.sweep();
      await path.service.drain();
      expect(path.calls).to.deep.equal([]);
      const items = path.requests.items.get(id)!;
      expect(items.map((i) => i.reason?.code)).to.deep.equal(EVIDENCE_TYPES.map(() => 'CONSENT_REVOKED'));
      expect(path.audit.events.at(-1)?.details.outcome).to.equal('failed');
    });
  });
});
