// Worker thread of GET /v1/audit/verify (verification-thread.ts): recomputes the chain through a read-only
// connection of its own and posts the result. It loads no Prisma and nothing of the broker but the chain.
import { parentPort, workerData } from 'node:worker_threads';
import type { DatabaseTarget } from '../db/database-url.ts';
import { openChainReader } from './chain-readers.ts';
import { verifyChain } from './chain-verification.ts';
import { KeptLeaves } from './kept-leaves.ts';

const { target, retentionDays, now, keptLeavesFile } = workerData as { target: DatabaseTarget; retentionDays: number; now: number; keptLeavesFile: string | null };
const reader = await openChainReader(target);
try {
  const kept = keptLeavesFile === null ? null : new KeptLeaves(keptLeavesFile);
  parentPort!.postMessage(await verifyChain(reader, { days: retentionDays, now: new Date(now) }, undefined, kept));
} finally {
  await reader.close();
}
