import { expect } from 'chai';
import { idNrProblem, isValidIdNr, withCheckDigit } from '../../broker/domain/idnr.ts';

describe('IdNr validation', () => {
  it('accepts the BZSt sample number 86095742719', () => {
    expect(isValidIdNr('86095742719')).to.equal(true);
  });
  it('refuses a wrong check digit', () => {
    expect(idNrProblem('86095742718')).to.equal('check-digit');
  });
  it('refuses wrong length, letters and a leading zero', () => {
    expect(idNrProblem('8609574271')).to.equal('format');
    expect(idNrProblem('8609574271a')).to.equal('format');
    expect(idNrProblem(withCheckDigit('0609574271'))).to.equal('leading-zero');
  });
  it('refuses digit patterns no IdNr has', () => {
    expect(idNrProblem(withCheckDigit('1234567890'))).to.equal('digit-pattern'); // no digit repeats
    expect(idNrProblem(withCheckDigit('1123456784'))).to.equal('digit-pattern'); // two digits repeat
    expect(idNrProblem(withCheckDigit('1112345678'))).to.equal('digit-pattern'); // three in a row
  });
  it('accepts a digit that occurs three times, not in a row', () => {
    expect(idNrProblem(withCheckDigit('1213145678'))).to.equal(null);
  });
  it('catches every single-digit typo in a valid number', () => {
    const valid = '86095742719';
    for (let i = 0; i < 11; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === valid[i]) continue;
        const typo = valid.slice(0, i) + d + valid.slice(i + 1);
        expect(isValidIdNr(typo), typo).to.equal(false);
      }
    }
  });
});
