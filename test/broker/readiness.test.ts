// What a load balancer sees: /healthz answers 200 while the process lives, whatever its database does;
// /readyz answers 200 while the database serves, and the API's own 503 problem (through the one error
// handler, with Retry-After) when it does not — an audit chain it cannot read, a database that went away
// (PostgreSQL behind a proxy that is cut, a removed SQLite file) — and 200 again once PostgreSQL is back.
import { rmSync } from 'node:fs';
import net from 'node:net';
import { expect } from 'chai';
import { DATABASE_KINDS, testDatabase, type TestDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { testConfig } from '../helpers/test-config.ts';

/** The harness's brokers take the default PROBLEM_BASE_URL (HOST and PORT's address). */
const NOT_READY = { type: `${testConfig().problemBaseUrl}overloaded`, status: 503, code: 'overloaded', detail: 'The database does not answer' };

function expectNotReady(res: { status: number; headers: Headers; body: unknown }): void {
  expect(res.status).to.equal(503);
  expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
  expect(res.headers.get('retry-after')).to.equal('1');
  expect(res.body).to.include(NOT_READY);
}

/** A TCP proxy to 127.0.0.1:`target` that can be cut (listener closed, every connection destroyed) and opened again on the same port. */
async function cuttableProxy(target: number): Promise<{ port: number; cut(): Promise<void>; open(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const make = () =>
    net.createServer((client) => {
      const upstream = net.connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
  let server = make();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const cut = async () => {
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    port,
    cut,
    async open() {
      server = make();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    async close() {
      if (server.listening) await cut();
    },
  };
}

for (const kind of DATABASE_KINDS) {
  describe(`GET /healthz and GET /readyz (${kind})`, function () {
    this.timeout(60_000);
    let db: TestDatabase;
    let h: Harness;
    before(async function () {
      const found = await testDatabase(kind);
      if (!found) return this.skip();
      db = found;
    });
    afterEach(async () => h?.close());

    it('answers alive and ready while the database serves', async () => {
      h = await startHarness(db);
      const health = await h.call('GET', '/healthz', { token: null });
      expect(health.status).to.equal(200);
      expect(health.body).to.deep.equal({ status: 'ok' });
      const ready = await h.call('GET', '/readyz', { token: null });
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.equal({ status: 'ready', database: kind });
    });

    describe('when the database cannot serve the audit chain', () => {
      it('answers 503 overloaded problem+json with Retry-After, and stays alive', async () => {
        h = await startHarness(db);
        await h.broker.ctx.database.prisma.auditHead.delete({ where: { id: 1 } });
        expectNotReady(await h.call('GET', '/readyz', { token: null }));
        expect((await h.call('GET', '/healthz', { token: null })).status).to.equal(200);
      });
    });

    if (kind === 'postgresql') {
      describe('when PostgreSQL goes away and comes back', () => {
        it('answers 503 while it is unreachable, alive all the while, and ready again once it answers', async () => {
          const proxy = await cuttableProxy(5432);
          try {
            // The harness's own database, reached through the proxy.
            const through = (url: string) => {
              const u = new URL(url);
              u.port = String(proxy.port);
              return u.toString();
            };
            const created = db.create();
            const proxied: TestDatabase = { name: 'postgresql', create: () => ({ url: through(created.url), drop: created.drop }) };
            h = await startHarness(proxied);
            expect((await h.call('GET', '/readyz', { token: null })).status).to.equal(200);
            await proxy.cut();
            expectNotReady(await h.call('GET', '/readyz', { token: null }));
            expect((await h.call('GET', '/healthz', { token: null })).status).to.equal(200);
            await proxy.open();
            // The pool makes new connections on its own: bounded polling, no fixed wait.
            const deadline = Date.now() + 20_000;
            let status = 0;
            while ((status = (await h.call('GET', '/readyz', { token: null })).status) !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
            expect(status).to.equal(200);
          } finally {
            await h?.close();
            h = undefined as unknown as Harness;
            await proxy.close();
          }
        });
      });
    } else {
      describe('when the SQLite database file is gone', () => {
        it('answers 503 and stays alive', async () => {
          h = await startHarness(db);
          // Closed and removed: the next connection finds an empty file without the audit chain.
          await h.broker.ctx.database.close();
          const file = h.databaseUrl.slice('file:'.length);
          for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
          expectNotReady(await h.call('GET', '/readyz', { token: null }));
          expect((await h.call('GET', '/healthz', { token: null })).status).to.equal(200);
        });
      });
    }
  });
}
