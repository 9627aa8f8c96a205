// Property-based: whatever a caller sends — random JSON, mutations of a valid request, odd headers — the
// broker answers 2xx or 4xx, never 5xx, every error is problem+json, and the audit chain still verifies.
import { expect } from 'chai';
import fc from 'fast-check';
import { testDatabase } from '../helpers/databases.ts';
import { AUTHORITY_ID, ROUTING, startHarness, type Harness } from '../helpers/harness.ts';
import { PAPER_FORM } from '../helpers/paper-form.ts';

const VALID = { citizen: { idNr: '86095742719' }, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', caseReference: 'EG-P-1', routing: ROUTING };

/** A valid request with one field replaced, removed or added. */
const mutated = fc.oneof(
  fc.record({ key: fc.constantFrom('citizen', 'evidenceTypes', 'purpose', 'caseReference', 'consentId', 'legalBasis', 'period', 'extra'), value: fc.jsonValue() }).map(
    ({ key, value }) => ({ ...VALID, [key]: value }),
  ),
  fc.constantFrom('citizen', 'evidenceTypes', 'purpose', 'caseReference').map((key) => Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== key))),
  fc.string({ maxLength: 14 }).map((idNr) => ({ ...VALID, citizen: { idNr } })),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }).map((evidenceTypes) => ({ ...VALID, evidenceTypes })),
  fc.record({ from: fc.string({ maxLength: 8 }), to: fc.string({ maxLength: 8 }) }).map((period) => ({ ...VALID, period })),
);

describe('property: no input makes the broker fail', function () {
  this.timeout(120_000);
  let h: Harness;
  before(async () => {
    h = await startHarness((await testDatabase('sqlite'))!, { config: { rateLimitPerMinute: 100_000 } });
    const consent = await h.call('POST', '/v1/consents', {
      body: { citizen: { idNr: '86095742719' }, grantee: AUTHORITY_ID, evidenceTypes: ['salary', 'income'], purpose: 'elterngeld', paper: PAPER_FORM, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(consent.status).to.equal(201);
  });
  after(async () => h?.close());

  const expectClean = (res: { status: number; headers: Headers; body: unknown }) => {
    expect(res.status, JSON.stringify(res.body)).to.be.within(200, 499);
    if (res.status >= 400) expect(res.headers.get('content-type')).to.match(/^application\/(problem\+json|problem\+xml|xml)/);
  };

  it('random JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        expectClean(await h.call('POST', '/v1/evidence-requests', { body: JSON.stringify(value) }));
      }),
      { numRuns: 150 },
    );
  });

  it('mutations of a valid request', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, async (value) => {
        expectClean(await h.call('POST', '/v1/evidence-requests', { body: value }));
      }),
      { numRuns: 150 },
    );
  });

  it('random bytes, content types and header values', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom('application/json', 'application/xml', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
        fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
        async (bytes, contentType, headerValue) => {
          const res = await fetch(`${h.url}/v1/evidence-requests`, {
            method: 'POST',
            headers: { authorization: `Bearer ${h.token}`, 'content-type': contentType, 'idempotency-key': headerValue || 'x', prefer: headerValue },
            body: bytes,
          });
          const text = await res.text();
          expectClean({ status: res.status, headers: res.headers, body: text });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('leaves an audit chain that verifies', async () => {
    const res = await h.call('GET', '/v1/audit/verify', { token: await h.operatorToken() });
    expect(res.body.ok).to.equal(true);
  });
});
