// scripts/start-built.sh (`npm run start:built`) chooses the compiled broker's process settings; the bench runs
// its broker and baselines with the same ones (bench/child-process.ts DEPLOYED_NODE_FLAGS). These run the real
// script with a stand-in `node` first on the PATH that prints what it was started with, and the bench module
// under the same GC_THREADS, so the two cannot drift apart unnoticed.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(REPO, 'scripts/start-built.sh');

describe('npm run start:built launcher (scripts/start-built.sh)', () => {
  let shim: string;
  before(() => {
    shim = mkdtempSync(path.join(os.tmpdir(), 'start-built-'));
    // The stand-in prints its arguments and the settings it inherited, one per line.
    writeFileSync(
      path.join(shim, 'node'),
      '#!/bin/sh\nfor a in "$@"; do echo "arg=$a"; done\necho "NODE_OPTIONS=$NODE_OPTIONS"\necho "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX"\necho "MALLOC_MMAP_THRESHOLD_=$MALLOC_MMAP_THRESHOLD_"\n',
    );
    chmodSync(path.join(shim, 'node'), 0o755);
    // A stand-in nproc reports FAKE_NPROC cores (the real one where unset), and whether OpenMP's variables reached it.
    writeFileSync(
      path.join(shim, 'nproc'),
      '#!/bin/sh\nif [ -n "${OMP_NUM_THREADS:-}" ]; then echo "nproc saw OMP_NUM_THREADS" >&2; fi\nif [ -n "${FAKE_NPROC:-}" ]; then echo "$FAKE_NPROC"; else exec /usr/bin/env -i PATH=/usr/bin:/bin nproc; fi\n',
    );
    chmodSync(path.join(shim, 'nproc'), 0o755);
  });
  after(() => rmSync(shim, { recursive: true, force: true }));

  const launch = (env: Record<string, string>, extraArgs: string[] = []) => {
    const base: NodeJS.ProcessEnv = { ...process.env, PATH: `${shim}:${process.env.PATH ?? ''}` };
    for (const k of ['GC_THREADS', 'NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_', 'OMP_NUM_THREADS', 'FAKE_NPROC']) delete base[k];
    return spawnSync('sh', [SCRIPT, ...extraArgs], { env: { ...base, ...env }, encoding: 'utf8' });
  };
  const args = (out: string) => out.split('\n').filter((l) => l.startsWith('arg=')).map((l) => l.slice(4));
  const benchFlags = (gcThreads: string): string[] => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '-e', "import('./bench/child-process.ts').then((m) => console.log(JSON.stringify(m.DEPLOYED_NODE_FLAGS)))"],
      { cwd: REPO, env: { ...process.env, GC_THREADS: gcThreads }, encoding: 'utf8' },
    );
    return JSON.parse(out.trim()) as string[];
  };
  const cores = os.availableParallelism();

  it('runs dist/broker/main.js with the heap cap before the caller\'s NODE_OPTIONS and the malloc settings, each unless set', () => {
    const run = launch({ NODE_OPTIONS: '--max-old-space-size=1024', MALLOC_ARENA_MAX: '4' }, ['--extra', 'two words']);
    expect(run.status).to.equal(0);
    expect(run.stderr).to.equal('');
    // The script, then the caller's arguments, unchanged.
    expect(args(run.stdout).at(-3)).to.match(/dist\/broker\/main\.js$/);
    expect(args(run.stdout).slice(-2)).to.deep.equal(['--extra', 'two words']);
    expect(run.stdout).to.include('NODE_OPTIONS=--max-old-space-size=512 --max-old-space-size=1024\n');
    expect(run.stdout).to.include('MALLOC_ARENA_MAX=4\n');
    expect(run.stdout).to.include('MALLOC_MMAP_THRESHOLD_=32768\n');
  });

  it(`GC_THREADS=auto (default) collects garbage on the main thread alone on ≤ 2 cores (here: ${cores}), as the bench's processes run`, () => {
    const run = launch({});
    expect(run.status).to.equal(0);
    expect(run.stderr).to.equal('');
    const expected = cores <= 2 ? ['--single-threaded-gc'] : [];
    expect(args(run.stdout).slice(0, -1)).to.deep.equal(expected);
    expect(benchFlags('auto')).to.deep.equal(['--max-old-space-size=512', ...expected]);
    // An empty GC_THREADS is auto on both sides.
    expect(benchFlags('')).to.deep.equal(['--max-old-space-size=512', ...expected]);
  });

  it('GC_THREADS=auto counts cores as Node does: 1–2 single-threaded, more parallel, OpenMP variables ignored, unknown parallel', () => {
    const flags = (env: Record<string, string>) => {
      const run = launch(env);
      expect(run.status).to.equal(0);
      expect(run.stderr).to.equal('');
      return args(run.stdout).slice(0, -1);
    };
    expect(flags({ FAKE_NPROC: '1' })).to.deep.equal(['--single-threaded-gc']);
    expect(flags({ FAKE_NPROC: '2', OMP_NUM_THREADS: '1' })).to.deep.equal(['--single-threaded-gc']);
    expect(flags({ FAKE_NPROC: '4' })).to.deep.equal([]);
    expect(flags({ FAKE_NPROC: 'many' })).to.deep.equal([]);
  });

  it('GC_THREADS=single and =parallel force the choice, in the launcher and in the bench alike', () => {
    expect(args(launch({ GC_THREADS: 'single' }).stdout).slice(0, -1)).to.deep.equal(['--single-threaded-gc']);
    expect(args(launch({ GC_THREADS: 'parallel' }).stdout).slice(0, -1)).to.deep.equal([]);
    expect(benchFlags('single')).to.deep.equal(['--max-old-space-size=512', '--single-threaded-gc']);
    expect(benchFlags('parallel')).to.deep.equal(['--max-old-space-size=512']);
  });

  it('refuses any other GC_THREADS with one line naming it, before starting node', () => {
    const run = launch({ GC_THREADS: 'two' });
    expect(run.status).to.equal(2);
    expect(run.stderr.trim()).to.equal("GC_THREADS must be auto, single or parallel, not 'two'");
    expect(run.stdout).to.equal('');
  });
});
