// What the salary register (rvBEA) delivers, and the certificates the salary adapter refuses.
import { expect } from 'chai';
import type { RegisterRequest } from '../../adapters/contract.ts';
import { createSalaryAdapter } from '../../adapters/salary/adapter.ts';
import { salaryMessages, type SalaryStatement } from '../../adapters/salary/messages.ts';
import { startSalarySimulator } from '../../adapters/salary/simulator.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import type { SimulatorHandle } from '../../adapters/simulator-server.ts';
import { clock, failureOf, inTime, registerRequest, SENDER, startRegisterWithRecords } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const CITIZEN = DEMO_CITIZENS[0]!;

describe('the salary register', () => {
  let sim: SimulatorHandle;
  const fetchSalary = async (req: RegisterRequest) => {
    const outcome = await createSalaryAdapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys('salary') }).fetchEvidence(req, inTime());
    if (outcome.status !== 'delivered') throw new Error(`expected delivered, got ${outcome.status}`);
    return outcome.data;
  };
  before(async () => {
    sim = await startSalarySimulator({ clock }); // today is 2026-06-15
  });
  after(() => sim.close());

  describe('when asked for a past year', () => {
    it('certifies every month of it, with plausible pay from one employer', async () => {
      const data = await fetchSalary(registerRequest(CITIZEN, { period: { from: '2025-01', to: '2025-12' } }));
      expect(data.period).to.deep.equal({ from: '2025-01', to: '2025-12' });
      expect(data.months.map((m) => m.month)).to.deep.equal(Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`));
      expect(data.employer.operatorNumber).to.match(/^\d{8}$/);
      for (const m of data.months) {
        expect(m.grossCents).to.be.within(200_000, 1_100_000);
        expect(m.netCents).to.be.within(m.grossCents * 0.55, m.grossCents * 0.75);
      }
    });
  });

  describe('when the period reaches into months not yet settled', () => {
    it('certifies only the settled months, so the answer stays inside the period', async () => {
      const data = await fetchSalary(registerRequest(CITIZEN, { period: { from: '2026-01', to: '2026-12' } }));
      expect(data.period).to.deep.equal({ from: '2026-01', to: '2026-05' });
      expect(data.months).to.have.length(5);
    });

    it('answers not-found when no month of the period is settled yet', async () => {
      const adapter = createSalaryAdapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys('salary') });
      const outcome = await adapter.fetchEvidence(registerRequest(CITIZEN, { period: { from: '2026-07', to: '2026-09' } }), inTime());
      expect(outcome.status).to.equal('not-found');
    });
  });

  describe('when a register certifies something the request did not ask for', () => {
    const honest: SalaryStatement = {
      employer: { name: 'Müller & Söhne <Bau> GmbH', operatorNumber: '01234567' },
      period: { from: '2025-03', to: '2025-04' },
      months: [
        { month: '2025-03', grossCents: 350_000, netCents: 230_000 },
        { month: '2025-04', grossCents: 350_000, netCents: 230_000 },
      ],
    };
    const req = registerRequest(CITIZEN, { period: { from: '2025-03', to: '2025-04' } });
    const answering = async (statement: SalaryStatement) => {
      const liar = await startRegisterWithRecords(salaryMessages, () => statement);
      try {
        return await createSalaryAdapter({ baseUrl: liar.url, sender: SENDER, clock, ...sandboxAdapterKeys('salary') }).fetchEvidence(req, inTime());
      } finally {
        await liar.close();
      }
    };

    it('delivers an honest certificate exactly, special characters and leading zeros included', async () => {
      const outcome = await answering(honest);
      expect(outcome.status === 'delivered' && outcome.data).to.deep.equal({ ...honest, currency: 'EUR' });
    });

    it('reports SALARY_REJECTED_ANSWER for a month outside the requested period', async () => {
      const err = await failureOf(
        answering({ ...honest, period: { from: '2025-03', to: '2025-05' }, months: [...honest.months, { month: '2025-05', grossCents: 1, netCents: 1 }] }),
      );
      expect(err.code).to.equal('SALARY_REJECTED_ANSWER');
      expect(err.message).to.equal('certificate period lies outside the requested period');
    });

    it('reports SALARY_REJECTED_ANSWER for a negative amount, without the amount in the message', async () => {
      const err = await failureOf(answering({ ...honest, months: [honest.months[0]!, { month: '2025-04', grossCents: 350_000, netCents: -123_456 }] }));
      expect(err.code).to.equal('SALARY_REJECTED_ANSWER');
      expect(err.message).not.to.match(/1234|-/);
    });

    it('reports SALARY_REJECTED_ANSWER for a month certified twice', async () => {
      const err = await failureOf(answering({ ...honest, months: [honest.months[0]!, honest.months[0]!] }));
      expect(err.code).to.equal('SALARY_REJECTED_ANSWER');
    });
  });
});
