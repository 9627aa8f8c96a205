// Scenarios every register shares, run against each real simulator through its real adapter over HTTP.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { evidenceSchemas } from '../../adapters/index.ts';
import { CITIZEN_IN_NO_REGISTER, DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { startRegisterSimulator, type SimulatorHandle } from '../../adapters/simulator-server.ts';
import { schemaErrors } from '../../adapters/xml-schemas.ts';
import { clock, codeOf, failureOf, inTime, registerRequest, REGISTERS, SENDER } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const CITIZEN = DEMO_CITIZENS[0]!;

for (const register of REGISTERS) {
  const label = `${register.type} register`;

  describe(`the ${label} (${register.messages.register})`, () => {
    let sim: SimulatorHandle;
    let adapter: ReturnType<typeof register.adapter>;
    before(async () => {
      sim = await register.start({ clock });
      adapter = register.adapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) });
    });
    afterEach(() => sim.reset());
    after(() => sim.close());

    describe('when it knows the citizen', () => {
      it('delivers evidence that fits the normalized model', async () => {
        const outcome = await adapter.fetchEvidence(registerRequest(CITIZEN), inTime());
        expect(outcome.status).to.equal('delivered');
        if (outcome.status !== 'delivered') return;
        expect(evidenceSchemas[register.type].safeParse(outcome.data).success).to.equal(true);
        expect(outcome.registerMessageId).to.match(/^[0-9a-f-]{36}$/);
        expect(outcome.fetchedAt).to.deep.equal(clock());
      });

      it('delivers the same data every time for the same citizen', async () => {
        const first = await adapter.fetchEvidence(registerRequest(CITIZEN), inTime());
        const second = await adapter.fetchEvidence(registerRequest(CITIZEN), inTime());
        expect(first.status === 'delivered' && second.status === 'delivered').to.equal(true);
        if (first.status === 'delivered' && second.status === 'delivered') expect(second.data).to.deep.equal(first.data);
      });

      it('delivers different data for different citizens', async () => {
        const data = await Promise.all(
          DEMO_CITIZENS.map(async (idNr) => {
            const outcome = await adapter.fetchEvidence(registerRequest(idNr), inTime());
            return outcome.status === 'delivered' ? JSON.stringify(outcome.data) : outcome.status;
          }),
        );
        expect(new Set(data).size).to.be.greaterThan(1);
        expect(sim.calls).to.equal(DEMO_CITIZENS.length);
      });
    });

    describe('when it does not know the citizen', () => {
      it('answers not-found for its own list and for the citizen in no register', async () => {
        expect(register.notInRegister).to.include(CITIZEN_IN_NO_REGISTER);
        expect(register.notInRegister.length).to.be.greaterThan(1);
        for (const idNr of register.notInRegister) {
          const outcome = await adapter.fetchEvidence(registerRequest(idNr), inTime());
          expect(outcome.status).to.equal('not-found');
        }
      });
    });

    describe(`when the ${label} answers 500`, () => {
      it(`reports ${codeOf(register, 'UPSTREAM_ERROR')}`, async () => {
        sim.setBehaviour({ fault: 'http-500' });
        const err = await failureOf(adapter.fetchEvidence(registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal(codeOf(register, 'UPSTREAM_ERROR'));
        expect(err.message).not.to.include(CITIZEN);
      });
    });

    describe(`when the ${label} sends truncated XML`, () => {
      it(`reports ${codeOf(register, 'MALFORMED_ANSWER')}`, async () => {
        sim.setBehaviour({ fault: 'malformed-xml' });
        const err = await failureOf(adapter.fetchEvidence(registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal(codeOf(register, 'MALFORMED_ANSWER'));
      });
    });

    describe(`when the ${label} drops the connection`, () => {
      it(`reports ${codeOf(register, 'UNREACHABLE')}`, async () => {
        sim.setBehaviour({ fault: 'reset' });
        const err = await failureOf(adapter.fetchEvidence(registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal(codeOf(register, 'UNREACHABLE'));
      });
    });

    describe(`when the ${label} is not listening at all`, () => {
      it(`reports ${codeOf(register, 'UNREACHABLE')}`, async () => {
        const gone = await register.start();
        await gone.close();
        const orphan = register.adapter({ baseUrl: gone.url, sender: SENDER, ...sandboxAdapterKeys(register.type) });
        const err = await failureOf(orphan.fetchEvidence(registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal(codeOf(register, 'UNREACHABLE'));
      });
    });

    describe(`when the ${label} answers about another citizen`, () => {
      it(`refuses the answer with ${codeOf(register, 'REJECTED_ANSWER')}`, async () => {
        sim.setBehaviour({ fault: 'wrong-citizen' });
        const err = await failureOf(adapter.fetchEvidence(registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal(codeOf(register, 'REJECTED_ANSWER'));
        expect(err.message).to.equal('answer is about another citizen');
      });
    });

    describe(`when the ${label} is slower than the caller's deadline`, () => {
      it(`reports ${codeOf(register, 'TIMEOUT')} at the deadline, not when the register answers`, async () => {
        sim.setBehaviour({ latencyMs: 2000 });
        const started = Date.now();
        const err = await failureOf(adapter.fetchEvidence(registerRequest(CITIZEN), AbortSignal.timeout(150)));
        expect(err.code).to.equal(codeOf(register, 'TIMEOUT'));
        expect(Date.now() - started).to.be.lessThan(1000);
      });

      it(`also reports ${codeOf(register, 'TIMEOUT')} when the caller cancels`, async () => {
        sim.setBehaviour({ latencyMs: 2000 });
        const cancel = new AbortController();
        setTimeout(() => cancel.abort(), 50);
        const err = await failureOf(adapter.fetchEvidence(registerRequest(CITIZEN), cancel.signal));
        expect(err.code).to.equal(codeOf(register, 'TIMEOUT'));
      });
    });

    describe(`when the ${label} accepts the query for later`, () => {
      it('answers pending with a ticket, and a poll with the ticket delivers', async () => {
        sim.setBehaviour({ fault: 'pending' });
        const req = registerRequest(CITIZEN);
        const first = await adapter.fetchEvidence(req, inTime());
        expect(first.status).to.equal('pending');
        if (first.status !== 'pending') return;
        expect(first.ticket).to.be.a('string').and.not.empty;
        expect(first.expectedBy?.getTime()).to.be.greaterThan(clock().getTime());

        const polled = await adapter.pollPending(first.ticket, req, inTime());
        expect(polled.status).to.equal('delivered');
        sim.setBehaviour({ fault: 'none' });
        const direct = await adapter.fetchEvidence(req, inTime());
        if (polled.status === 'delivered' && direct.status === 'delivered') expect(polled.data).to.deep.equal(direct.data);
      });

      it(`refuses a poll for another citizen with the same ticket (${codeOf(register, 'UPSTREAM_ERROR')})`, async () => {
        sim.setBehaviour({ fault: 'pending' });
        const first = await adapter.fetchEvidence(registerRequest(CITIZEN), inTime());
        if (first.status !== 'pending') expect.fail('expected pending');
        const err = await failureOf(adapter.pollPending(first.ticket, registerRequest(DEMO_CITIZENS[1]!), inTime()));
        expect(err.code).to.equal(codeOf(register, 'UPSTREAM_ERROR'));
        expect(err.message).to.include('unbekannter-vorgang');
      });

      it('forgets its tickets on reset', async () => {
        sim.setBehaviour({ fault: 'pending' });
        const first = await adapter.fetchEvidence(registerRequest(CITIZEN), inTime());
        if (first.status !== 'pending') expect.fail('expected pending');
        sim.reset();
        const err = await failureOf(adapter.pollPending(first.ticket, registerRequest(CITIZEN), inTime()));
        expect(err.code).to.equal(codeOf(register, 'UPSTREAM_ERROR'));
      });
    });

    describe('the query the adapter builds', () => {
      it("round-trips through the simulator's parser unchanged", async () => {
        // A register that records the request and answers "not found" in reply to it.
        let seen = '';
        const spy = await startRegisterSimulator({
          register: register.messages.register,
          handler: {
            answer(xml) {
              seen = xml;
              const query = register.messages.parseQuery(xml);
              const header = { messageId: randomUUID(), inReplyTo: query.header.messageId, createdAt: clock().toISOString(), sender: register.messages.register, recipient: query.header.sender };
              return register.messages.buildAnswer({ header, status: 'nicht-gefunden', idNr: query.idNr });
            },
          },
        });
        try {
          const req = registerRequest(CITIZEN, { requestId: 'EG-2026-0001 & Anlage <2>', purpose: 'wohngeld' });
          const outcome = await register.adapter({ baseUrl: spy.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) }).fetchEvidence(req, inTime());
          expect(outcome.status).to.equal('not-found');

          const query = register.messages.parseQuery(seen);
          expect(query).to.deep.include({ reference: req.requestId, requester: req.requester, purpose: 'wohngeld', idNr: CITIZEN, ticket: null });
          expect(query.header).to.deep.include({ sender: SENDER, recipient: register.messages.register, inReplyTo: null, createdAt: clock().toISOString() });
          expect(register.messages.parseQuery(register.messages.buildQuery(query))).to.deep.equal(query);
          // Byte for byte the same but for the envelope's own id, which every sealing draws afresh, and so the
          // digest over the inhalt that carries it and the signature value (RSASSA-PSS is randomized).
          const withoutEnvelopeId = (xml: string) =>
            xml
              .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=<\/umschlagId>|")/g, 'ID')
              .replace(/<ds:(DigestValue|SignatureValue)>[^<]*</g, '<ds:$1>VALUE<');
          expect(withoutEnvelopeId(register.messages.buildQuery(query))).to.equal(withoutEnvelopeId(seen));
          expect(schemaErrors(seen, register.messages.querySchema)).to.deep.equal([]);
        } finally {
          await spy.close();
        }
      });
    });
  });
}
