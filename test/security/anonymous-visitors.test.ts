// Anonymous visitors of the sign-in pages: they must cost the broker no database writes, and the token that
// protects their form must not be forgeable or reusable by another browser.
import { expect } from 'chai';
import { PageClient } from '../pages/page-client.ts';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

describe('anonymous visitors of the sign-in pages', function () {
  let h: Harness;
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
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
});
