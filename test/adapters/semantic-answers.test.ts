// Answers that are valid XML, valid against their schema, and still cannot be true: negative amounts, a
// period outside the one asked for, another citizen, implausible sums. Each is refused for its own item with
// a clear reason (REJECTED_ANSWER, no amount or IdNr in the message), and the other items still arrive.
import { expect } from 'chai';
import { createIncomeAdapter } from '../../adapters/income/adapter.ts';
import { incomeMessages, type IncomeStatement } from '../../adapters/income/messages.ts';
import { createMaternityBenefitAdapter } from '../../adapters/maternity-benefit/adapter.ts';
import { maternityBenefitMessages, type MaternityBenefitStatement } from '../../adapters/maternity-benefit/messages.ts';
import { createSalaryAdapter } from '../../adapters/salary/adapter.ts';
import { salaryMessages, type SalaryStatement } from '../../adapters/salary/messages.ts';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import type { SimulatorHandle } from '../../adapters/simulator-server.ts';
import { DATABASE_KINDS, testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';
import { clock, codeOf, failureOf, inTime, registerRequest, REGISTERS, SENDER, startRegisterWithRecords } from './fixtures.ts';
import { sandboxAdapterKeys } from '../helpers/sandbox-adapter-keys.ts';

const CITIZEN = DEMO_CITIZENS[0]!;

describe('register answers that are valid but cannot be true', () => {
  for (const register of REGISTERS) {
    describe(`from the ${register.type} register`, () => {
      let sim: SimulatorHandle;
      before(async () => {
        sim = await register.start({ clock });
      });
      afterEach(() => sim.reset());
      after(() => sim.close());
      const fetch = () => register.adapter({ baseUrl: sim.url, sender: SENDER, clock, ...sandboxAdapterKeys(register.type) }).fetchEvidence(registerRequest(CITIZEN), inTime());

      it(`refuses a period outside the requested one with ${codeOf(register, 'REJECTED_ANSWER')}`, async () => {
        sim.setBehaviour({ fault: 'outside-period' });
        const err = await failureOf(fetch());
        expect(err.code).to.equal(codeOf(register, 'REJECTED_ANSWER'));
        expect(err.message).to.match(/outside the requested period/);
      });

      if (register.type === 'income') {
        it('delivers a negative taxable income: a loss year is true information, and the simulator has no such lie', async () => {
          sim.setBehaviour({ fault: 'negative-amount' });
          expect((await fetch()).status).to.equal('delivered');
        });
      } else if (register.type === 'birth-certificate') {
        it('delivers: a birth entry has no amounts, and the simulator has no such lie', async () => {
          sim.setBehaviour({ fault: 'negative-amount' });
          expect((await fetch()).status).to.equal('delivered');
        });
      } else {
        it(`refuses a negative amount with ${codeOf(register, 'REJECTED_ANSWER')}, naming no amount`, async () => {
          sim.setBehaviour({ fault: 'negative-amount' });
          const err = await failureOf(fetch());
          expect(err.code).to.equal(codeOf(register, 'REJECTED_ANSWER'));
          expect(err.message).to.match(/^negative (pay|benefit) amount$/);
        });
      }
    });
  }

  describe('that are implausible', () => {
    const req = registerRequest(CITIZEN, { period: { from: '2025-01', to: '2025-12' } });
    it('refuses net pay above gross pay', async () => {
      const statement: SalaryStatement = {
        employer: { name: 'Musterbau AG', operatorNumber: '23456781' },
        period: { from: '2025-03', to: '2025-03' },
        months: [{ month: '2025-03', grossCents: 300_000, netCents: 300_001 }],
      };
      const liar = await startRegisterWithRecords(salaryMessages, () => statement);
      try {
        const err = await failureOf(createSalaryAdapter({ baseUrl: liar.url, sender: SENDER, clock, ...sandboxAdapterKeys('salary') }).fetchEvidence(req, inTime()));
        expect([err.code, err.message]).to.deep.equal(['SALARY_REJECTED_ANSWER', 'net pay exceeds gross pay']);
      } finally {
        await liar.close();
      }
    });

    it('refuses a maternity benefit total above the daily rate for every day of its period', async () => {
      const statement: MaternityBenefitStatement = {
        insurer: { name: 'AOK Musterland', institutionCode: '108099001' },
        benefitPeriod: { from: '2025-03-01', to: '2025-03-10' },
        dailyRateCents: 1300,
        totalPaidCents: 1300 * 10 + 1,
      };
      const liar = await startRegisterWithRecords(maternityBenefitMessages, () => statement);
      try {
        const err = await failureOf(createMaternityBenefitAdapter({ baseUrl: liar.url, sender: SENDER, clock, ...sandboxAdapterKeys('maternity-benefit') }).fetchEvidence(req, inTime()));
        expect(err.code).to.equal('MATERNITY_BENEFIT_REJECTED_ANSWER');
        expect(err.message).to.equal('total paid exceeds the daily rate for every day of the benefit period');
      } finally {
        await liar.close();
      }
    });

    it('refuses an income assessment dated after the answer', async () => {
      const statement: IncomeStatement = {
        taxOffice: { name: 'Finanzamt Musterstadt', number: '9201' },
        assessments: [{ year: 2025, taxableIncomeCents: 4_200_000, assessmentDate: '2026-09-01' }], // "today" is 2026-06-15
      };
      const liar = await startRegisterWithRecords(incomeMessages, () => statement);
      try {
        const err = await failureOf(createIncomeAdapter({ baseUrl: liar.url, sender: SENDER, clock, ...sandboxAdapterKeys('income') }).fetchEvidence(req, inTime()));
        expect([err.code, err.message]).to.deep.equal(['INCOME_REJECTED_ANSWER', 'an assessment is dated after the answer was given']);
      } finally {
        await liar.close();
      }
    });
  });
});

for (const kind of DATABASE_KINDS) {
  describe(`a broker request where some registers lie (${kind})`, function () {
    let h: Harness;
    const idNr = DEMO_CITIZENS[3]!;
    before(async function () {
      const db = await testDatabase(kind);
      if (!db) return this.skip();
      h = await startHarness(db);
      const consent = await h.call('POST', '/v1/consents', {
        body: { citizen: { idNr }, grantee: AUTHORITY_ID, evidenceTypes: ['salary', 'maternity-benefit', 'income'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
      });
      expect(consent.status).to.equal(201);
    });
    after(async () => h?.close());
    beforeEach(() => {
      for (const sim of Object.values(h.sims.byType)) sim.reset();
    });

    it('refuses each lying item with its reason, never passes its data on, and still delivers the honest one', async () => {
      h.sims.byType.salary.setBehaviour({ fault: 'outside-period' });
      h.sims.byType['maternity-benefit'].setBehaviour({ fault: 'negative-amount' });
      const res = await h.call('POST', '/v1/evidence-requests', {
        body: { citizen: { idNr }, evidenceTypes: ['salary', 'maternity-benefit', 'income'], purpose: 'elterngeld', caseReference: 'EG-2026-0099', period: { from: '2025-01', to: '2025-12' }, routing: ROUTING },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.status).to.equal('partial');
      const [salary, maternity, income] = res.body.evidence;
      expect(salary).to.deep.include({ status: 'unavailable', data: null, reason: { code: 'SALARY_REJECTED_ANSWER', message: 'certificate period lies outside the requested period' } });
      expect(maternity).to.deep.include({ status: 'unavailable', data: null, reason: { code: 'MATERNITY_BENEFIT_REJECTED_ANSWER', message: 'negative benefit amount' } });
      expect(salary).not.to.have.property('dataHash');
      expect(income.status).to.equal('delivered');
      expect(JSON.stringify([salary, maternity])).not.to.include(idNr);
    });

    it('refuses an answer about another citizen and delivers the rest', async () => {
      h.sims.byType.income.setBehaviour({ fault: 'wrong-citizen' });
      const res = await h.call('POST', '/v1/evidence-requests', {
        body: { citizen: { idNr }, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', caseReference: 'EG-2026-0100', period: { from: '2025-01', to: '2025-12' }, routing: ROUTING },
      });
      expect(res.status).to.equal(201);
      const [salary, income] = res.body.evidence;
      expect(salary.status).to.equal('delivered');
      expect(income).to.deep.include({ status: 'unavailable', data: null, reason: { code: 'INCOME_REJECTED_ANSWER', message: 'answer is about another citizen' } });
      expect(JSON.stringify(income)).not.to.include(DEMO_CITIZENS[0]!);
    });
  });
}
