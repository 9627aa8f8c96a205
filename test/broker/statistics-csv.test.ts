// The statistics as CSV that German Excel opens on a double click: `?format=csv&dialect=excel-de`.
import { expect } from 'chai';
import { DEMO_CITIZENS } from '../../adapters/sandbox-citizens.ts';
import { statisticsCsv } from '../../broker/ops/statistics/statistics.ts';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

describe('statistics CSV dialects', () => {
  let h: Harness;
  let operator: string;
  const month = new Date().toISOString().slice(0, 7);
  // Raw bytes: fetch's text() drops a byte order mark, which is exactly what the test must see.
  const raw = async (query: string) => {
    const res = await fetch(`${h.url}/v1/statistics?${query}`, { headers: { authorization: `Bearer ${operator}` } });
    return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  };

  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!);
    const idNr = DEMO_CITIZENS[0]!;
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr }, grantee: AUTHORITY_ID, evidenceTypes: ['salary'], purpose: 'wohngeld', paper: PAPER_FORM, validUntil: inAYear() },
    });
    expect(consent.status).to.equal(201);
    const res = await h.call('POST', '/v1/evidence-requests', { body: { citizen: { idNr }, evidenceTypes: ['salary'], purpose: 'wohngeld', caseReference: 'WG-CSV', routing: ROUTING } });
    expect(res.status).to.equal(201);
    operator = await h.operatorToken();
  });
  after(async () => h?.close());

  it('excel-de: UTF-8 BOM, semicolons, CRLF; the default dialect is unchanged', async () => {
    const de = await raw(`from=${month}&to=${month}&format=csv&dialect=excel-de`);
    expect(de.status, de.bytes.toString()).to.equal(200);
    expect(de.type).to.match(/^text\/csv; charset=utf-8/);
    expect([...de.bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
    const text = de.bytes.subarray(3).toString('utf8');
    expect(text.startsWith('month;region;evidence_type;register;transactions;suppressed\r\n')).to.equal(true);
    expect(text).to.include(`${month};DE-BY;salary;drv-rvbea;;true\r\n`);
    expect(text.replaceAll('\r\n', '')).not.to.match(/[\r\n]/);

    const plain = await raw(`from=${month}&to=${month}&format=csv`);
    expect(plain.bytes[0]).to.equal('m'.charCodeAt(0));
    const plainText = plain.bytes.toString('utf8');
    expect(plainText.split('\n')[0]).to.equal('month,region,evidence_type,register,transactions,suppressed');
    expect(plainText).to.include(`${month},DE-BY,salary,drv-rvbea,,true\n`);
    expect(plainText).not.to.include('\r');
  });

  it('a dialect alone means CSV', async () => {
    const de = await raw(`from=${month}&to=${month}&dialect=excel-de`);
    expect(de.type).to.match(/^text\/csv/);
    expect([...de.bytes.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
  });

  it('an unknown dialect, or a dialect with JSON, is a 400 naming it', async () => {
    const res = await h.call('GET', '/v1/statistics?format=csv&dialect=excel-fr', { token: operator });
    expect(res.status).to.equal(400);
    expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const param = res.body.invalidParams.find((p: { name: string }) => p.name === 'query.dialect');
    expect(param, JSON.stringify(res.body)).to.not.equal(undefined);
    expect(param.reason).to.include('"excel-fr"').and.to.include('excel-de');
    const json = await h.call('GET', '/v1/statistics?format=json&dialect=excel-de', { token: operator });
    expect(json.status).to.equal(400);
    expect(JSON.stringify(json.body)).to.include('query.dialect');
  });

  it('numbers with decimals get a decimal comma in excel-de, a point by default; separators in text are quoted', () => {
    const stats = {
      from: '2026-01',
      to: '2026-01',
      suppressionThreshold: 5,
      rows: [{ month: '2026-01', region: 'DE;BY', evidenceType: 'salary' as const, register: 'a"b', transactions: 12.5, suppressed: false }],
    };
    expect(statisticsCsv(stats, 'excel-de').split('\r\n')[1]).to.equal('2026-01;"DE;BY";salary;"a""b";12,5;false');
    expect(statisticsCsv(stats).split('\n')[1]).to.equal('2026-01,DE;BY,salary,"a""b",12.5,false');
  });
});
