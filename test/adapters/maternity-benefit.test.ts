// What the statutory health insurer delivers on maternity benefit, and the statements the adapter refuses.
import { expect } from 'chai';
import type { RegisterRequest } from '../../adapters/contract.ts';
import { createMaternityBenefitAdapter } from '../../adapters/maternity-benefit/adapter.ts';
import { maternityBenefitMessages, type MaternityBenefitStatement } from '../../adapters/maternity-benefit/messages.ts';
import { startMaternityBenefitSimulator } from '../../adapters/maternity-benefit/simulator.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import type { SimulatorHandle } from '../../adapters/simulator-server.ts';
import { clock, failureOf, inTime, registerRequest, SENDER, startRegisterWithRecords } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

describe('the maternity benefit register', () => {
  let sim: SimulatorHandle;
  const fetchBenefit = async (req: RegisterRequest) => {
    const outcome = await createMaternityBenefitAdapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys('maternity-benefit') }).fetchEvidence(req, inTime());
    if (outcome.status !== 'delivered') throw new Error(`expected delivered, got ${outcome.status}`);
    return outcome.data;
  };
  before(async () => {
    sim = await startMaternityBenefitSimulator({ clock });
  });
  after(() => sim.close());

  describe('when asked about a year', () => {
    it('states one benefit period inside it, with a daily rate of at most 13 € and the matching total', async () => {
      for (const idNr of DEMO_CITIZENS) {
        const data = await fetchBenefit(registerRequest(idNr, { period: { from: '2025-01', to: '2025-12' } }));
        const { from, to } = data.benefitPeriod;
        expect(from >= '2025-01-01' && to <= '2025-12-31', `${from}..${to}`).to.equal(true);
        expect(days(from, to)).to.be.oneOf([98, 126]);
        expect(data.dailyRateCents).to.be.within(1, 1300);
        expect(data.totalPaidCents).to.equal(data.dailyRateCents * days(from, to));
        expect(data.insurer.institutionCode).to.match(/^\d{9}$/);
      }
    });
  });

  describe('when asked about a single month', () => {
    it('states a benefit period that begins in that month', async () => {
      const data = await fetchBenefit(registerRequest(DEMO_CITIZENS[0]!, { period: { from: '2025-02', to: '2025-02' } }));
      expect(data.benefitPeriod.from).to.equal('2025-02-01');
    });
  });

  describe('when a register states a benefit the request did not ask about', () => {
    const honest: MaternityBenefitStatement = {
      insurer: { name: 'AOK Musterland', institutionCode: '108099001' },
      benefitPeriod: { from: '2025-11-20', to: '2026-02-25' },
      dailyRateCents: 1300,
      totalPaidCents: 127_400,
    };
    const answering = async (statement: MaternityBenefitStatement) => {
      const liar = await startRegisterWithRecords(maternityBenefitMessages, () => statement);
      try {
        const adapter = createMaternityBenefitAdapter({ baseUrl: liar.url, sender: SENDER, clock, ...sandboxAdapterKeys('maternity-benefit') });
        return await adapter.fetchEvidence(registerRequest(DEMO_CITIZENS[0]!, { period: { from: '2025-01', to: '2025-12' } }), inTime());
      } finally {
        await liar.close();
      }
    };

    it('delivers a benefit period that runs past the requested months (it spans a birth)', async () => {
      expect((await answering(honest)).status).to.equal('delivered');
    });

    it('reports MATERNITY_BENEFIT_REJECTED_ANSWER for a period entirely outside the request', async () => {
      const err = await failureOf(answering({ ...honest, benefitPeriod: { from: '2024-01-01', to: '2024-04-07' } }));
      expect(err.code).to.equal('MATERNITY_BENEFIT_REJECTED_ANSWER');
    });

    it('reports MATERNITY_BENEFIT_REJECTED_ANSWER for a negative amount', async () => {
      const err = await failureOf(answering({ ...honest, totalPaidCents: -100 }));
      expect(err.code).to.equal('MATERNITY_BENEFIT_REJECTED_ANSWER');
    });

    it('reports MATERNITY_BENEFIT_MALFORMED_ANSWER for an Institutionskennzeichen that is not nine digits', async () => {
      const err = await failureOf(answering({ ...honest, insurer: { name: 'AOK Musterland', institutionCode: '10809900' } }));
      expect(err.code).to.equal('MATERNITY_BENEFIT_MALFORMED_ANSWER');
    });
  });
});
