// Child process for one micro-benchmark: runs it, hands the result to the parent as its ready message
// (with the process's own CPU/RSS figures), then waits to be stopped. One fresh process per benchmark, so
// none inherits another's heap or JIT state.
import { auditAfterKill, auditAppends, auditAppendThenKill, auditVerify } from './micro-audit.ts';
import { consentChecks } from './micro-consents.ts';
import { serviceCosts } from './micro-service.ts';
import { xmlCosts } from './micro-xml.ts';
import { childArgs, serveParent } from './child-process.ts';
import { createStatsProbe } from './process-stats.ts';

const MICROS = {
  'audit-appends': auditAppends,
  'audit-kill': auditAppendThenKill,
  'audit-after-kill': auditAfterKill,
  'audit-verify': auditVerify,
  'consent-checks': consentChecks,
  'service-costs': serviceCosts,
  'xml-costs': xmlCosts,
} as const;

/** Which micro-benchmark, with its parameters. */
export type MicroName = keyof typeof MICROS;

const { name, params } = childArgs<{ name: MicroName; params: never }>();
const probe = createStatsProbe();
const result: unknown = await MICROS[name](params);
const cpu = process.cpuUsage();
serveParent({ result, stats: probe.read(), cpuTotalMs: (cpu.user + cpu.system) / 1000 }, {});
