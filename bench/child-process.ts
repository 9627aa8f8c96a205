// Processes under test run as children of the bench (compiled by default, or from source with tsx) so their
// CPU, memory and event-loop delay are theirs alone. They talk to the parent over IPC: ready, then calls.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStatsProbe, type PhaseStats } from './measure.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** How `npm run start:built` runs the broker (scripts/start-built.sh: keep the two in step; RESULTS.md has why). */
export const DEPLOYED_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '32768' } as const;
export const DEPLOYED_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512', ...gcFlags(process.env.GC_THREADS || 'auto')];

/** scripts/start-built.sh's choice of V8's garbage-collection threads. */
function gcFlags(mode: string): string[] {
  if (mode === 'single') return ['--single-threaded-gc'];
  if (mode === 'parallel') return [];
  if (mode === 'auto') return os.availableParallelism() <= 2 ? ['--single-threaded-gc'] : [];
  throw new Error(`GC_THREADS must be auto, single or parallel, not '${mode}'`);
}

/** How children run: `built` = dist/<script>.js with node alone (after `npm run build`); `tsx` = the .ts source. */
export type ChildRuntime = 'built' | 'tsx';
let runtime: ChildRuntime = 'tsx';
export function useChildRuntime(r: ChildRuntime): void {
  runtime = r;
}

type Handler = (params: unknown) => unknown;

interface CallMessage {
  id: number;
  method: string;
  params: unknown;
}
type ReplyMessage = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The arguments the parent passed to this child (one JSON argument). */
export function childArgs<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('this script is started by bench/run.ts (it expects its arguments as JSON)');
  return JSON.parse(raw) as T;
}

