// Starts what a test talks to: the real register simulators (every sandbox instance of every type) and the
// real broker, on ephemeral ports, on a fresh database whose register directory holds those instances.
// Nothing is stubbed; the test speaks HTTP.
import { startSimulators } from '../../adapters/simulators.ts';
import type { Config } from '../../broker/config/config.ts';
import { SANDBOX_ROUTING, seedSandboxDirectory } from '../../broker/directory/sandbox-directory.ts';
import { testConfig } from './test-config.ts';
import { PURPOSES } from '../../broker/domain/codes.ts';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';
import { startBroker, type RunningBroker } from '../../broker/http/server.ts';
import type { Logger } from 'pino';
import type { TestDatabase } from './databases.ts';

export const AUTHORITY_ID = 'elterngeldstelle-test';
/** Routing hints that reach each type's first sandbox instance (what every test request sends). */
export const ROUTING = SANDBOX_ROUTING;

/** A running broker with its simulators and a token for one authority. */
export interface Harness {
  broker: RunningBroker;
  sims: Awaited<ReturnType<typeof startSimulators>>;
  url: string;
  /** The broker's DATABASE_URL, for tools (the admin CLI) that share its database. */
  databaseUrl: string;
  token: string;
  citizenToken(idNr: string): Promise<string>;
  /** A fresh operator's token (statistics, full audit verification). */
  operatorToken(): Promise<string>;
  /** HTTP against the broker; JSON in, status + parsed body out. */
  call(method: string, path: string, opts?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  registerTimeoutMs?: number;
  clock?: () => Date;
  log?: Logger;
  /** Any other configuration the test needs (limits, retention…). */
  config?: Partial<Config>;
}

export async function startHarness(db: TestDatabase, opts: HarnessOptions = {}): Promise<Harness> {
  // The simulators sign with the sandbox instances' keys and pin the sandbox broker's certificates; the broker
  // signs with those broker keys and pins each instance's certificate from the directory.
  const sims = await startSimulators({ ports: { salary: 0, 'maternity-benefit': 0, income: 0, 'birth-certificate': 0 } });
  const database = db.create();
  const broker = await startBroker(testConfig({ port: 0, databaseUrl: database.url, registerTimeoutMs: opts.registerTimeoutMs ?? 2000, ...opts.config }), {
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const now = new Date();
  await seedSandboxDirectory(broker.ctx.registers, sims.instances, now);
  await broker.ctx.directory.refresh();
  await broker.ctx.participants.upsert(
    { id: AUTHORITY_ID, name: 'Elterngeldstelle Teststadt', kind: 'authority', region: 'DE-BY', evidenceTypes: [...EVIDENCE_TYPES], purposes: [...PURPOSES], legalBases: LEGAL_BASES.map((b) => b.code) },
    now,
  );
  const token = await broker.ctx.tokens.issue({ participantId: AUTHORITY_ID }, 'test');
  const call: Harness['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const bearer = o.token === undefined ? token : o.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(broker.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    broker,
    sims,
    url: broker.url,
    databaseUrl: database.url,
    token,
    citizenToken: (idNr) => broker.ctx.tokens.issue({ citizenIdNr: idNr }, 'test citizen'),
    operatorToken: () => broker.ctx.tokens.issue({ operator: 'test' }, 'test'),
    call,
    async close() {
      await broker.close();
      await sims.close();
      await database.drop();
    },
  };
}
