// Closed-loop load with autocannon: a fixed number of connections, each sending its next request when the
// previous one is answered, for a fixed duration. This finds capacity (requests per second); its latency
// figures hide queueing and are not used for the latency targets (see load-open.ts).
import autocannon from 'autocannon';

/** One closed-loop run. */
export interface ClosedLoopResult {
  connections: number;
  durationS: number;
  completed: number;
  rps: number;
  /** Complete answers per second (every item final): the figure capacity and ratios use. */
  goodRps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Non-2xx answers, socket errors and timeouts. */
  failed: number;
  /** 2xx answers whose body did not report every item final (a register call failed or timed out). */
  incomplete: number;
  /** How the failures split: HTTP status (non-2xx) → count, plus 'errors' and 'timeouts' of the client. */
  failures: Record<string, number>;
  /** Why items were not final in incomplete answers: item reason code → count (e.g. SALARY_TIMEOUT). */
  incompleteReasons: Record<string, number>;
}

export interface ClosedLoopOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** The n-th request's body; distinct citizens come from here. */
  body(n: number): string;
  connections: number;
  durationS: number;
  /** Whether a 2xx body is a complete answer. */
  complete(body: string): boolean;
}

export async function closedLoop(opts: ClosedLoopOptions): Promise<ClosedLoopResult> {
  let n = 0;
  let incomplete = 0;
  const incompleteReasons: Record<string, number> = {};
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: 1,
    duration: opts.durationS,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: opts.path,
        headers: { 'content-type': 'application/json', ...opts.headers },
        setupRequest: (req) => ({ ...req, body: opts.body(n++) }),
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && !opts.complete(body)) {
            incomplete++;
            for (const m of body.matchAll(/"code":"([A-Z_]{3,60})"/g)) incompleteReasons[m[1]!] = (incompleteReasons[m[1]!] ?? 0) + 1;
          }
        },
      },
    ],
  });
  const counts = result as unknown as Record<string, number>;
  const ok = counts['2xx'] ?? 0;
  const completed = ok + result.non2xx;
  const failures: Record<string, number> = {};
  const byStatus = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  for (const [status, { count }] of Object.entries(byStatus)) if (!status.startsWith('2')) failures[status] = count;
  if (result.errors > 0) failures.errors = result.errors;
  if (result.timeouts > 0) failures.timeouts = result.timeouts;
  return {
    connections: opts.connections,
    failures,
    incompleteReasons,
    durationS: result.duration,
    completed,
    rps: completed / result.duration,
    goodRps: (ok - incomplete) / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    failed: result.non2xx + result.errors + result.timeouts,
    incomplete,
  };
}
