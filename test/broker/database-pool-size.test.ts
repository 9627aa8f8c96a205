// DATABASE_POOL_SIZE: a broker's PostgreSQL pool holds that many connections and no more.
import { expect } from 'chai';
import { testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/** Polls `probe` until true, for at most `ms`. */
async function until(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Holds `n` pool connections (open interactive transactions) until release() is called. */
async function holdConnections(h: Harness, n: number): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started = 0;
  const held = Array.from({ length: n }, () =>
    h.broker.ctx.database.prisma.$transaction(
      async (tx) => {
        await tx.apiToken.count();
        started++;
        await released;
      },
      { maxWait: 5_000, timeout: 20_000 },
    ),
  );
  await until(`${n} connections held`, () => started === n);
  return {
    async release() {
      release();
      await Promise.all(held);
    },
  };
}

describe('DATABASE_POOL_SIZE (PostgreSQL)', function () {
  this.timeout(60_000);
  let pg: TestDatabase;
  before(async function () {
    const found = await testDatabase('postgresql');
    if (!found) return this.skip();
    pg = found;
  });

  it('with a pool of 2, a third query finds no connection while two are held, and waits out its pool limit', async () => {
    const h = await startHarness(pg, { config: { databasePoolSize: 2 } });
    try {
      const held = await holdConnections(h, 2);
      const started = Date.now();
      const third = await h.broker.ctx.database.prisma.apiToken.count().then(
        () => null,
        (err: unknown) => err,
      );
      const waited = Date.now() - started;
      await held.release();
      expect(third, 'the third query got a connection beyond the pool size').to.be.instanceOf(Error);
      expect(String((third as Error).message)).to.match(/timeout|timed out/i);
      expect(waited, 'ms the third query waited (pool limit 2 s)').to.be.at.least(1_500);
      // Released, the pool serves again.
      expect(await h.broker.ctx.database.prisma.apiToken.count()).to.be.a('number');
    } finally {
      await h.close();
    }
  });

  it('with a pool of 3, the third query is served while two are held', async () => {
    const h = await startHarness(pg, { config: { databasePoolSize: 3 } });
    try {
      const held = await holdConnections(h, 2);
      const third = await h.broker.ctx.database.prisma.apiToken.count();
      await held.release();
      expect(third).to.be.a('number');
    } finally {
      await h.close();
    }
  });
});