/** Child side: serve the parent's calls; `close` runs on `stop` before the process exits. */
export function serveParent(ready: unknown, handlers: Record<string, Handler>, close: () => Promise<void> = async () => {}): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this script must be started with an IPC channel (by bench/run.ts)');
  const probe = createStatsProbe();
  const all: Record<string, Handler> = {
    ...handlers,
    'stats.reset': () => probe.reset(),
    'stats.read': () => probe.read(),
  };
  process.on('disconnect', () => process.exit(1));
  process.on('message', (raw) => {
    const msg = raw as CallMessage;
    if (msg.method === 'stop') {
      void close()
        .catch(() => undefined)
        .then(() => {
          probe.stop();
          send({ id: msg.id, ok: true, result: null } satisfies ReplyMessage, () => process.exit(0));
        });
      return;
    }
    const handler = all[msg.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown method ${msg.method}`);
        return handler(msg.params);
      })
      .then(
        (result) => send({ id: msg.id, ok: true, result: result ?? null } satisfies ReplyMessage),
        (err: unknown) => send({ id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies ReplyMessage),
      );
  });
  send({ ready });
}

/** A running child, parent side. */
export interface Child<R> {
  readonly name: string;
  readonly pid: number;
  /** How many processes this child stands for (a group: its members); their figures are summed. */
  readonly processes: number;
  readonly ready: R;
  call<T = unknown>(method: string, params?: unknown): Promise<T>;
  resetStats(): Promise<void>;
  readStats(): Promise<PhaseStats>;
  /** Asks the child to close and exit; kills it (by its pid) if it has not exited within 15 s. */
  stop(): Promise<void>;
}

export interface StartChildOptions {
  /** Extra node flags. */
  nodeFlags?: string[];
  /**
   * The child stands for a deployed process (the broker, the baselines): built, it also gets start:built's V8
   * flags (DEPLOYED_NODE_FLAGS). Not the micro-benchmarks, whose data sets are not the broker's.
   */
  deployed?: boolean;
  /** Where the child's stdout goes; the broker's pino lines are discarded by default. */
  stdout?: 'ignore' | 'inherit';
  startTimeoutMs?: number;
}

export async function startChild<R>(name: string, script: string, args: unknown, opts: StartChildOptions = {}): Promise<Child<R>> {
  const file = runtime === 'built' ? path.join(REPO, 'dist', script.replace(/\.ts$/, '.js')) : path.join(REPO, script);
  const child: ChildProcess = fork(file, [JSON.stringify(args)], {
    cwd: REPO,
    // Built children run with the malloc settings `npm run start:built` gives the broker (unless the environment sets them).
    env:
      runtime === 'built'
        ? {
            ...process.env,
            MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? DEPLOYED_ENV.MALLOC_ARENA_MAX,
            MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? DEPLOYED_ENV.MALLOC_MMAP_THRESHOLD_,
          }
        : process.env,
    execArgv: [
      ...(runtime === 'tsx' ? ['--import', 'tsx'] : []),
      ...(runtime === 'built' && opts.deployed ? DEPLOYED_NODE_FLAGS : []),
      ...(opts.nodeFlags ?? []),
    ],
    stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const ready = await new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not ready within ${opts.startTimeoutMs ?? 180_000} ms`)), opts.startTimeoutMs ?? 180_000);
    child.once('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      const err = new Error(`${name} exited (code ${code}, signal ${signal})`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    child.on('message', (raw) => {
      const msg = raw as { ready?: R } & Partial<ReplyMessage>;
      if ('ready' in msg) {
        clearTimeout(timer);
        resolve(msg.ready as R);
        return;
      }
      const p = pending.get(msg.id!);
      if (!p) return;
      pending.delete(msg.id!);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${name}.${String((msg as { error?: string }).error)}`));
    });
  }).catch(async (err: unknown) => {
    if (!exited) child.kill('SIGKILL');
    throw err;
  });

  const call = <T>(method: string, params?: unknown) =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(`${name} has exited`));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, method, params } satisfies CallMessage);
    });

  return {
    name,
    pid: child.pid!,
    processes: 1,
    ready,
    call,
    resetStats: () => call<void>('stats.reset'),
    readStats: () => call<PhaseStats>('stats.read'),
    async stop() {
      if (exited) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await call('stop').catch(() => undefined);
      await exitedPromise;
      clearTimeout(killer);
    },
  };
}

/**
 * Several children seen as one (the three simulator processes): calls go to all of them, stats add up
 * (CPU and memory summed; event-loop figures are the worst of them).
 */
export function childGroup<R>(name: string, members: Child<unknown>[], ready: R): Child<R> {
  return {
    name,
    pid: members[0]?.pid ?? 0,
    processes: members.reduce((n, c) => n + c.processes, 0),
    ready,
    call: async <T>(method: string, params?: unknown) => (await Promise.all(members.map((c) => c.call(method, params)))) as T,
    resetStats: async () => {
      await Promise.all(members.map((c) => c.resetStats()));
    },
    async readStats() {
      const all = await Promise.all(members.map((c) => c.readStats()));
      type Figure = Exclude<keyof PhaseStats, 'threadCpuMs' | 'gcPauseMs'>;
      const sum = (k: Figure) => all.reduce((s, x) => s + x[k], 0);
      const max = (k: Figure) => Math.max(...all.map((x) => x[k]));
      const threadCpuMs: Record<string, number> = {};
      const gcPauseMs: Record<string, number> = {};
      for (const x of all) {
        for (const [name, ms] of Object.entries(x.threadCpuMs)) threadCpuMs[name] = (threadCpuMs[name] ?? 0) + ms;
        for (const [kind, ms] of Object.entries(x.gcPauseMs)) gcPauseMs[kind] = (gcPauseMs[kind] ?? 0) + ms;
      }
      return {
        wallMs: max('wallMs'),
        cpuUserMs: sum('cpuUserMs'),
        cpuSystemMs: sum('cpuSystemMs'),
        elu: max('elu'),
        eventLoopDelayP50Ms: max('eventLoopDelayP50Ms'),
        eventLoopDelayP99Ms: max('eventLoopDelayP99Ms'),
        eventLoopDelayMaxMs: max('eventLoopDelayMaxMs'),
        rssMb: sum('rssMb'),
        rssPeakMb: sum('rssPeakMb'),
        heapUsedMb: sum('heapUsedMb'),
        threadCpuMs,
        gcPauseMs,
      };
    },
    async stop() {
      await Promise.all(members.map((c) => c.stop()));
    },
  };
}
