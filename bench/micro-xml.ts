// Micro-benchmark of the register protocol's CPU work per message, with the adapters' own message families
// (adapters/*/messages.ts) and the simulators' own records:
//   send side    — build a query (xmlbuilder2), as the adapter does for every call;
//   receive side — check and parse an answer (whatever parseAnswer does: refusals, XSD validation,
//                  fast-xml-parser, zod shape);
//   simulator    — parse a query and build the answer (what each register call costs the simulator).
// Whatever the families do per message (at the time of writing: XML Signature with xml-crypto over the
// transport envelope, RSA) is inside these rows; for comparison, the raw signature step is also timed with
// other keys (RSA-2048/3072, ECDSA P-256, Ed25519).
import { createSign, createVerify, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { incomeMessages } from '../adapters/income/messages.ts';
import { incomeStatementFor } from '../adapters/income/records.ts';
import { maternityBenefitMessages } from '../adapters/maternity-benefit/messages.ts';
import { maternityBenefitFor } from '../adapters/maternity-benefit/records.ts';
import type { MessageFamily } from '../adapters/register-envelope.ts';
import { salaryMessages } from '../adapters/salary/messages.ts';
import { salaryStatementFor } from '../adapters/salary/records.ts';
import { createRegisterResponder, type RegisterLookup } from '../adapters/simulator-responder.ts';
import type { EvidenceType } from '../adapters/index.ts';
import { benchCitizens } from './citizens.ts';
import { captureRawQueries } from './raw-queries.ts';

/** One operation's cost. */
export interface OpCost {
  family: EvidenceType;
  op: string;
  bytes: number;
  usPerOp: number;
  opsPerS: number;
}

function timeOp(fn: (i: number) => unknown, durationMs: number): { usPerOp: number; opsPerS: number } {
  // Long enough for the JIT to settle: short warm-ups overstate the cost of parsing several-fold.
  const warmEnd = performance.now() + Math.min(1000, durationMs);
  let i = 0;
  while (performance.now() < warmEnd) fn(i++);
  const start = performance.now();
  const end = start + durationMs;
  let ops = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 10; k++) fn(ops++);
  }
  const elapsed = performance.now() - start;
  return { usPerOp: (elapsed * 1000) / ops, opsPerS: ops / (elapsed / 1000) };
}

interface FamilyUnderTest {
  type: EvidenceType;
  run(durationMs: number, citizens: string[], queryXml: string): OpCost[];
}

function familyUnderTest<S, P>(type: EvidenceType, family: MessageFamily<S, P>, lookup: RegisterLookup<S, P>): FamilyUnderTest {
  return {
    type,
    run(durationMs, citizens, queryXml) {
      const responder = createRegisterResponder(family, lookup);
      const query = family.parseQuery(queryXml);
      const queries = citizens.map((idNr) => family.buildQuery({ ...query, idNr, header: { ...query.header, messageId: randomUUID() } }));
      const answers = queries.map((q) => responder.answer(q, 'none'));
      const n = citizens.length;
      const bytes = (xs: string[]) => Math.round(xs.reduce((s, x) => s + Buffer.byteLength(x), 0) / xs.length);
      return [
        {
          family: type,
          op: 'build query (send side)',
          bytes: bytes(queries),
          ...timeOp((i) => family.buildQuery({ ...query, idNr: citizens[i % n]!, header: { ...query.header, messageId: randomUUID() } }), durationMs),
        },
        { family: type, op: 'check + parse answer (receive side)', bytes: bytes(answers), ...timeOp((i) => family.parseAnswer(answers[i % n]!), durationMs) },
        { family: type, op: 'simulator: parse query + build answer', bytes: bytes(answers), ...timeOp((i) => responder.answer(queries[i % n]!, 'none'), durationMs) },
      ];
    },
  };
}

const FAMILIES: FamilyUnderTest[] = [
  familyUnderTest('salary', salaryMessages, salaryStatementFor),
  familyUnderTest('maternity-benefit', maternityBenefitMessages, (idNr, period) => maternityBenefitFor(idNr, period)),
  familyUnderTest('income', incomeMessages, incomeStatementFor),
];

export async function xmlCosts(p: { durationMs: number }): Promise<OpCost[]> {
  // One process: the message families' defaults (this process's sandbox key set) sign and verify throughout.
  const templates = await captureRawQueries(null, 16);
  const citizens = benchCitizens(200, 13);
  const out: OpCost[] = [];
  for (const f of FAMILIES) out.push(...f.run(p.durationMs, citizens, templates.bodies[f.type][0]!));
  const salaryAnswer = createRegisterResponder(salaryMessages, salaryStatementFor).answer(templates.bodies.salary[0]!, 'none');
  out.push(...signingCosts(p.durationMs, salaryAnswer));
  return out;
}

/**
 * The raw signature step on the salary answer's bytes with other keys, for comparison with what the message
 * families do (RSA via xml-crypto): RSA-2048 and RSA-3072 from a parsed KeyObject and, for RSA-3072, from a
 * PEM string parsed on every call; ECDSA P-256 and Ed25519.
 */
function signingCosts(durationMs: number, answer: string): OpCost[] {
  const bytes = Buffer.byteLength(answer);
  const data = Buffer.from(answer);
  const out: OpCost[] = [];
  const row = (op: string, fn: () => unknown) => out.push({ family: 'salary', op: `for comparison: ${op}`, bytes, ...timeOp(fn, durationMs) });
  for (const bits of [2048, 3072]) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    const sig = createSign('sha256').update(data).sign(privateKey);
    row(`RSA-${bits} sign, parsed key`, () => createSign('sha256').update(data).sign(privateKey));
    if (bits === 3072) {
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
      row(`RSA-${bits} sign, PEM parsed per call`, () => createSign('sha256').update(data).sign(pem));
    }
    row(`RSA-${bits} verify`, () => {
      if (!createVerify('sha256').update(data).verify(publicKey, sig)) throw new Error('verify failed');
    });
  }
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecSig = createSign('sha256').update(data).sign(ec.privateKey);
  row('ECDSA P-256 sign', () => createSign('sha256').update(data).sign(ec.privateKey));
  row('ECDSA P-256 verify', () => createVerify('sha256').update(data).verify(ec.publicKey, ecSig));
  const ed = generateKeyPairSync('ed25519');
  const edSig = sign(null, data, ed.privateKey);
  row('Ed25519 sign', () => sign(null, data, ed.privateKey));
  row('Ed25519 verify', () => verify(null, data, ed.publicKey, edSig));
  return out;
}
