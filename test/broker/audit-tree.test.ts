// The audit log as an RFC 9162 Merkle tree, seen from outside: every entry is a leaf anyone may read without a
// token (no personal data in it), inclusion and consistency proofs for every index and size verify with the
// independent verifier against a root the test computes itself from the leaves, bad parameters are refused
// naming them, and entries written before the tree existed join it without loss — SQLite and PostgreSQL.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitmentOf, linkHash } from '../../broker/audit/chain.ts';
import { verifyConsistency, verifyInclusion } from '../../broker/audit/proof-verifier.ts';
import { openNote, parseCheckpoint, parseVerifierKey } from '../../broker/audit/signed-note.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const CITIZEN = '86095742719';
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
/** RFC 9162 §2.1.1 MTH, written out here from the definition: the reference the broker's proofs must match. */
function mth(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

for (const kind of DATABASE_KINDS) {
  describe(`the audit log's Merkle tree (${kind})`, function () {
    this.timeout(120_000);
    let h: Harness;
    const get = (path: string) => h.call('GET', path, { token: null });
    /** The leaf hashes as published, each checked against the leaf bytes. */
    const leafHashes = async (size: number): Promise<Buffer[]> => {
      const out: Buffer[] = [];
      for (let i = 0; i < size; i++) {
        const res = await get(`/v1/audit/entries/${i}`);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        const bytes = Buffer.from(res.body.leaf, 'base64');
        expect(res.body.leafHash).to.equal(sha256(Buffer.from([0]), bytes).toString('hex'));
        out.push(Buffer.from(res.body.leafHash, 'hex'));
      }
      return out;
    };

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db);
      const consent = await h.call('POST', '/v1/consents', {
        body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
      });
      expect(consent.status).to.equal(201);
      for (let i = 0; i < 10; i++) {
        const res = await h.call('POST', '/v1/evidence-requests', {
          body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', caseReference: `EG-TREE-${i}`, routing: ROUTING },
        });
        expect(res.status).to.equal(201);
      }
    });
    after(async () => h?.close());

    it("names each of the citizen's transfers by its leaf, whose inclusion can be proven", async () => {
      const transfers = await h.call('GET', `/v1/citizens/${CITIZEN}/transfers`, { token: await h.citizenToken(CITIZEN) });
      expect(transfers.body.transfers).to.have.length.greaterThan(0);
      for (const t of transfers.body.transfers as { auditEntryId: number; leafIndex: number }[]) {
        expect(t.leafIndex).to.equal(t.auditEntryId - 1);
        expect((await get(`/v1/audit/proofs/inclusion?index=${t.leafIndex}&treeSize=${t.leafIndex + 1}`)).status).to.equal(200);
      }
    });

    it('publishes every entry as a leaf without personal data, readable without a token', async () => {
      const size = await h.broker.ctx.audit.treeSize();
      expect(size).to.equal(11);
      const first = await get('/v1/audit/entries/0');
      const text = Buffer.from(first.body.leaf, 'base64').toString('utf8');
      expect(text).to.match(/^evidence-broker-audit-leaf:v1\n1\nconsent-granted\n\d{4}-\d\d-\d\dT[\d:.]+Z\n[0-9a-f]{64}\n$/);
      for (let i = 0; i < size; i++) expect(Buffer.from((await get(`/v1/audit/entries/${i}`)).body.leaf, 'base64').toString('utf8')).not.to.include(CITIZEN);
      expect((await get(`/v1/audit/entries/${size}`)).status).to.equal(404);
    });

    it('proves every leaf in every tree size, and every size consistent with every later one', async () => {
      const size = await h.broker.ctx.audit.treeSize();
      const leaves = await leafHashes(size);
      for (let treeSize = 1; treeSize <= size; treeSize++) {
        const root = mth(leaves.slice(0, treeSize));
        expect((await h.broker.ctx.audit.rootHash(treeSize)).equals(root), `root of ${treeSize}`).to.equal(true);
        for (let index = 0; index < treeSize; index++) {
          const res = await get(`/v1/audit/proofs/inclusion?index=${index}&treeSize=${treeSize}`);
          expect(res.status).to.equal(200);
          expect(res.body).to.deep.include({ index, treeSize, leafHash: leaves[index]!.toString('hex') });
          const proof = res.body.hashes.map((x: string) => Buffer.from(x, 'hex'));
          expect(verifyInclusion(leaves[index]!, index, treeSize, proof, root), `${index} in ${treeSize}`).to.equal(true);
          expect(verifyInclusion(leaves[(index + 1) % treeSize]!, index, treeSize, proof, root) && treeSize > 1).to.equal(false);
        }
        for (let to = treeSize; to <= size; to++) {
          const res = await get(`/v1/audit/proofs/consistency?from=${treeSize}&to=${to}`);
          expect(res.status).to.equal(200);
          const proof = res.body.hashes.map((x: string) => Buffer.from(x, 'hex'));
          expect(verifyConsistency(treeSize, to, proof, root, mth(leaves.slice(0, to))), `${treeSize} → ${to}`).to.equal(true);
        }
      }
    });

    it('refuses bad or out-of-range parameters with 400 naming the parameter', async () => {
      const size = await h.broker.ctx.audit.treeSize();
      for (const [query, name] of [
        ['index=-1&treeSize=3', 'query.index'],
        ['index=abc&treeSize=3', 'query.index'],
        ['index=3&treeSize=3', 'query.index'],
        ['index=0&treeSize=0', 'query.treeSize'],
        [`index=0&treeSize=${size + 1}`, 'query.treeSize'],
        ['index=0', 'query.treeSize'],
        ['index=0&treeSize=1&extra=1', 'query'],
      ] as const) {
        const res = await get(`/v1/audit/proofs/inclusion?${query}`);
        expect(res.status, query).to.equal(400);
        expect(res.body.invalidParams.map((p: { name: string }) => p.name).join(' '), query).to.include(name);
      }
      for (const [query, name] of [
        ['from=5&to=3', 'query.from'],
        ['from=0&to=3', 'query.from'],
        [`from=1&to=${size + 1}`, 'query.to'],
        ['from=1&to=99999999999', 'query.to'],
      ] as const) {
        const res = await get(`/v1/audit/proofs/consistency?${query}`);
        expect(res.status, query).to.equal(400);
        expect(res.body.invalidParams.map((p: { name: string }) => p.name).join(' '), query).to.include(name);
      }
      expect((await get('/v1/audit/entries/x1')).status).to.equal(400);
    });

    it('signs its head as a C2SP checkpoint note that a citizen checks with the independent verify-proof tool', async () => {
      const head = await h.broker.ctx.treeHeads.sign();
      expect(head).to.not.equal(null);
      const note = await fetch(`${h.url}/v1/audit/checkpoint`);
      expect(note.headers.get('content-type')).to.match(/^text\/plain/);
      const noteText = await note.text();
      const logKey = (await (await fetch(`${h.url}/v1/audit/log-key`)).text()).trim();
      expect(logKey).to.match(/^evidence-broker\/audit-log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
      const checkpoint = parseCheckpoint(openNote(noteText, [parseVerifierKey(logKey)]).text);
      const leaves = await leafHashes(checkpoint.size);
      expect(checkpoint.rootHash.equals(mth(leaves))).to.equal(true);

      // The bundle the cockpit offers: the leaf, its inclusion proof, the note — checked by a tool of its own.
      const index = 3;
      const leaf = (await get(`/v1/audit/entries/${index}`)).body.leaf as string;
      const proof = (await get(`/v1/audit/proofs/inclusion?index=${index}&treeSize=${checkpoint.size}`)).body.hashes as string[];
      const dir = mkdtempSync(path.join(tmpdir(), 'proof-bundle-'));
      try {
        const bundle = path.join(dir, 'bundle.json');
        writeFileSync(bundle, JSON.stringify({ leaf, index, treeSize: checkpoint.size, inclusionProof: proof, checkpoint: noteText }));
        const ok = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify-proof.ts', bundle, '--key', logKey], { encoding: 'utf8' });
        expect(ok.status, ok.stderr).to.equal(0);
        writeFileSync(bundle, JSON.stringify({ leaf, index: index + 1, treeSize: checkpoint.size, inclusionProof: proof, checkpoint: noteText }));
        expect(spawnSync(process.execPath, ['--import', 'tsx', 'scripts/verify-proof.ts', bundle, '--key', logKey], { encoding: 'utf8' }).status).to.equal(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('adds entries written before the tree existed without loss, to the same root', async () => {
      const size = await h.broker.ctx.audit.treeSize();
      const before = await h.broker.ctx.audit.rootHash(size);
      const prisma = h.broker.ctx.database.prisma;
      // As a database from before the tree: no subtrees, an empty tree in the head row.
      await prisma.auditTreeNode.deleteMany({});
      await prisma.auditHead.update({ where: { id: 1 }, data: { treeSize: 0, frontier: '[]' } });
      // In transactions of 3 entries each, as start-up does it with larger ones.
      expect(await h.broker.ctx.audit.catchUpTree(3)).to.equal(size);
      expect((await h.broker.ctx.audit.rootHash(size)).equals(before)).to.equal(true);
      // And an append catches up by itself what start-up has not.
      await prisma.auditTreeNode.deleteMany({});
      await prisma.auditHead.update({ where: { id: 1 }, data: { treeSize: 0, frontier: '[]' } });
      const res = await h.call('POST', '/v1/evidence-requests', {
        body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: 'EG-TREE-LATE' },
      });
      expect(res.status).to.equal(201);
      expect(await h.broker.ctx.audit.treeSize()).to.equal(size + 1);
      const leaves = await leafHashes(size + 1);
      expect((await h.broker.ctx.audit.rootHash(size + 1)).equals(mth(leaves))).to.equal(true);
      expect((await h.broker.ctx.audit.rootHash(size)).equals(before)).to.equal(true);
    });

    it('names a detail row deleted before its retention ended: a transfer hidden from the citizen is found', async () => {
      const operator = await h.operatorToken();
      expect((await h.call('GET', '/v1/audit/verify', { token: operator })).body.ok).to.equal(true);
      const prisma = h.broker.ctx.database.prisma;
      const seq = (await prisma.auditEntry.findFirstOrThrow({ where: { kind: 'transfer' }, orderBy: { seq: 'asc' } })).seq;
      await prisma.auditDetail.delete({ where: { seq } });
      const verified = await h.call('GET', '/v1/audit/verify', { token: operator });
      expect(verified.status).to.equal(409);
      expect(verified.body).to.deep.include({ ok: false, brokenAt: seq, reason: 'detail-missing' });
    });
  });
}

const WITNESS_SCRIPT = fileURLToPath(new URL('../../broker/ops/witness.ts', import.meta.url));

/** The witness as an operator runs it, once, in a process of its own. */
function witnessOnce(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', WITNESS_SCRIPT, ...args, '--once'], { encoding: 'utf8', timeout: 60_000 }, (_err, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/**
 * What an attacker with write access to the database does: replaces entry `seq`'s details, recomputes its
 * commitment and every link hash from it on, updates the head and rebuilds the tree — everything the database
 * holds agrees with itself again.
 */
async function rewriteHistory(h: Harness, seq: number): Promise<void> {
  const prisma = h.broker.ctx.database.prisma;
  const salt = 'ab'.repeat(16);
  const forged = { citizenIdNr: null, actorId: 'someone-else', requestId: null, consentId: null, details: '{}' };
  await prisma.auditDetail.update({ where: { seq }, data: { salt, ...forged } });
  let prevHash = (await prisma.auditEntry.findUniqueOrThrow({ where: { seq: seq - 1 } })).hash;
  for (const e of await prisma.auditEntry.findMany({ where: { seq: { gte: seq } }, orderBy: { seq: 'asc' } })) {
    const commitment = e.seq === seq ? commitmentOf(salt, forged) : e.commitment;
    const hash = linkHash({ seq: e.seq, kind: e.kind, createdAt: e.createdAt, prevHash, commitment });
    await prisma.auditEntry.update({ where: { seq: e.seq }, data: { prevHash, commitment, hash } });
    prevHash = hash;
  }
  await prisma.auditHead.update({ where: { id: 1 }, data: { hash: prevHash, treeSize: 0, frontier: '[]' } });
  await prisma.auditTreeNode.deleteMany({});
  await h.broker.ctx.audit.catchUpTree();
}

for (const kind of DATABASE_KINDS) {
  describe(`a broker whose audit log was rewritten in its database, every hash recomputed and every signed head deleted (${kind})`, function () {
    this.timeout(180_000);
    let h: Harness;
    let dir: string;
    let witness: string[];
    const ask = (i: number) =>
      h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: CITIZEN }, evidenceTypes: ['salary'], purpose: 'elterngeld', caseReference: `EG-TAMPER-${i}`, routing: ROUTING } });

    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      dir = mkdtempSync(path.join(tmpdir(), 'audit-tamper-'));
      // A witness watches the log: its first run makes its key and prints the cosigner key the broker is given.
      witness = ['--key', path.join(dir, 'witness.key'), '--store', path.join(dir, 'witness-store'), '--name', 'witness.example/w1'];
      const first = await witnessOnce(['--log', 'http://127.0.0.1:1', ...witness]);
      const cosigner = /^cosigner key: (\S+)$/m.exec(first.stdout)![1]!;
      // The signing key in a file: the last signed head and every signed leaf are kept beside it, out of the database's reach.
      h = await startHarness(db, { config: { auditSigningKey: { file: path.join(dir, 'audit.key') }, witnessKeys: [cosigner] } });
      witness.unshift('--log', h.url);
      const consent = await h.call('POST', '/v1/consents', {
        body: { citizen: { idNr: CITIZEN }, grantee: AUTHORITY_ID, evidenceTypes: ['salary'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
      });
      expect(consent.status).to.equal(201);
    });
    after(async () => {
      await h?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('refuses to sign, says so on /readyz and in the metrics, the witness alarms, and verify names the rewritten entry', async () => {
      for (let i = 0; i < 6; i++) expect((await ask(i)).status).to.equal(201);
      expect((await h.broker.ctx.treeHeads.sign())!.treeSize).to.equal(7);
      expect((await fetch(`${h.url}/readyz`)).status).to.equal(200);
      const watched = await witnessOnce(witness);
      expect(watched.code, watched.stderr).to.equal(0);
      expect(watched.stdout).to.match(/cosigned the checkpoint of 7 leaves/);
      const operator = await h.operatorToken();
      expect((await h.call('GET', '/v1/audit/verify', { token: operator })).body).to.deep.include({ ok: true, signedHeadsChecked: 1 });

      // Entry 3 is rewritten with every hash after it recomputed, the tree rebuilt, the signed heads deleted;
      // the files beside the key are out of the attacker's reach. The broker goes on recording.
      await rewriteHistory(h, 3);
      const prisma = h.broker.ctx.database.prisma;
      await prisma.auditTreeHead.deleteMany({});
      expect((await ask(7)).status).to.equal(201);

      expect(await h.broker.ctx.treeHeads.sign()).to.equal(null);
      expect(await prisma.auditTreeHead.count()).to.equal(0);
      const ready = await fetch(`${h.url}/readyz`);
      expect(ready.status).to.equal(503);
      expect(((await ready.json()) as { detail: string }).detail).to.match(/does not extend the signed head of 7 leaves/);
      expect(await (await fetch(`${h.url}/metrics`)).text()).to.match(/^broker_audit_tamper_detected 1$/m);

      // The witness saw the head of 7 leaves; the log now serves none: it alarms and keeps what it had.
      const alarmed = await witnessOnce(witness);
      expect(alarmed.code, alarmed.stdout + alarmed.stderr).to.equal(3);
      expect(alarmed.stderr).to.match(/checkpoint-withdrawn/);

      // Every hash in the database agrees with itself, and no signed head is left in it: the leaves kept
      // beside the key name the entry that was rewritten.
      const verified = await h.call('GET', '/v1/audit/verify', { token: operator });
      expect(verified.status).to.equal(409);
      expect(verified.body).to.deep.include({ ok: false, brokenAt: 3, reason: 'kept-leaf-mismatch' });
    });

    it('refuses to sign when only the stored tree was changed, the entries left alone', async () => {
      // (After the test above the broker refuses anyway: a broker of its own, on a fresh database.)
      const db = await testDatabase(kind);
      const own = mkdtempSync(path.join(tmpdir(), 'audit-tamper-tree-'));
      const other = await startHarness(db!, { config: { auditSigningKey: { file: path.join(own, 'audit.key') } } });
      try {
        for (let i = 0; i < 5; i++) await other.broker.ctx.audit.record({ kind: 'refusal', at: new Date(), citizenIdNr: null, actorId: `a${i}`, requestId: null, consentId: null, details: { i } });
        expect((await other.broker.ctx.treeHeads.sign())!.treeSize).to.equal(5);
        for (let i = 5; i < 8; i++) await other.broker.ctx.audit.record({ kind: 'refusal', at: new Date(), citizenIdNr: null, actorId: `a${i}`, requestId: null, consentId: null, details: { i } });
        // A new leaf's stored hash is swapped; the frontier the root comes from is left as the appends made it.
        await other.broker.ctx.database.prisma.auditTreeNode.update({ where: { level_idx: { level: 0, idx: 6 } }, data: { hash: 'e'.repeat(64) } });
        expect(await other.broker.ctx.treeHeads.sign()).to.equal(null);
        expect(other.broker.ctx.treeHeads.tamper).to.match(/leaves 5…7 do not make its root/);
        // What was kept before stays: the five leaves signed.
        expect(statSync(path.join(own, 'audit.key.leaves')).size).to.equal(5 * 32);
      } finally {
        await other.close();
        rmSync(own, { recursive: true, force: true });
      }
    });
  });
}

for (const kind of DATABASE_KINDS) {
  describe(`a history rewritten with every hash recomputed, the signed heads left in place (${kind})`, function () {
    this.timeout(120_000);
    let h: Harness;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db);
    });
    after(async () => h?.close());

    it('is named by verify: the rebuilt tree no longer has the root that was signed', async () => {
      for (let i = 0; i < 5; i++) await h.broker.ctx.audit.record({ kind: 'refusal', at: new Date(), citizenIdNr: null, actorId: `a${i}`, requestId: null, consentId: null, details: { i } });
      expect((await h.broker.ctx.treeHeads.sign())!.treeSize).to.equal(5);
      const operator = await h.operatorToken();
      expect((await h.call('GET', '/v1/audit/verify', { token: operator })).body).to.deep.include({ ok: true, signedHeadsChecked: 1 });

      // Entry 2 rewritten, every hash recomputed: everything the database holds agrees with itself again.
      await rewriteHistory(h, 2);

      const verified = await h.call('GET', '/v1/audit/verify', { token: operator });
      expect(verified.status).to.equal(409);
      expect(verified.body).to.deep.include({ ok: false, brokenAt: 5, reason: 'signed-head-mismatch' });
      // And the broker will not sign the rewritten tree either.
      expect(await h.broker.ctx.treeHeads.sign()).to.equal(null);
    });
  });
}
