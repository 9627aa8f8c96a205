// Attacks on the broker's capacity by callers without credentials (or with, but slow), each sent over a raw
// socket against a started broker, and the answer that defeats it. Each test has a broker of its own (no
// connection of an earlier attack still counted); the test waits for what the broker has seen, not a time.
import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { until } from '../helpers/until.ts';

const REQUEST_TIMEOUT_MS = 1500;
/** A bound for what the broker must do by itself (cut a connection): long, since only a broker that never does it fails. */
const BOUND_MS = 30_000;

/** Opens a socket to the broker and sends `head` (request line and headers); the body never comes. */
async function stalledRequest(h: Harness, head: string): Promise<Socket> {
  const socket = connect(h.broker.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(head);
  return socket;
}

/** Connections the broker's server holds open now. */
function connections(h: Harness): Promise<number> {
  return new Promise((resolve, reject) => h.broker.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
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
  this.timeout(60_000);
  let h: Harness;
  const sockets: Socket[] = [];
  beforeEach(async () => {
    const db = (await testDatabase('sqlite'))!;
    h = await startHarness(db, { config: { maxInFlight: 20, requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: 1500, maxConnectionsPerClient: 60 } });
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await h?.close();
  });

  describe('an unauthenticated POST that announces a body and never sends it', () => {
    it('is answered 401 at once, before any body is read', async () => {
      const socket = await stalledRequest(h, postHead('/v1/evidence-requests'));
      sockets.push(socket);
      // The body never comes: a broker reading it first could only answer once REQUEST_TIMEOUT_MS cut the upload (408).
      const first = await new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString('latin1'))));
      expect(first).to.match(/^HTTP\/1\.1 401 /);
      expect(first).to.include('application/problem+json');
    });
  });

  describe('25 silent uploads without credentials, to the API and to the sign-in pages (MAX_IN_FLIGHT=20)', () => {
    it('leave every API call, page and probe answering', async () => {
      let uploads = 0;
      const seen = (req: IncomingMessage) => (uploads += req.method === 'POST' ? 1 : 0);
      h.broker.server.on('request', seen);
      for (let i = 0; i < 13; i++) sockets.push(await stalledRequest(h, postHead('/v1/evidence-requests')));
      for (let i = 0; i < 12; i++) {
        sockets.push(await stalledRequest(h, `POST /ui/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n`));
      }
      // Every upload's head has reached the broker (its request has begun) before the others are tried.
      await until('the broker to have begun all 25 uploads', () => uploads >= 25);
      h.broker.server.off('request', seen);
      expect((await h.call('GET', '/v1/me')).status).to.equal(200);
      for (let i = 0; i < 5; i++) expect((await fetch(`${h.url}/ui/sign-in`)).status).to.equal(200);
      for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await fetch(h.url + probe)).status, probe).to.equal(200);
    });
  });

  describe('an authenticated upload that stalls', () => {
    it('is cut with 408 once REQUEST_TIMEOUT_MS has passed', async () => {
      const started = Date.now();
      const socket = await stalledRequest(h, postHead('/v1/evidence-requests', `Authorization: Bearer ${h.token}\r\n`));
      sockets.push(socket);
      const { text, closed } = await received(socket, BOUND_MS);
      expect(text).to.match(/^HTTP\/1\.1 408 /);
      expect(closed).to.equal(true);
      // Not before the time limit (a lower bound only; 100 ms for the server's cached loop clock): a slow
      // machine may cut it later, which the bound above allows.
      expect(Date.now() - started).to.be.at.least(REQUEST_TIMEOUT_MS - 100);
    });
  });

  describe('headers sent one byte at a time, never finished', () => {
    it('are cut once HEADERS_TIMEOUT_MS has passed', async () => {
      const socket = await stalledRequest(h, 'GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      sockets.push(socket);
      const { closed } = await received(socket, BOUND_MS);
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
      await until('the broker to hold all 60 connections', async () => (await connections(h)) >= 60);
      const extra = connect(h.broker.port, '127.0.0.1');
      sockets.push(extra);
      const { closed, text } = await received(extra, BOUND_MS);
      expect(closed).to.equal(true);
      expect(text).to.equal('');
      expect(await connections(h)).to.equal(60);
      for (const s of sockets.splice(0)) s.destroy();
      await until('the broker to see them closed', async () => (await connections(h)) === 0);
      expect((await h.call('GET', '/v1/me')).status).to.equal(200);
    });
  });
});
