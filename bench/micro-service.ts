// Micro-benchmark: the broker's own work per evidence request, with the register protocol taken out.
// The real EvidenceService (directory checks, consent lookup, request row, group commit of the answer with
// its audit entry) and the real token authentication run on a fresh SQLite file; the three registers are
// adapters that answer at once with outcomes the real adapters fetched from the real simulators at start.
// No HTTP and no XML: what remains is what the broker adds on top of baseline (a) except Express, so this
// figure is steady where the end-to-end ratio is noisy (one process, its own CPU time).
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RegisterAdapter } from '../adapters/contract.ts';
import { startSimulators } from '../adapters/simulators.ts';
import { testConfig } from '../broker/config.ts';
import { createContext } from '../broker/context.ts';
import { PURPOSES } from '../broker/domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../adapters/index.ts';
import type { AdapterSet } from '../broker/evidence/evidence-service.ts';
import { benchCitizens } from './citizens.ts';

export interface ServiceResult {
  consents: number;
  concurrency: number;
  requests: number;
  requestsPerS: number;
  /** The process's CPU (all threads) per request: authentication + submit. */
  cpuUsPerRequest: number;
}

const AUTHORITY = 'elterngeldstelle-bench';

export async function serviceCosts(p: { file: string; citizens: number; concurrency: number; durationMs: number; warmMs: number }): Promise<ServiceResult> {
  const citizens = benchCitizens(p.citizens);
  const adapters = await capturedAdapters(citizens[0]!);
  const ctx = await createContext(testConfig({ databaseUrl: `file:${p.file}`, logLevel: 'silent' }), { adapters });
  try {
    const now = ctx.clock();
    await ctx.participants.upsert({ id: AUTHORITY, name: 'Elterngeldstelle Benchstadt', kind: 'authority', region: 'DE-BE', evidenceTypes: [...EVIDENCE_TYPES], purposes: [...PURPOSES], legalBases: [] }, now);
    const token = await ctx.tokens.issue({ participantId: AUTHORITY }, 'bench');
    for (const citizenIdNr of citizens) {
      await ctx.consents.grant({ citizenIdNr, granteeId: AUTHORITY, evidenceTypes: [...EVIDENCE_TYPES], purpose: 'elterngeld', validFrom: new Date(now.getTime() - 3600_000), validUntil: new Date(now.getTime() + 365 * 86_400_000), grantedBy: 'citizen' });
    }

    let n = 0;
    const one = async () => {
      const principal = await ctx.tokens.authenticate(token);
      if (principal?.kind !== 'participant') throw new Error('bench token not accepted');
      const i = n++;
      const result = await ctx.evidence.submit(principal.participant, { citizen: { idNr: citizens[i % citizens.length]! }, evidenceTypes: [...EVIDENCE_TYPES], purpose: 'elterngeld', caseReference: `BENCH-${i}` });
      if (result.kind !== 'answered' || result.answer.status !== 'complete') throw new Error(`bench request not answered completely: ${result.kind}`);
    };
    const run = async (ms: number) => {
      const until = performance.now() + ms;
      await Promise.all(Array.from({ length: p.concurrency }, async () => {
        while (performance.now() < until) await one();
      }));
    };
    await run(p.warmMs);
    const before = n;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(p.durationMs);
    const cpu = process.cpuUsage(cpu0);
    const seconds = (performance.now() - t0) / 1000;
    const requests = n - before;
    return { consents: citizens.length, concurrency: p.concurrency, requests, requestsPerS: requests / seconds, cpuUsPerRequest: (cpu.user + cpu.system) / requests };
  } finally {
    await ctx.close();
  }
}

/** Adapters that answer at once with what the real adapters fetched for `idNr` from the real simulators. */
async function capturedAdapters(idNr: string): Promise<AdapterSet> {
  const sims = await startSimulators({ host: '127.0.0.1' });
  const ctx = await createContext(testConfig({ databaseUrl: 'file::memory:', logLevel: 'silent', registerUrls: sims.baseUrls }));
  try {
    const request = { requestId: randomUUID(), idNr, purpose: 'elterngeld' as const, requester: AUTHORITY, period: { from: '2026-01', to: '2026-06' } };
    const entries = await Promise.all(
      EVIDENCE_TYPES.map(async (type) => {
        const real = ctx.adapters[type] as RegisterAdapter;
        const outcome = await real.fetchEvidence(request, AbortSignal.timeout(10_000));
        const fake: RegisterAdapter = { register: real.register, evidenceType: type, fetchEvidence: async () => structuredClone(outcome), pollPending: async () => structuredClone(outcome) };
        return [type, fake] as [EvidenceType, RegisterAdapter];
      }),
    );
    return Object.fromEntries(entries) as AdapterSet;
  } finally {
    await ctx.close();
    await sims.close();
  }
}
