// A witness of the broker's audit log, run as the real command (`npm run witness`'s script, a child process)
// against a running broker: it cosigns each signed head after proving it consistent with the last one it saw,
// the broker serves its cosignature with the note and takes cosignatures only from configured witness keys,
// and a forked history — rewritten in the database and signed with the broker's own key — is refused, with
// the evidence kept and exit 3. SQLite and PostgreSQL.
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointBody, cosign, noteVerifier, openNote, parseCheckpoint, parseVerifierKey, signNote, verifyCosignature } from '../../broker/audit/signed-note.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const WITNESS_SCRIPT = fileURLToPath(new URL('../../broker/ops/witness.ts', import.meta.url));
const WITNESS_NAME = 'witness.example/w1';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The witness as an operator runs it, in a process of its own (the broker answers from this one meanwhile). */
function runWitness(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', WITNESS_SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

for (const kind of DATABASE_KINDS) {
  describe(`a witness of the broker's audit log (${kind})`, function () {
    this.timeout(180_000);
    let h: Harness;
    let dir: string;
    let keyFile: string;
    let store: string;
    let cosignerKey: string;
    let auditKey: KeyObject;
    const once = () => runWitness(['--log', h.url, '--key', keyFile, '--store', store, '--name', WITNESS_NAME, '--once']);
    const ask = (i: number) =>
      h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: `EG-WITNESS-${i}` } });
    const servedNote = async () => (await fetch(`${h.url}/v1/audit/checkpoint`)).text();
    const logVerifier = () => noteVerifier(`${h.broker.ctx.cfg.brokerId}/audit-log`, auditKey);
    const postCosignature = (body: unknown) => h.call('POST', '/v1/audit/checkpoint/cosignatures', { token: null, body });

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      dir = mkdtempSync(path.join(tmpdir(), 'witness-'));
      keyFile = path.join(dir, 'witness.key');
      store = path.join(dir, 'store');
      // The first run makes the witness's key and prints its cosigner key, even with no log to reach:
      // that key is what the broker's operator configures.
      const first = await runWitness(['--log', 'http://127.0.0.1:1', '--key', keyFile, '--store', store, '--name', WITNESS_NAME, '--once']);
      expect(first.code, first.stderr).to.equal(1);
      expect(first.stderr).to.match(/cannot reach the log/);
      expect(statSync(keyFile).mode & 0o777).to.equal(0o600);
      cosignerKey = /^cosigner key: (\S+)$/m.exec(first.stdout)![1]!;
      expect(parseVerifierKey(cosignerKey)).to.include({ name: WITNESS_NAME, type: 'cosignature/v1' });

      auditKey = generateKeyPairSync('ed25519').privateKey;
      h = await startHarness(db, { config: { auditSigningKey: { pem: auditKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, witnessKeys: [cosignerKey] } });
      const consent = await h.call('POST', '/v1/consents', {
        body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['salary'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
      });
      expect(consent.status).to.equal(201);
      for (let i = 0; i < 4; i++) expect((await ask(i)).status).to.equal(201);
    });
    after(async () => {
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('answers wrong usage with exit 2', async () => {
      expect((await runWitness(['--log', h.url, '--key', keyFile])).code).to.equal(2);
      expect((await runWitness(['--log', h.url, '--key', keyFile, '--store', store, '--interval', '0'])).code).to.equal(2);
      expect((await runWitness(['--log', 'ftp://x', '--key', keyFile, '--store', store])).code).to.equal(2);
    });

    it('cosigns the signed head, and the broker serves the note with the cosignature, verifiable with the cosigner key', async () => {
      const head = await h.broker.ctx.treeHeads.sign();
      expect(head!.treeSize).to.equal(5);
      const run = await once();
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/pinned the log key evidence-broker\/audit-log\+/);
      expect(run.stdout).to.match(/cosigned the checkpoint of 5 leaves/);

      const note = await servedNote();
      const cosigner = parseVerifierKey(cosignerKey);
      const opened = openNote(note, [logVerifier(), cosigner]);
      expect(opened.verified.map((s) => s.name)).to.have.members([`${h.broker.ctx.cfg.brokerId}/audit-log`, WITNESS_NAME]);
      const line = note.split('\n').find((l) => l.startsWith(`\u2014 ${WITNESS_NAME} `))!;
      expect(verifyCosignature(opened.text, line, cosigner).time).to.be.closeTo(Date.now() / 1000, 120);

      // The witness keeps the pinned key and the note it accepted.
      expect(readFileSync(path.join(store, 'log-key'), 'utf8').trim()).to.equal(h.broker.ctx.treeHeads.logKey);
      expect(readFileSync(path.join(store, 'checkpoints', '5.note'), 'utf8')).to.equal(head!.note);

      const again = await once();
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/unchanged: the checkpoint of 5 leaves/);
    });

    it('cosigns the next head after more requests, once it proved the new tree extends the one it saw', async () => {
      for (let i = 4; i < 7; i++) expect((await ask(i)).status).to.equal(201);
      expect((await h.broker.ctx.treeHeads.sign())!.treeSize).to.equal(8);
      const run = await once();
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/cosigned the checkpoint of 8 leaves/);
      const note = await servedNote();
      const opened = openNote(note, [logVerifier(), parseVerifierKey(cosignerKey)]);
      expect(parseCheckpoint(opened.text).size).to.equal(8);
      expect(opened.verified.map((s) => s.name)).to.include(WITNESS_NAME);
      expect(await h.broker.ctx.database.prisma.auditCosignature.count()).to.equal(2);
      expect(readdirSync(path.join(store, 'checkpoints')).sort()).to.deep.equal(['5.note', '8.note']);
    });

    it("refuses an unknown witness's cosignature (403) and a forged one (400), naming why", async () => {
      const head = (await h.broker.ctx.treeHeads.latest())!;
      const body = openNote(head.note, [logVerifier()]).text;
      const now = Math.floor(Date.now() / 1000);

      const stranger = cosign(body, 'stranger.example/w', generateKeyPairSync('ed25519').privateKey, now);
      const unknown = await postCosignature({ treeSize: head.treeSize, cosignature: stranger.trim() });
      expect(unknown.status).to.equal(403);
      expect(unknown.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(unknown.body.detail).to.match(/stranger\.example\/w .*not a configured witness/);

      // Made with the configured witness's own key, but over a head the broker never signed.
      const witnessKey = createPrivateKey(readFileSync(keyFile));
      const otherBody = checkpointBody({ ...parseCheckpoint(body), rootHash: Buffer.alloc(32, 7) });
      const forged = await postCosignature({ treeSize: head.treeSize, cosignature: cosign(otherBody, WITNESS_NAME, witnessKey, now).trim() });
      expect(forged.status).to.equal(400);
      expect(forged.body.detail).to.match(/does not verify over the head of 8 leaves/);
      expect(forged.body.invalidParams[0].name).to.equal('body.cosignature');

      const noHead = await postCosignature({ treeSize: 6, cosignature: cosign(body, WITNESS_NAME, witnessKey, now).trim() });
      expect(noHead.status).to.equal(404);
      expect((await postCosignature({ treeSize: head.treeSize })).status).to.equal(400);
      const text = await fetch(`${h.url}/v1/audit/checkpoint/cosignatures`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: stranger });
      expect(text.status).to.equal(415);
      const huge = await postCosignature({ treeSize: head.treeSize, cosignature: 'x'.repeat(5000) });
      expect(huge.status).to.equal(413);
      // A key twice, read one way by a proxy and another by us: refused as on every /v1 route.
      const twice = await fetch(`${h.url}/v1/audit/checkpoint/cosignatures`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"treeSize": ${head.treeSize}, "treeSize": 6, "cosignature": "x"}`,
      });
      expect(twice.status).to.equal(400);
      expect(((await twice.json()) as { invalidParams: { reason: string }[] }).invalidParams[0]!.reason).to.equal('duplicate key "treeSize"');
      expect(await h.broker.ctx.database.prisma.auditCosignature.count()).to.equal(2);
    });

    it('refuses a forked history signed with the log key, keeps both notes and the failed proof, and exits 3', async () => {
      // The operator rewrites entry 3 and recomputes what the database holds, appends, and signs the forged
      // tree with the broker's own key: a head the broker's checks never saw, valid under the log key.
      const prisma = h.broker.ctx.database.prisma;
      await prisma.auditEntry.update({ where: { seq: 3 }, data: { commitment: 'f'.repeat(64) } });
      await prisma.auditTreeNode.deleteMany({});
      await prisma.auditHead.update({ where: { id: 1 }, data: { treeSize: 0, frontier: '[]' } });
      expect(await h.broker.ctx.audit.catchUpTree()).to.equal(8);
      await prisma.auditTreeHead.deleteMany({});
      for (let i = 7; i < 9; i++) expect((await ask(i)).status).to.equal(201);
      const size = await h.broker.ctx.audit.treeSize();
      expect(size).to.equal(10);
      const origin = `${h.broker.ctx.cfg.brokerId}/audit-log`;
      const rootHash = await h.broker.ctx.audit.rootHash(size);
      const forgedNote = signNote(checkpointBody({ origin, size, rootHash }), origin, auditKey);
      await prisma.auditTreeHead.create({ data: { treeSize: size, rootHash: rootHash.toString('hex'), note: forgedNote, createdAt: new Date() } });
      const accepted = readFileSync(path.join(store, 'checkpoint'), 'utf8');

      const run = await once();
      expect(run.code, run.stdout + run.stderr).to.equal(3);
      expect(run.stderr).to.match(/ALARM: .* broke what it showed before/);
      expect(run.stderr).to.match(/inconsistent: no consistency between size 8 and size 10/);

      const incidents = readdirSync(path.join(store, 'incidents'));
      expect(incidents).to.have.length(1);
      expect(run.stderr).to.include(incidents[0]);
      const incident = JSON.parse(readFileSync(path.join(store, 'incidents', incidents[0]!), 'utf8'));
      expect(incident).to.include({ reason: 'inconsistent', log: h.url, logKey: h.broker.ctx.treeHeads.logKey, old: accepted, new: forgedNote });
      expect(incident.proof).to.be.an('array').that.is.not.empty;
      // The accepted state is untouched and nothing was cosigned.
      expect(readFileSync(path.join(store, 'checkpoint'), 'utf8')).to.equal(accepted);
      expect(existsSync(path.join(store, 'checkpoints', '10.note'))).to.equal(false);
      expect(await prisma.auditCosignature.count({ where: { treeSize: size } })).to.equal(0);

      // A second run refuses again: each incident is a file of its own.
      const rerun = await once();
      expect(rerun.code).to.equal(3);
      expect(readdirSync(path.join(store, 'incidents'))).to.have.length(2);
    });
  });
}

describe('a witness left running (sqlite)', function () {
  this.timeout(180_000);
  let h: Harness;
  let dir: string;
  let auditKey: KeyObject;
  const ask = (i: number) =>
    h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: `EG-WATCH-${i}` } });

  before(async function () {
    const db = await testDatabase('sqlite');
    dir = mkdtempSync(path.join(tmpdir(), 'witness-running-'));
    const first = await runWitness(['--log', 'http://127.0.0.1:1', '--key', path.join(dir, 'witness.key'), '--store', path.join(dir, 'store'), '--name', WITNESS_NAME, '--once']);
    const cosignerKey = /^cosigner key: (\S+)$/m.exec(first.stdout)![1]!;
    auditKey = generateKeyPairSync('ed25519').privateKey;
    h = await startHarness(db!, { config: { auditSigningKey: { pem: auditKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, witnessKeys: [cosignerKey] } });
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['salary'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(consent.status).to.equal(201);
  });
  after(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('polls every interval, cosigns each new head as the log grows, and stops cleanly on SIGTERM', async () => {
    expect((await ask(0)).status).to.equal(201);
    expect((await h.broker.ctx.treeHeads.sign())!.treeSize).to.equal(2);
    const child = spawn(process.execPath, ['--import', 'tsx', WITNESS_SCRIPT, '--log', h.url, '--key', path.join(dir, 'witness.key'), '--store', path.join(dir, 'store'), '--name', WITNESS_NAME, '--interval', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const seen = async (pattern: RegExp) => {
      for (const deadline = Date.now() + 60_000; !pattern.test(stdout); ) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the witness never printed ${pattern}: ${stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await seen(/cosigned the checkpoint of 2 leaves/);
      await seen(/unchanged: the checkpoint of 2 leaves/);
      expect((await ask(1)).status).to.equal(201);
      expect((await h.broker.ctx.treeHeads.sign())!.treeSize).to.equal(3);
      await seen(/cosigned the checkpoint of 3 leaves/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
    expect(await h.broker.ctx.database.prisma.auditCosignature.count()).to.equal(2);
  });

  it('raises the alarm and exits 3 when the log serves another key than the one it pinned', async () => {
    const store = path.join(dir, 'store');
    const other = await startHarness((await testDatabase('sqlite'))!, { config: { auditSigningKey: { pem: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } } });
    try {
      const run = await runWitness(['--log', other.url, '--key', path.join(dir, 'witness.key'), '--store', store, '--name', WITNESS_NAME, '--once']);
      expect(run.code, run.stdout + run.stderr).to.equal(3);
      expect(run.stderr).to.match(/log-key-changed: the log serves the key .* not the pinned/);
      const incidents = readdirSync(path.join(store, 'incidents'));
      expect(incidents.some((f) => f.endsWith('-log-key-changed.json'))).to.equal(true);
      // The pinned key stays: following the new one silently would accept any history signed with it.
      expect(readFileSync(path.join(store, 'log-key'), 'utf8').trim()).to.equal(h.broker.ctx.treeHeads.logKey);
    } finally {
      await other.close();
    }
  });
});

