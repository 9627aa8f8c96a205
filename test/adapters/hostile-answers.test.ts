// Answers no honest register sends. The path from HTTP to evidence is shared by all adapters
// (register-exchange.ts, http-transport.ts), so the salary adapter stands in for all three here; the
// hostile-XML corpus runs against all three in test/xml/hostile-corpus.test.ts.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSalaryAdapter } from '../../adapters/salary/adapter.ts';
import { salaryMessages } from '../../adapters/salary/messages.ts';
import { startIncomeSimulator } from '../../adapters/income/simulator.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { startRegisterSimulator, type SimulatorHandle } from '../../adapters/simulator-server.ts';
import { clock, failureOf, inTime, registerRequest, resigned, SENDER } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const CITIZEN = DEMO_CITIZENS[0]!;

/** A register simulator whose every answer is written by the test from the query it got. */
async function registerAnswering(answer: (query: ReturnType<typeof salaryMessages.parseQuery>) => string): Promise<SimulatorHandle> {
  return startRegisterSimulator({ register: 'rvbea', handler: { answer: (xml) => answer(salaryMessages.parseQuery(xml)) } });
}

/** A plain HTTP server for answers the simulator server would never send. */
async function rawServer(listener: RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function salaryFailureAgainst(url: string) {
  return failureOf(createSalaryAdapter({ baseUrl: url, sender: SENDER, clock, ...sandboxAdapterKeys('salary') }).fetchEvidence(registerRequest(CITIZEN), inTime()));
}

function replyHeader(query: { header: { messageId: string; sender: string } }, overrides: Partial<{ inReplyTo: string; sender: string; recipient: string }> = {}) {
  return { messageId: randomUUID(), inReplyTo: query.header.messageId, createdAt: clock().toISOString(), sender: 'rvbea', recipient: query.header.sender, ...overrides };
}

describe('answers the adapters refuse', () => {
  describe('when the register answers with a DOCTYPE (entity expansion)', () => {
    it('reports SALARY_MALFORMED_ANSWER without expanding anything', async () => {
      const sim = await registerAnswering(
        () => '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x>&b;</x>',
      );
      try {
        const err = await salaryFailureAgainst(sim.url);
        expect(err.code).to.equal('SALARY_MALFORMED_ANSWER');
        expect(err.message).to.include('DOCTYPE');
      } finally {
        await sim.close();
      }
    });
  });

  describe('when the answer is not a reply to our message', () => {
    it('reports SALARY_REJECTED_ANSWER', async () => {
      const sim = await registerAnswering((q) =>
        salaryMessages.buildAnswer({ header: replyHeader(q, { inReplyTo: randomUUID() }), status: 'nicht-gefunden', idNr: q.idNr }),
      );
      try {
        const err = await salaryFailureAgainst(sim.url);
        expect(err.code).to.equal('SALARY_REJECTED_ANSWER');
        expect(err.message).to.equal('answer is not a reply to our message');
      } finally {
        await sim.close();
      }
    });
  });

  describe('when the answer claims another sender or another recipient', () => {
    it('reports SALARY_REJECTED_ANSWER', async () => {
      for (const overrides of [{ sender: 'steuerverwaltung' }, { recipient: 'another-broker' }]) {
        const sim = await registerAnswering((q) =>
          salaryMessages.buildAnswer({ header: replyHeader(q, overrides), status: 'nicht-gefunden', idNr: q.idNr }),
        );
        try {
          expect((await salaryFailureAgainst(sim.url)).code).to.equal('SALARY_REJECTED_ANSWER');
        } finally {
          await sim.close();
        }
      }
    });
  });

  describe("when the query reaches another register's simulator", () => {
    it('is refused there (400) and reported as SALARY_UPSTREAM_ERROR', async () => {
      const income = await startIncomeSimulator({ clock });
      try {
        expect((await salaryFailureAgainst(income.url)).code).to.equal('SALARY_UPSTREAM_ERROR');
      } finally {
        await income.close();
      }
    });
  });

  describe("when the answer is in another register's namespace", () => {
    it('reports SALARY_MALFORMED_ANSWER', async () => {
      const sim = await registerAnswering((q) =>
        salaryMessages
          .buildAnswer({ header: replyHeader(q), status: 'nicht-gefunden', idNr: q.idNr })
          .replace('urn:xoev-de:evidence-broker:rvbea:1.0', 'urn:xoev-de:evidence-broker:steuerverwaltung:1.0'),
      );
      try {
        expect((await salaryFailureAgainst(sim.url)).code).to.equal('SALARY_MALFORMED_ANSWER');
      } finally {
        await sim.close();
      }
    });
  });

  describe('when the envelope disagrees with the message it carries', () => {
    it('reports SALARY_MALFORMED_ANSWER for another sender on the envelope and for another message type', async () => {
      for (const bend of [
        (xml: string) => xml.replace('<absender><behoerdenkennung>rvbea</behoerdenkennung></absender>', '<absender><behoerdenkennung>steuerverwaltung</behoerdenkennung></absender>'),
        (xml: string) => xml.replace('<code>rvbea.antwort</code>', '<code>rvbea.anfrage</code>'),
      ]) {
        const sim = await registerAnswering((q) => bend(salaryMessages.buildAnswer({ header: replyHeader(q), status: 'nicht-gefunden', idNr: q.idNr })));
        try {
          const err = await salaryFailureAgainst(sim.url);
          expect(err.code).to.equal('SALARY_MALFORMED_ANSWER');
          expect(err.message).to.match(/envelope/);
        } finally {
          await sim.close();
        }
      }
    });
  });

  describe('when the answer carries parts its status does not allow', () => {
    it('reports SALARY_MALFORMED_ANSWER for a refusal that also carries a ticket', async () => {
      // Signed by the register itself: the refusal is the content's, not the signature's.
      const sim = await registerAnswering((q) =>
        resigned(
          salaryMessages
            .buildAnswer({ header: replyHeader(q), status: 'nicht-gefunden', idNr: q.idNr })
            .replace('</person>', '</person><vorgang><vorgangsnummer>abcdefgh-1234</vorgangsnummer></vorgang>'),
          'rvbea',
        ),
      );
      try {
        const err = await salaryFailureAgainst(sim.url);
        expect(err.code).to.equal('SALARY_MALFORMED_ANSWER');
        expect(err.message).to.include('vorgang');
      } finally {
        await sim.close();
      }
    });
  });

  describe('when the register answers something that is not XML', () => {
    it('reports SALARY_MALFORMED_ANSWER for another content type and for invalid UTF-8', async () => {
      const html = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
      const latin1 = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/xml' }).end(Buffer.from([0x3c, 0x61, 0x3e, 0xe4, 0x3c, 0x2f, 0x61, 0x3e])));
      try {
        expect((await salaryFailureAgainst(html.url)).code).to.equal('SALARY_MALFORMED_ANSWER');
        expect((await salaryFailureAgainst(latin1.url)).code).to.equal('SALARY_MALFORMED_ANSWER');
      } finally {
        await html.close();
        await latin1.close();
      }
    });
  });

  describe('when the register streams an endless answer', () => {
    it('stops reading at the size limit and reports SALARY_MALFORMED_ANSWER', async () => {
      const endless = await rawServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/xml' });
        const chunk = `<a>${'x'.repeat(64 * 1024)}</a>`;
        const timer = setInterval(() => res.write(chunk), 1);
        res.on('close', () => clearInterval(timer));
      });
      try {
        const err = await salaryFailureAgainst(endless.url);
        expect(err.code).to.equal('SALARY_MALFORMED_ANSWER');
        expect(err.message).to.include('exceeds');
      } finally {
        await endless.close();
      }
    });
  });

  describe('when the register redirects elsewhere', () => {
    it('does not follow (no citizen data to addresses the directory never named) and reports SALARY_UPSTREAM_ERROR', async () => {
      let followed = false;
      const elsewhere = await rawServer((_req, res) => {
        followed = true;
        res.end();
      });
      const redirecting = await rawServer((_req, res) => res.writeHead(307, { location: elsewhere.url }).end());
      try {
        expect((await salaryFailureAgainst(redirecting.url)).code).to.equal('SALARY_UPSTREAM_ERROR');
        expect(followed).to.equal(false);
      } finally {
        await redirecting.close();
        await elsewhere.close();
      }
    });
  });
});
