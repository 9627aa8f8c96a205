// Open-loop load: requests leave on a fixed schedule whatever the target does, and latency counts from the
// scheduled send time, so a stall is paid by every request queued behind it (no coordinated omission;
// autocannon's rate limit waits on the connection instead).
import http from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';

/** One open-loop run; latencies in ms. */
export interface OpenLoopResult {
  rate: number;
  durationS: number;
  sent: number;
  ok: number;
  /** Answered, but not a complete answer (non-2xx or an item that failed). */
  notOk: number;
  /** Never answered within the drain time, or the socket failed. */
  lost: number;
  achievedRps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** How late the generator itself sent, p99 (part of every latency above; the same for all targets). */
  sendLagP99Ms: number;
}

export interface OpenLoopOptions {
  rate: number;
  durationS: number;
  /** Sends the i-th request; resolves true for a complete answer. */
  send(i: number): Promise<boolean>;
  drainTimeoutMs?: number;
}

export async function openLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(opts.rate * opts.durationS));
  const interval = 1000 / opts.rate;
  const latency = createHistogram();
  const lag = createHistogram();
  let sent = 0;
  let ok = 0;
  let notOk = 0;
  let inFlight = 0;
  const start = performance.now();
  let lastDone = start;

  await new Promise<void>((resolve) => {
    let drainTimer: NodeJS.Timeout | undefined;
    const finishIfDone = () => {
      if (sent === total && inFlight === 0) {
        clearTimeout(drainTimer);
        resolve();
      }
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        lag.record(Math.max(1, Math.round((now - scheduled) * 1000)));
        const i = sent++;
        inFlight++;
        opts.send(i).then(
          (complete) => {
            const done = performance.now();
            lastDone = done;
            latency.record(Math.max(1, Math.round((done - scheduled) * 1000)));
            if (complete) ok++;
            else notOk++;
          },
          () => undefined, // a failed socket counts as lost: sent but never answered
        ).finally(() => {
          inFlight--;
          finishIfDone();
        });
      }
      if (sent < total) {
        setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
      } else {
        drainTimer = setTimeout(resolve, opts.drainTimeoutMs ?? 15_000);
        finishIfDone();
      }
    };
    tick();
  });

  const answered = ok + notOk;
  const us = (p: number) => (latency.count > 0 ? latency.percentile(p) / 1000 : NaN);
  return {
    rate: opts.rate,
    durationS: opts.durationS,
    sent,
    ok,
    notOk,
    lost: sent - answered,
    achievedRps: answered / ((lastDone - start) / 1000),
    p50Ms: us(50),
    p90Ms: us(90),
    p99Ms: us(99),
    p999Ms: us(99.9),
    maxMs: latency.count > 0 ? latency.max / 1000 : NaN,
    sendLagP99Ms: lag.count > 0 ? lag.percentile(99) / 1000 : NaN,
  };
}

/** A keep-alive HTTP client for the open loop (node:http, one agent per run, destroyed afterwards). */
export function httpClient(maxSockets = 1024) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    post(url: URL, headers: Record<string, string>, body: string, timeoutMs = 20_000): Promise<{ status: number; text: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
