// Prometheus metrics (prom-client), one registry per broker instance so tests running several brokers in
// one process never mix their numbers. Labels carry routes, registers and codes — never personal data. Each
// label name is one dimension wherever it appears (`register` is always a register instance's directory id,
// `outcome` always a register call's outcome…). Node's standard process_* and nodejs_* metrics keep their
// standard names (no prefix), so stock dashboards and alerts work.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds, for request and register-call durations alike (so their histograms compare). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The broker's metrics; services record into it, GET /metrics exposes it. */
export interface BrokerMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  registerDuration: Histogram<'register' | 'outcome'>;
  registerFailures: Counter<'register' | 'code'>;
  consentRefusals: Counter<'refusal'>;
  registerCircuit: Gauge<'register'>;
  auditTamper: Gauge;
  refusals: Counter<'reason'>;
  /** How long evidence requests waited for room at their registers, by outcome (broker/evidence/admission.ts). */
  admissionWait: Histogram<'admission'>;
  /** Requests answered 503 because the database was saturated, by cause (broker/db/db-errors.ts). */
  databaseBusy: Counter<'cause'>;
}

export function createMetrics(readAuditChainLength: () => Promise<number>): BrokerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'broker_audit_chain_length',
    help: 'Entries in the audit chain (read from the database at scrape time, so it agrees across brokers)',
    registers,
    async collect() {
      this.set(await readAuditChainLength());
    },
  });
  return {
    registry,
    httpRequests: new Counter({ name: 'broker_http_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status'], registers }),
    httpDuration: new Histogram({
      name: 'broker_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    registerDuration: new Histogram({
      name: 'broker_register_request_duration_seconds',
      help: 'Register call duration by register and outcome (delivered, not-found, pending, unavailable)',
      labelNames: ['register', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    registerFailures: new Counter({
      name: 'broker_register_failures_total',
      help: 'Failed register calls by register and error code (timeouts are code *_TIMEOUT)',
      labelNames: ['register', 'code'],
      registers,
    }),
    auditTamper: new Gauge({
      name: 'broker_audit_tamper_detected',
      help: '1 once the audit log was found changed (the tree no longer extends the last signed head): nothing is signed, /readyz answers 503',
      registers,
    }),
    registerCircuit: new Gauge({
      name: 'broker_register_circuit_state',
      help: 'Circuit breaker per register instance: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['register'],
      registers,
    }),
    refusals: new Counter({
      name: 'broker_load_refusals_total',
      help: 'Requests refused to protect the broker: rate limit (429), too many in flight (503), a register the request needs still at its limit after ADMISSION_WAIT_MS (503)',
      labelNames: ['reason'],
      registers,
    }),
    admissionWait: new Histogram({
      name: 'broker_admission_wait_seconds',
      help: 'Time evidence requests waited for room at the registers they need, by how the wait ended: admitted, or refused (deadline, queue-full) or abandoned by the caller',
      labelNames: ['admission'],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    databaseBusy: new Counter({
      name: 'broker_database_busy_total',
      help: 'Requests answered 503 because the database was saturated (lock, pool or transaction time limit, SQLITE_BUSY, write conflict), by cause',
      labelNames: ['cause'],
      registers,
    }),
    consentRefusals: new Counter({
      name: 'broker_consent_refusals_total',
      help: 'Evidence requests refused because no consent or legal basis covered them, by refusal (no-consent, …)',
      labelNames: ['refusal'],
      registers,
    }),
  };
}
