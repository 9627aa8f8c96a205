// `npm start` as a newcomer runs it: a real process with the demo, its printed URLs and tokens work. And
// `npm run build && npm run start:built`, the same broker compiled to dist/ and run by node alone.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { keyFilesFor } from '../helpers/broker-process.ts';

interface Started {
  child: ChildProcess;
  output: string;
  url: string;
  authorityToken: string;
  citizenToken: string;
  operatorToken: string;
}

const FROM_SOURCE = ['--import', 'tsx', 'broker/main.ts'];
// What `npm run start:built` runs (the launcher execs node, so the child is the broker process itself).
const BUILT = ['scripts/start-built.sh'];

/** Starts the broker on `env.DATABASE_URL`, its key files in a temporary directory of that database's (never ./data in the repository). */
function start(env: Record<string, string> & { DATABASE_URL: string }, args: string[] = FROM_SOURCE, command: string = process.execPath): Promise<Started> {
  const child = spawn(command, args, {
    env: { ...process.env, PORT: '0', SIMULATOR_PORTS: EVIDENCE_TYPES.map(() => '0').join(','), LOG_LEVEL: 'warn', ...keyFilesFor(env.DATABASE_URL), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    // Generous: the demo makes a key per sandbox register instance at start, and CI machines are shared.
    const timer = setTimeout(() => reject(new Error(`no start banner within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const authorityToken = /token:\s+(\S+)\n/.exec(output)?.[1];
      const citizenToken = /Demo citizen \d+ token:\s+(\S+)\n/.exec(output)?.[1];
      const operatorToken = /Demo operator token:\s+(\S+)\n/.exec(output)?.[1];
      if (url && authorityToken && citizenToken && operatorToken && output.includes('Try it:')) {
        clearTimeout(timer);
        resolve({ child, output, url, authorityToken, citizenToken, operatorToken });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

async function stop(s: Started): Promise<void> {
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  await exited;
}

describe('npm start (demo mode)', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'broker-start-'));
  const env = { DATABASE_URL: `file:${path.join(dir, 'broker.db')}`, BROKER_DEMO_TOKEN: 'fixed-demo-token-for-scripts-0001' };
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints URLs and tokens with which the printed curl examples work: complete evidence, the transfers, the chain verifies', async () => {
    const s = await start(env);
    try {
      expect(s.authorityToken).to.equal(env.BROKER_DEMO_TOKEN);
      const example = /-d '(\{.*\})'/.exec(s.output)![1]!;
      const res = await fetch(`${s.url}/v1/evidence-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.authorityToken}`, 'content-type': 'application/json' },
        body: example,
      });
      const body = (await res.json()) as { status: string };
      expect(res.status).to.equal(201);
      expect(body.status).to.equal('complete');
      const transfers = await fetch(`${s.url}/v1/citizens/86095742719/transfers`, { headers: { authorization: `Bearer ${s.citizenToken}` } });
      expect(transfers.status).to.equal(200);
      const [, verifyUrl, verifyToken] = /curl -s (\S+\/v1\/audit\/verify) -H 'Authorization: Bearer (\S+)'/.exec(s.output)!;
      expect(verifyToken).to.equal(s.operatorToken);
      const verify = await fetch(verifyUrl!, { headers: { authorization: `Bearer ${verifyToken}` } });
      expect(verify.status).to.equal(200);
      expect(((await verify.json()) as { ok: boolean }).ok).to.equal(true);
    } finally {
      await stop(s);
    }
  });

  it('keeps its data across a restart and retires the previous run\'s citizen token', async () => {
    const first = await start(env);
    await stop(first);
    const second = await start(env);
    try {
      const old = await fetch(`${second.url}/v1/me`, { headers: { authorization: `Bearer ${first.citizenToken}` } });
      expect(old.status).to.equal(401);
      const verify = await fetch(`${second.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${second.operatorToken}` } });
      const result = (await verify.json()) as { ok: boolean; entries: number };
      expect(result.ok).to.equal(true);
      expect(result.entries).to.be.greaterThan(1);
    } finally {
      await stop(second);
    }
  });

  it('stops with one line naming a bad variable', async () => {
    // Its files where the others' are, should it ever get as far as writing any.
    const child = spawn(process.execPath, ['--import', 'tsx', 'broker/main.ts'], { env: { ...process.env, ...keyFilesFor(env.DATABASE_URL), ...env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).to.equal(1);
    expect(stderr.trim().split('\n')).to.have.length(1);
    expect(stderr).to.match(/^evidence-broker: invalid PORT:/);
  });
});

describe('npm run build && npm run start:built (compiled, without the TypeScript loader)', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'broker-built-'));
  const env = { DATABASE_URL: `file:${path.join(dir, 'broker.db')}`, BROKER_DEMO_TOKEN: 'fixed-demo-token-for-scripts-0002' };
  before(() => {
    execFileSync('sh', ['scripts/build.sh'], { stdio: 'ignore' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the demo from dist/ with node alone: migrations, signed register calls, pages and their assets, the API docs', async () => {
    const s = await start(env, BUILT, 'sh');
    try {
      // The launcher's process settings reached the broker (Linux: its command line and environment).
      if (process.platform === 'linux') {
        const cmdline = readFileSync(`/proc/${s.child.pid}/cmdline`, 'utf8').split('\0');
        if (availableParallelism() <= 2) expect(cmdline).to.include('--single-threaded-gc');
        else expect(cmdline).not.to.include('--single-threaded-gc');
        expect(cmdline.some((a) => a.endsWith('dist/broker/main.js'))).to.equal(true);
        expect(readFileSync(`/proc/${s.child.pid}/environ`, 'utf8').split('\0')).to.include(`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX || '2'}`);
      }
      const example = /-d '(\{.*\})'/.exec(s.output)![1]!;
      const res = await fetch(`${s.url}/v1/evidence-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.authorityToken}`, 'content-type': 'application/json' },
        body: example,
      });
      expect(res.status).to.equal(201);
      expect(((await res.json()) as { status: string }).status).to.equal('complete');
      const page = await fetch(`${s.url}/ui/sign-in`);
      expect(page.status).to.equal(200);
      const stylesheet = /href="(\/ui\/assets\/[^"]+\.css)"/.exec(await page.text())?.[1];
      expect(stylesheet, 'the sign-in page links its stylesheet').to.be.a('string');
      expect((await fetch(`${s.url}${stylesheet}`)).status).to.equal(200);
      expect((await fetch(`${s.url}/docs/`)).status).to.equal(200);
      // The verification runs in a worker thread: from dist/ it loads the compiled worker module.
      const verify = await fetch(`${s.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${s.operatorToken}` } });
      expect(((await verify.json()) as { ok: boolean }).ok).to.equal(true);
    } finally {
      await stop(s);
    }
  });
});
