// What the civil-status register delivers on births, and the statements the birth certificate adapter refuses.
import { expect } from 'chai';
import { createBirthCertificateAdapter } from '../../adapters/birth-certificate/adapter.ts';
import type { BirthRecord } from '../../adapters/birth-certificate/evidence.ts';
import { birthCertificateMessages, type BirthStatement } from '../../adapters/birth-certificate/messages.ts';
import { NOT_IN_REGISTER } from '../../adapters/birth-certificate/records.ts';
import { startBirthCertificateSimulator } from '../../adapters/birth-certificate/simulator.ts';
import type { RegisterRequest } from '../../adapters/contract.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import type { SimulatorHandle } from '../../adapters/simulator-server.ts';
import { clock, failureOf, inTime, registerRequest, SENDER, startRegisterWithRecords, TODAY } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const today = TODAY.toISOString().slice(0, 10);
const DEMO_PARENT = '86095742719';

describe('the civil-status register (birth certificates)', () => {
  let sim: SimulatorHandle;
  const fetchBirths = async (req: RegisterRequest) =>
    createBirthCertificateAdapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys('birth-certificate') }).fetchEvidence(req, inTime());
  const delivered = async (req: RegisterRequest) => {
    const outcome = await fetchBirths(req);
    if (outcome.status !== 'delivered') throw new Error(`expected delivered, got ${outcome.status}`);
    return outcome.data;
  };
  before(async () => {
    sim = await startBirthCertificateSimulator({ clock }); // today is 2026-06-15
  });
  after(() => sim.close());

  describe('when asked about a year in which a child was born', () => {
    it('delivers each birth of the period with its Standesamt, AGS, parents and register entry', async () => {
      for (const idNr of DEMO_CITIZENS) {
        const data = await delivered(registerRequest(idNr, { period: { from: '2025-01', to: '2025-12' } }));
        for (const r of data.records) {
          expect(r.dateOfBirth >= '2025-01-01' && r.dateOfBirth <= '2025-12-31').to.equal(true);
          expect(r.placeOfBirth.ags).to.match(/^\d{8}$/);
          expect(r.registryOffice.ags).to.equal(r.placeOfBirth.ags);
          expect(r.registerEntry).to.match(/^G \d+\/2025$/);
          expect(r.parents.length).to.be.within(1, 2);
        }
      }
    });

    it('knows the demo citizen as parent of a child born in 2026, and never a birth after today', async () => {
      const data = await delivered(registerRequest(DEMO_PARENT, { period: { from: '2026-01', to: '2026-12' } }));
      expect(data.records).to.have.length(1);
      expect(data.records[0]!.dateOfBirth.startsWith('2026-')).to.equal(true);
      expect(data.records[0]!.dateOfBirth <= today).to.equal(true);
    });
  });

  describe('when no child was born in the period', () => {
    it('answers not-found', async () => {
      expect((await fetchBirths(registerRequest(DEMO_PARENT, { period: { from: '2020-01', to: '2020-12' } }))).status).to.equal('not-found');
    });

    it('answers not-found for a citizen with no registered child', async () => {
      expect((await fetchBirths(registerRequest(NOT_IN_REGISTER[1]!))).status).to.equal('not-found');
    });
  });

  describe('when a register states births the request did not ask about', () => {
    const honest: BirthRecord = {
      registryOffice: { name: 'Standesamt Köln', ags: '05315000' },
      registerEntry: 'G 123/2025',
      child: { familyName: 'Müller', givenNames: 'Emma' },
      dateOfBirth: '2025-03-14',
      placeOfBirth: { municipality: 'Köln', ags: '05315000' },
      parents: [{ familyName: 'Müller', givenNames: 'Julia' }],
    };
    const answering = async (statement: BirthStatement) => {
      const liar = await startRegisterWithRecords(birthCertificateMessages, () => statement);
      try {
        const adapter = createBirthCertificateAdapter({ baseUrl: liar.url, sender: SENDER, clock, ...sandboxAdapterKeys('birth-certificate') });
        return await adapter.fetchEvidence(registerRequest(DEMO_CITIZENS[0]!, { period: { from: '2025-01', to: '2025-12' } }), inTime());
      } finally {
        await liar.close();
      }
    };

    it('delivers twins as two records', async () => {
      const outcome = await answering({ records: [honest, { ...honest, registerEntry: 'G 124/2025', child: { familyName: 'Müller', givenNames: 'Noah' } }] });
      expect(outcome.status === 'delivered' && outcome.data.records.length).to.equal(2);
    });

    it('reports BIRTH_CERTIFICATE_REJECTED_ANSWER for a birth outside the requested period', async () => {
      const err = await failureOf(answering({ records: [{ ...honest, dateOfBirth: '2024-12-31', registerEntry: 'G 9/2024' }] }));
      expect(err.code).to.equal('BIRTH_CERTIFICATE_REJECTED_ANSWER');
      expect(err.message).to.equal('a birth lies outside the requested period');
    });

    it('reports BIRTH_CERTIFICATE_REJECTED_ANSWER for the same register entry twice', async () => {
      const err = await failureOf(answering({ records: [honest, honest] }));
      expect(err.message).to.equal('a register entry is listed twice');
    });

    it('reports BIRTH_CERTIFICATE_REJECTED_ANSWER for an entry made years after the birth', async () => {
      const err = await failureOf(answering({ records: [{ ...honest, registerEntry: 'G 5/2021' }] }));
      expect(err.message).to.equal('a register entry does not fit the date of birth');
    });
  });
});
