// The sandbox population: which IdNrs a participant can try, and which registers know them.
import { expect } from 'chai';
import { isValidIdNr } from '../../broker/domain/idnr.ts';
import { NOT_IN_REGISTER as NOT_IN_INCOME } from '../../adapters/income/records.ts';
import { NOT_IN_REGISTER as NOT_IN_MATERNITY } from '../../adapters/maternity-benefit/records.ts';
import { NOT_IN_REGISTER as NOT_IN_SALARY } from '../../adapters/salary/records.ts';
import { anotherCitizen, CITIZEN_IN_NO_REGISTER, DEMO_CITIZENS, seededInt } from '../../adapters/sandbox-citizens.ts';

const LISTS = { salary: NOT_IN_SALARY, 'maternity-benefit': NOT_IN_MATERNITY, income: NOT_IN_INCOME };

describe('the sandbox citizens', () => {
  it('are all valid IdNrs, the BZSt sample number among the demo citizens', () => {
    const all = [...DEMO_CITIZENS, CITIZEN_IN_NO_REGISTER, ...Object.values(LISTS).flat()];
    for (const idNr of all) expect(isValidIdNr(idNr), idNr).to.equal(true);
    expect(DEMO_CITIZENS).to.include('86095742719');
  });

  it('the demo citizens are in every register, one citizen is in none, and each register misses one more of its own', () => {
    for (const [type, list] of Object.entries(LISTS)) {
      expect(list, type).to.include(CITIZEN_IN_NO_REGISTER);
      for (const idNr of DEMO_CITIZENS) expect(list, type).not.to.include(idNr);
    }
    const own = Object.values(LISTS).map((list) => list.filter((idNr) => idNr !== CITIZEN_IN_NO_REGISTER));
    expect(new Set(own.flat()).size).to.equal(own.flat().length);
    for (const list of own) expect(list).to.have.length.greaterThan(0);
  });

  it('another citizen is always a different demo citizen', () => {
    for (const idNr of [...DEMO_CITIZENS, CITIZEN_IN_NO_REGISTER]) {
      expect(anotherCitizen(idNr)).to.not.equal(idNr);
      expect(DEMO_CITIZENS).to.include(anotherCitizen(idNr));
    }
  });

  it('seeded values are stable and stay within their bounds', () => {
    expect(seededInt('86095742719', 'x', 1, 6)).to.equal(seededInt('86095742719', 'x', 1, 6));
    for (let i = 0; i < 200; i += 1) expect(seededInt('86095742719', `label-${i}`, 3, 5)).to.be.within(3, 5);
  });
});
