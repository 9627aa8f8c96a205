// One example per operation of the OpenAPI document (broker/http/openapi.ts): what a caller sends and what the
// broker answers, with the sandbox's demo values. The linter checks each against its schema
// (scripts/lint-openapi.sh, no-invalid-media-type-examples) and test/broker/openapi-conformance.test.ts does too.

const REQUEST_ID = '0b7e4f52-5d0c-4b1e-9a43-2f6d1c8e7a10';
const CONSENT_ID = '46037629-a315-4df9-8856-2c5990fdec21';
const HASH_A = 'ef066ecb9f282042f5008be01fc8afa42c70caef8f488062706390f319fe80a7';
const HASH_B = 'c5d18a67bbdbd8d1054e9dfe01b3075e9ee4086c72d8b2e85318ca347491b957';

export const evidenceRequestExample = {
  citizen: { idNr: '86095742719' },
  evidenceTypes: ['salary'],
  purpose: 'wohngeld',
  caseReference: 'WG-2026-0001',
  consentId: CONSENT_ID,
};

export const evidenceAnswerExample = {
  id: REQUEST_ID,
  status: 'complete',
  purpose: 'wohngeld',
  caseReference: 'WG-2026-0001',
  period: { from: '2026-10', to: '2026-11' },
  createdAt: '2026-12-07T09:15:02.363Z',
  basis: { basis: 'consent', consentId: CONSENT_ID },
  evidence: [
    {
      type: 'salary',
      status: 'delivered',
      data: {
        employer: { name: 'Musterbau AG', operatorNumber: '23456781' },
        period: { from: '2026-10', to: '2026-11' },
        months: [
          { month: '2026-10', grossCents: 380017, netCents: 240931 },
          { month: '2026-11', grossCents: 366706, netCents: 232492 },
        ],
        currency: 'EUR',
      },
      provenance: { register: 'drv-rvbea', registerName: 'Deutsche Rentenversicherung Bund – rvBEA', fetchedAt: '2026-12-07T09:15:02.895Z' },
      dataHash: HASH_A,
    },
  ],
  auditEntryId: 2,
};

export const acceptedAnswerExample = { ...evidenceAnswerExample, status: 'in-progress', evidence: [], auditEntryId: null };

export const consentBodyExample = {
  citizen: { idNr: '86095742719' },
  grantee: 'elterngeldstelle-musterstadt',
  evidenceTypes: ['salary', 'income'],
  purpose: 'wohngeld',
  validUntil: '2027-06-30T23:59:59+02:00',
  paper: { reference: 'EG-Antrag 2026/0815', signedOn: '2026-12-03' },
};

export const consentExample = {
  id: CONSENT_ID,
  citizen: { idNr: '86095742719' },
  grantee: 'elterngeldstelle-musterstadt',
  evidenceTypes: ['salary', 'income'],
  purpose: 'wohngeld',
  validFrom: '2026-12-07T09:14:11.917Z',
  validUntil: '2027-06-30T21:59:59.000Z',
  grantedAt: '2026-12-07T09:14:12.106Z',
  grantedBy: 'elterngeldstelle-musterstadt',
  state: 'active',
  revokedAt: null,
  paper: { reference: 'EG-Antrag 2026/0815', signedOn: '2026-12-03', recordedByClerk: null },
  transfers: [{ auditEntryId: 2, leafIndex: 1, at: '2026-12-07T09:15:03.101Z', requester: 'elterngeldstelle-musterstadt', requestId: REQUEST_ID, outcome: 'complete' }],
};

export const revokedConsentExample = { ...consentExample, state: 'revoked', revokedAt: '2026-12-08T10:00:00.000Z' };

export const meExample = {
  kind: 'participant',
  participantId: 'elterngeldstelle-musterstadt',
  name: 'Elterngeldstelle Musterstadt',
  region: 'DE-BY',
  may: { evidenceTypes: ['salary', 'maternity-benefit', 'income', 'birth-certificate'], purposes: ['elterngeld', 'wohngeld'], legalBases: ['beeg-9'] },
};

export const transfersExample = {
  transfers: [
    {
      auditEntryId: 2,
      leafIndex: 1,
      at: '2026-12-07T09:15:03.101Z',
      kind: 'transfer',
      requester: 'elterngeldstelle-musterstadt',
      requestId: REQUEST_ID,
      purpose: 'wohngeld',
      caseReference: 'WG-2026-0001',
      basis: { basis: 'consent', consentId: CONSENT_ID },
      outcome: 'complete',
      items: [{ type: 'salary', register: 'drv-rvbea', registerName: 'Deutsche Rentenversicherung Bund – rvBEA', status: 'delivered', dataHash: HASH_A }],
    },
  ],
};

export const verifyExample = { ok: true, entries: 3, headHash: 'e82e5753b4e238a06d97451a17847c6e3a95765f8021e955645f309bed86d674', detailsChecked: 3, signedHeadsChecked: 1 };

export const verifyBrokenExample = { ok: false, entries: 3, brokenAt: 2, reason: 'entry-hash-mismatch' };

const PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAqqucXr/Kz/8OK2uBC0LMYWOe363pb3NPwufWs0UIClg=\n-----END PUBLIC KEY-----\n';

export const checkpointsExample = {
  algorithm: 'Ed25519',
  keyId: '1b53b5491a9d9460',
  publicKey: PUBLIC_KEY,
  checkpoints: [
    {
      seq: 3,
      hash: 'e82e5753b4e238a06d97451a17847c6e3a95765f8021e955645f309bed86d674',
      createdAt: '2026-12-07T09:20:00.000Z',
      signature: 'q3f0xWl2n8yQ0m9dS6bYH4bq2yQ2r6V1o7Xb9n3m1C0k5t8pJ2vZ4hL6dR8sT0uW2yA4cE6gI8kM0oQ2sU4wY6A==',
      keyId: '1b53b5491a9d9460',
      publicKey: PUBLIC_KEY,
    },
  ],
};

export const statisticsExample = {
  from: '2026-01',
  to: '2026-11',
  suppressionThreshold: 5,
  rows: [
    { month: '2026-11', region: 'DE-BY', evidenceType: 'salary', register: 'drv-rvbea', transactions: 42, suppressed: false },
    { month: '2026-11', region: 'DE-BY', evidenceType: 'income', register: 'stv-bayern', transactions: null, suppressed: true },
  ],
};

export const statisticsCsvExample = 'month,region,evidence_type,register,transactions,suppressed\n2026-11,DE-BY,salary,drv-rvbea,42,false\n2026-11,DE-BY,income,stv-bayern,,true\n';

export const registersExample = {
  registers: [
    {
      id: 'standesamt-koeln',
      evidenceType: 'birth-certificate',
      name: 'Standesamt Köln',
      endpointUrl: 'https://standesamt.koeln.example/nachweis',
      jurisdiction: { kind: 'ags', values: ['05315000'] },
      purposes: ['elterngeld', 'kinderzuschlag'],
      participants: null,
      enabled: true,
      mutualTls: false,
      certificates: [
        {
          fingerprint: '26d398026e8f3448b67f10708fdba246d3db602d3d6e733aa01542574f552098',
          notBefore: '2026-12-01T00:00:00.000Z',
          notAfter: '2036-12-01T00:00:00.000Z',
          status: 'valid',
          profile: 'rsa-pss-sha256',
        },
      ],
    },
  ],
};

export const checkpointNoteExample =
  'evidence-broker/audit-log\n3\n6C5Xeiaf1kjNLK9X3hqGtEqXwqPTyXs1N1sHJgVAb9Q=\n\n— evidence-broker/audit-log HNI3C2mXa1ZEyq0h2l3Hq0X0m9v5XG2m0nU7QO3t0aQbY7h5dBv9Vh6Zc3xK1m8pR2sT4uV6w==\n';

export const cosignatureBodyExample = { treeSize: 3, cosignature: '— witness.example/w1 Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXhmb29iYXJiYXpxdXhxdXV4Zm9vYmFy' };

export const cosignatureExample = { treeSize: 3, witness: 'witness.example/w1', stored: true };

export const logKeyExample = 'evidence-broker/audit-log+1cd2370b+AaqrnF6/ys//DitrgQtCzGFjnt+t6W9zT8Ln1rNFCApY\n';

export const auditEntryExample = {
  index: 0,
  leaf: 'ZXZpZGVuY2UtYnJva2VyLWF1ZGl0LWxlYWY6djEKMQpjb25zZW50LWdyYW50ZWQKMjAyNi0xMi0wN1QyMzo1ODoxMi4xMDZaCg==',
  leafHash: 'c6fa9775226a7df48dd48fcae283993d87cfd528bcc0c041d20b4cbd8bd835b8',
};

export const inclusionProofExample = { index: 0, treeSize: 2, leafHash: 'c6fa9775226a7df48dd48fcae283993d87cfd528bcc0c041d20b4cbd8bd835b8', hashes: [HASH_B] };

export const consistencyProofExample = { from: 1, to: 2, hashes: [HASH_B] };

export const healthExample = { status: 'ok' };

export const readyExample = { status: 'ready', database: 'postgresql' };

export const metricsExample = '# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.\n# TYPE process_cpu_user_seconds_total counter\nprocess_cpu_user_seconds_total 1.52\n';

export const openApiExample = { openapi: '3.1.0', info: { title: 'Evidence broker (Once-Only)', version: '0.1.0' }, paths: {} };

export const docsPageExample = '<!doctype html>\n<html lang="en">…<div id="swagger-ui"></div>…</html>';

export const problemExample = {
  type: 'http://127.0.0.1:8080/problems/invalid-request',
  title: 'The request is invalid',
  status: 400,
  detail: 'Invalid body: body.citizen.idNr IdNr must be exactly 11 digits',
  code: 'invalid-request',
  instance: '/v1/evidence-requests',
  invalidParams: [{ name: 'body.citizen.idNr', reason: 'IdNr must be exactly 11 digits' }],
};
