// What the tax administration delivers on income, and the statements the income adapter refuses.
import { expect } from 'chai';
import type { RegisterRequest } from '../../adapters/contract.ts';
import { createIncomeAdapter } from '../../adapters/income/adapter.ts';
import { incomeMessages, type IncomeStatement } from '../../adapters/income/messages.ts';
import { startIncomeSimulator } from '../../adapters/income/simulator.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import type { SimulatorHandle } from '../../adapters/simulator-server.ts';
import { clock, failureOf, inTime, registerRequest, SENDER, startRegisterWithRecords, TODAY } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const today = TODAY.toISOString().slice(0, 10);

describe('the income register', () => {
  let sim: SimulatorHandle;
  const fetchIncome = async (req: RegisterRequest) => {
    const outcome = await createIncomeAdapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys('income') }).fetchEvidence(req, inTime());
    if (outcome.status !== 'delivered') throw new Error(`expected delivered, got ${outcome.status}`);
    return outcome.data;
  };
  before(async () => {
    sim = await startIncomeSimulator({ clock }); // today is 2026-06-15
  });
  after(() => sim.close());

  describe('when asked about past years', () => {
    it('delivers each assessed year of the period, assessed the year after and not after today', async () => {
      for (const idNr of DEMO_CITIZENS) {
        const data = await fetchIncome(registerRequest(idNr, { period: { from: '2023-01', to: '2025-12' } }));
        const years = data.years.map((y) => y.year);
        expect(years).to.include.members([2023, 2024]);
        expect(years.every((y) => y >= 2023 && y <= 2025)).to.equal(true);
        for (const y of data.years) {
          expect(y.assessmentDate.startsWith(String(y.year + 1))).to.equal(true);
          expect(y.assessmentDate <= today).to.equal(true);
          expect(y.taxableIncomeCents % 100).to.equal(0);
        }
        expect(data.taxOffice.number).to.match(/^\d{4}$/);
      }
    });
  });

  describe('when no year of the period is assessed yet', () => {
    it('delivers the latest assessed year before it', async () => {
      const data = await fetchIncome(registerRequest(DEMO_CITIZENS[0]!, { period: { from: '2026-01', to: '2026-05' } }));
      expect(data.years).to.have.length(1);
      expect(data.years[0]!.year).to.be.oneOf([2024, 2025]);
    });
  });

  describe('when a register states years the request did not ask about', () => {
    const honest: IncomeStatement = {
      taxOffice: { name: 'Finanzamt Musterstadt', number: '9201' },
      assessments: [{ year: 2024, taxableIncomeCents: 4_512_300, assessmentDate: '2025-05-12' }],
    };
    const answering = async (statement: IncomeStatement) => {
      const liar = await startRegisterWithRecords(incomeMessages, () => statement);
      try {
        const adapter = createIncomeAdapter({ baseUrl: liar.url, sender: SENDER, clock, ...sandboxAdapterKeys('income') });
        return await adapter.fetchEvidence(registerRequest(DEMO_CITIZENS[0]!, { period: { from: '2024-01', to: '2024-12' } }), inTime());
      } finally {
        await liar.close();
      }
    };

    it('delivers a loss year with negative taxable income (the evidence model allows it)', async () => {
      const outcome = await answering({ ...honest, assessments: [{ ...honest.assessments[0]!, taxableIncomeCents: -1_200_000 }] });
      expect(outcome.status === 'delivered' && outcome.data.years[0]!.taxableIncomeCents).to.equal(-1_200_000);
    });

    it('reports INCOME_REJECTED_ANSWER for a year after the requested period', async () => {
      const err = await failureOf(answering({ ...honest, assessments: [...honest.assessments, { year: 2025, taxableIncomeCents: 1, assessmentDate: '2026-04-01' }] }));
      expect(err.code).to.equal('INCOME_REJECTED_ANSWER');
    });

    it('reports INCOME_REJECTED_ANSWER for an assessment dated before its year ended', async () => {
      const err = await failureOf(answering({ ...honest, assessments: [{ ...honest.assessments[0]!, assessmentDate: '2024-11-30' }] }));
      expect(err.code).to.equal('INCOME_REJECTED_ANSWER');
    });
  });
});
