// Pure rules of the clerk's history: reading and checking the filter, the store query it makes, the links.
import { expect } from 'chai';
import { historyQuery, pageCount, readHistoryForm, storeQuery, validateHistory, type HistoryForm } from '../../broker/pages/requests/validation.ts';

const form = (o: Partial<HistoryForm> = {}): HistoryForm => ({ caseReference: '', from: '', to: '', status: '', size: '', page: '', ...o });

describe('pages: the clerk history\'s filter', () => {
  it('takes an empty query as the first page of 25 of everything', () => {
    const r = validateHistory(readHistoryForm({}));
    expect(r).to.deep.equal({ ok: true, value: { caseReference: null, from: null, to: null, status: null, size: 25, page: 1 } });
    expect(r.ok && storeQuery(r.value)).to.deep.equal({ caseReference: null, createdFrom: null, createdBefore: null, status: null, offset: 0, limit: 25 });
  });

  it('turns days into Berlin instants (to includes its day) and the page into offset and limit', () => {
    const r = validateHistory(form({ caseReference: 'EG-1/2026', from: '29.3.2026', to: '2026-03-29', status: 'pending', size: '10', page: '3' }));
    expect(r.ok && storeQuery(r.value)).to.deep.equal({
      caseReference: 'EG-1/2026',
      createdFrom: new Date('2026-03-28T23:00:00.000Z'),
      // The day summer time begins has 23 hours.
      createdBefore: new Date('2026-03-29T22:00:00.000Z'),
      status: 'pending',
      offset: 20,
      limit: 10,
    });
  });

  it('reads what was typed trimmed, the first of repeated names, and cuts it short', () => {
    expect(readHistoryForm({ caseReference: '  EG-1 ', page: ['2', '3'], size: 7 })).to.deep.equal(form({ caseReference: 'EG-1', page: '2' }));
    expect(readHistoryForm({ caseReference: 'A'.repeat(500) }).caseReference).to.have.length(101);
  });

  it('refuses each bad value at its field, in page order', () => {
    const r = validateHistory(form({ caseReference: 'a<b', from: '30.02.2026', to: 'morgen', status: 'gone', size: '1000', page: '0' }));
    expect(!r.ok && [...r.errors.keys()]).to.deep.equal(['caseReference', 'from', 'to', 'status', 'size', 'page']);
    for (const page of ['-1', '1.5', '1e3', 'x', '1234567']) expect(validateHistory(form({ page })).ok, page).to.equal(false);
    expect(validateHistory(form({ page: '999999' })).ok).to.equal(true);
    expect(validateHistory(form({ caseReference: 'A'.repeat(101) })).ok).to.equal(false);
    expect(validateHistory(form({ caseReference: 'A'.repeat(100) })).ok).to.equal(true);
    const reversed = validateHistory(form({ from: '02.01.2026', to: '01.01.2026' }));
    expect(!reversed.ok && reversed.errors.get('from')).to.equal('Das Datum „von“ darf nicht nach dem Datum „bis“ liegen');
  });

  it('links another page with the filter as typed, leaving defaults out, and reads its own links back', () => {
    const r = validateHistory(form({ caseReference: 'EG 1', from: '2026-01-05', status: 'failed', size: '50' }));
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const link = historyQuery(r.value, 2);
    expect(link).to.equal('?caseReference=EG+1&from=05.01.2026&status=failed&size=50&page=2');
    const again = validateHistory(readHistoryForm(Object.fromEntries(new URLSearchParams(link))));
    expect(again).to.deep.equal({ ok: true, value: { ...r.value, page: 2 } });
    expect(historyQuery({ ...r.value, caseReference: null, from: null, status: null, size: 25 }, 1)).to.equal('');
  });

  it('counts at least one page, also for an empty list', () => {
    expect([pageCount(0, 25), pageCount(25, 25), pageCount(26, 25), pageCount(12, 10)]).to.deep.equal([1, 1, 2, 2]);
  });
});
