// Signed audit checkpoints: published with their key, provable later against the chain by the admin tool,
// and a rewritten history or a forged checkpoint is caught.
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { checkpointMessage } from '../../broker/audit/checkpoints.ts';
import { CheckpointListView } from '../../broker/http/schemas.ts';
import { keyFilesFor } from '../helpers/broker-process.ts';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

function admin(databaseUrl: string, signingKeyPem: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'broker/ops/admin-cli.ts', ...args], {
    // Its data key in a temporary directory, never ./data in the repository.
    env: { ...process.env, ...keyFilesFor(databaseUrl), DATABASE_URL: databaseUrl, AUDIT_SIGNING_KEY: signingKeyPem },
    encoding: 'utf8',
  });
}

describe('signed audit checkpoints', function () {
  this.timeout(60_000);
  let h: Harness;
  const dir = mkdtempSync(path.join(tmpdir(), 'broker-checkpoint-'));
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
    await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: '86095742719' }, grantee: AUTHORITY_ID, evidenceTypes: ['income'], purpose: 'wohngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    await h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr: '86095742719' }, evidenceTypes: ['income'], purpose: 'wohngeld', caseReference: 'WG-C', routing: ROUTING } });
  });
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes signed chain heads that verify with the published key', async () => {
    expect(await h.broker.ctx.checkpoints.createIfDue(60_000)).to.include({ seq: 2 });
    expect(await h.broker.ctx.checkpoints.createIfDue(60_000), 'not due again within the interval').to.equal(null);
    const res = await h.call('GET', '/v1/audit/checkpoints');
    expect(res.status).to.equal(200);
    const list = CheckpointListView.parse(res.body);
    const [cp] = list.checkpoints;
    expect(cp).to.include({ seq: 2, keyId: list.keyId });
    expect(verify(null, checkpointMessage(cp!), createPublicKey(list.publicKey), Buffer.from(cp!.signature, 'base64'))).to.equal(true);
  });

  it('proves a kept checkpoint with the admin tool, and catches a rewrite, a forgery and another key', async () => {
    const { body } = await h.call('GET', '/v1/audit/checkpoints');
    const cp = body.checkpoints[0];
    const file = path.join(dir, 'cp.json');
    writeFileSync(file, JSON.stringify(cp));
    const pem = (h.broker.ctx.cfg.auditSigningKey as { pem: string }).pem;

    const ok = admin(h.databaseUrl, pem, 'audit', 'verify-checkpoint', file, '--key-id', cp.keyId);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stdout).to.include(`checkpoint ${cp.seq} holds`);

    const otherKey = admin(h.databaseUrl, pem, 'audit', 'verify-checkpoint', file, '--key-id', '0000000000000000');
    expect(otherKey.status).to.equal(1);
    expect(otherKey.stderr).to.include('bad-signature');

    const forged = path.join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify({ ...cp, hash: 'f'.repeat(64) }));
    expect(admin(h.databaseUrl, pem, 'audit', 'verify-checkpoint', forged, '--key-id', cp.keyId).stderr).to.include('bad-signature');

    // Without the key the verifier pinned, a checkpoint proves nothing (it could be signed by anyone).
    const unpinned = admin(h.databaseUrl, pem, 'audit', 'verify-checkpoint', file);
    expect(unpinned.status).not.to.equal(0);
    expect(unpinned.stderr).to.include('--key-id');

    // Rewriting history: recompute entry 2 with another commitment, as an attacker with database access would.
    const prisma = h.broker.ctx.database.prisma;
    const entry = await prisma.auditEntry.findUniqueOrThrow({ where: { seq: cp.seq } });
    await prisma.auditEntry.update({ where: { seq: cp.seq }, data: { hash: 'e'.repeat(64) } });
    const rewritten = admin(h.databaseUrl, pem, 'audit', 'verify-checkpoint', file, '--key-id', cp.keyId);
    await prisma.auditEntry.update({ where: { seq: cp.seq }, data: { hash: entry.hash } });
    expect(rewritten.status).to.equal(1);
    expect(rewritten.stderr).to.include('hash-differs');
  });
});
