// Attacks on the broker's capacity by callers without credentials (or with, but slow), each sent over a raw
// socket against a started broker, and the answer that defeats it.
import { expect } from 'chai';
import { connect, type Socket } from 'node:net';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';

/** Opens a socket to the broker and sends `head` (request line and headers); the body never comes. */
async function stalledRequest(h: Harness, head: string): Promise<Socket> {
  const socket = connect(h.broker.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(head);
  return socket;
}

/** What the server sends on the socket until it closes it or `ms` pass. */
function received(socket: Socket, ms: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      resolve({ text, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.once('close', () => done(true));
    socket.once('error', () => undefined);
  });
}

const postHead = (path: string, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n${extra}\r\n`;

describe('attacks on capacity', function () {
  let h: Harness;
  const sockets: Socket[] = [];
  before(async () => {
    const db = (await testDatabase('sqlite'))!;
    h = await startHarness(db, { config: { maxInFlight: 20, requestTimeoutMs: 1500, headersTimeoutMs: 1500, maxConnectionsPerClient: 60 } });
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });
  after(async () => h?.close());

  describe('an unauthenticated POST that announces a body and never sends it', () => {
    it('is answered 401 at once, before any body is read', async () => {
      const socket = await stalledRequest(h, postHead('/v1/evidence-requests'));
      sockets.push(socket);
      const started = Date.now();
      const first = await new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString('latin1'))));
      expect(Date.now() - started).to.be.below(1000);
      expect(first).to.match(/^HTTP\/1\.1 401 /);
      expect(first).to.include('application/problem+json');
    });
  });

  describe('25 silent uploads without credentials, to the API and to the sign-in pages (MAX_IN_FLIGHT=20)', () => {
    it('leave every API call, page and probe answering', async () => {
      for (let i = 0; i < 13; i++) sockets.push(await stalledRequest(h, postHead('/v1/evidence-requests')));
      for (let i = 0; i < 12; i++) {
        sockets.push(await stalledRequest(h, `POST /ui/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n`));
      }
      await new Promise((r) => setTimeout(r, 200));
      expect((await h.call('GET', '/v1/me')).status).to.equal(200);
      for (let i = 0; i < 5; i++) expect((await fetch(`${h.url}/ui/sign-in`)).status).to.equal(200);
      for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await fetch(h.url + probe)).status, probe).to.equal(200);
    });
  });

  describe('an authenticated upload that stalls', () => {
    it('is cut with 408 once REQUEST_TIMEOUT_MS has passed', async () => {
      const socket = await stalledRequest(h, postHead('/v1/evidence-requests', `Authorization: Bearer ${h.token}\r\n`));
      sockets.push(socket);
      const started = Date.now();
      const { text, closed } = await received(socket, 5000);
      expect(text).to.match(/^HTTP\/1\.1 408 /);
      expect(closed).to.equal(true);
      expect(Date.now() - started).to.be.within(1000, 4000);
    });
  });

  describe('headers sent one byte at a time, never finished', () => {
    it('are cut once HEADERS_TIMEOUT_MS has passed', async () => {
      const socket = await stalledRequest(h, 'GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      sockets.push(socket);
      const { closed } = await received(socket, 5000);
      expect(closed).to.equal(true);
    });
  });

  describe('one client address opening more connections than MAX_CONNECTIONS_PER_CLIENT', () => {
    it('has the extra connections closed at the door, and is served again once it lets go', async () => {
      for (let i = 0; i < 60; i++) {
        const s = connect(h.broker.port, '127.0.0.1');
        sockets.push(s);
        await new Promise<void>((resolve) => s.once('connect', resolve));
      }
      await new Promise((r) => setTimeout(r, 100));
      const extra = connect(h.broker.port, '127.0.0.1');
      sockets.push(extra);
      const { closed, text } = await received(extra, 2000);
      expect(closed).to.equal(true);
      expect(text).to.equal('');
      for (const s of sockets.splice(0)) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect((await h.call('GET', '/v1/me')).status).to.equal(200);
    });
  });
});
