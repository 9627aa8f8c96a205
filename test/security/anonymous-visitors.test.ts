// Anonymous visitors of the sign-in pages: they must cost the broker no database writes, and the token that
// protects their form must not be forgeable or reusable by another browser.
import { expect } from 'chai';
import { purgeExpired } from '../../broker/ops/lifecycle.ts';
import { logLines as captureLog } from '../helpers/log-lines.ts';
import { PageClient } from '../pages/page-client.ts';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe('anonymous visitors of the sign-in pages', function () {
  let h: Harness;
  const { log, lines: logLines } = captureLog('info');
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!, { log, config: { signInAttemptsPerMinute: 8 } });
  });
  after(async () => h?.close());

  it('200 visits of the clerk and citizen sign-in pages write no session row', async () => {
    const before = await h.broker.ctx.database.prisma.webSession.count();
    for (let i = 0; i < 100; i++) {
      expect((await fetch(`${h.url}/ui/sign-in`)).status).to.equal(200);
      expect((await fetch(`${h.url}/cockpit/sign-in`)).status).to.equal(200);
    }
    expect(await h.broker.ctx.database.prisma.webSession.count()).to.equal(before);
  });

  it('refuses a sign-in form whose token comes from another browser, a forged cookie or none (403)', async () => {
    const victim = new PageClient(h.url);
    await victim.get('/cockpit/sign-in');
    const attacker = new PageClient(h.url);
    await attacker.get('/cockpit/sign-in');
    // The victim's token with the attacker's cookie, the attacker's cookie re-signed by guesswork, no cookie at all.
    expect((await attacker.post('/cockpit/sign-in', { idNr: '86095742719' }, victim.csrf)).status).to.equal(403);
    const [name, value] = [...attacker.cookies].find(([n]) => n.endsWith('_form'))!;
    const token = value.slice(0, 43);
    attacker.cookies.set(name, `${token}${'A'.repeat(43)}${Number(value.slice(86)) + 86_400_000}`);
    expect((await attacker.post('/cockpit/sign-in', { idNr: '86095742719' }, token)).status).to.equal(403);
    expect((await new PageClient(h.url).post('/cockpit/sign-in', { idNr: '86095742719' }, token)).status).to.equal(403);
  });

  it('signs in with its own form token, and writes exactly one session then', async () => {
    const before = await h.broker.ctx.database.prisma.webSession.count();
    const citizen = new PageClient(h.url);
    await citizen.get('/cockpit/sign-in');
    const res = await citizen.post('/cockpit/sign-in', { idNr: '86095742719' });
    expect(res.status).to.equal(303);
    expect(res.location).to.equal('/cockpit');
    expect([...citizen.cookies.keys()].some((n) => n.endsWith('_form'))).to.equal(false);
    expect(await h.broker.ctx.database.prisma.webSession.count()).to.equal(before + 1);
  });

  it('logs failed sign-ins without the name, password or IdNr tried', async () => {
    const clerk = new PageClient(h.url);
    await clerk.get('/ui/sign-in');
    expect((await clerk.post('/ui/sign-in', { username: 'mallory.guess', password: 'Secret-Guess-4711' })).status).to.equal(400);
    const citizen = new PageClient(h.url);
    await citizen.get('/cockpit/sign-in');
    expect((await citizen.post('/cockpit/sign-in', { idNr: '86095742718' })).status).to.equal(400);
    const failures = logLines.filter((l) => l.includes('sign-in-failed'));
    expect(failures).to.have.length(2);
    for (const secret of ['mallory', 'Secret-Guess-4711', '86095742718']) expect(logLines.join('\n')).not.to.include(secret);
  });

  it('answers 429 with Retry-After once one address has tried SIGN_IN_ATTEMPTS_PER_MINUTE sign-ins', async () => {
    const c = new PageClient(h.url);
    await c.get('/ui/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await c.post('/ui/sign-in', { username: `user${i}`, password: 'wrong-password-123' })).status);
    const last = await c.post('/ui/sign-in', { username: 'another', password: 'wrong-password-123' });
    expect(statuses.slice(0, 3)).to.deep.equal([400, 400, 400]);
    expect(last.status).to.equal(429);
    expect(last.headers.get('retry-after')).to.equal('60');
    expect(last.html).to.include('Zu viele Anmeldeversuche');
  });

  it('forgets throttle rows of failed sign-ins a day after the last attempt, but never a running lock-out', async () => {
    const prisma = h.broker.ctx.database.prisma;
    const now = new Date();
    const old = new Date(now.getTime() - 2 * 86_400_000);
    await prisma.signInThrottle.create({ data: { key: 'stale', failures: 3, lockedUntil: null, lastAttemptAt: old } });
    await prisma.signInThrottle.create({ data: { key: 'locked', failures: 0, lockedUntil: new Date(now.getTime() + 600_000), lastAttemptAt: old } });
    await prisma.signInThrottle.create({ data: { key: 'recent', failures: 1, lockedUntil: null, lastAttemptAt: now } });
    const purged = await purgeExpired(prisma, now, 90);
    expect(purged.signInThrottles).to.be.at.least(1);
    const left = (await prisma.signInThrottle.findMany({ select: { key: true } })).map((r) => r.key);
    expect(left).to.include.members(['locked', 'recent']);
    expect(left).not.to.include('stale');
  });
});
