// The error catalogue is complete: every code the broker can produce — found from the code that produces it
// and from the published code lists, not typed out again here — has a German and an English text for clerks
// and citizens and an action, and the catalogue holds no code the broker never reports.
import { expect } from 'chai';
import { BrokenCircuitError, BulkheadRejectedError } from 'cockatiel';
import { CODES } from '../../adapters/code-lists.ts';
import { RegisterError, type RegisterErrorKind } from '../../adapters/contract.ts';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import { ConfigError, envToConfig, readEnv } from '../../broker/config/config.ts';
import { ROUTE_REFUSAL_MESSAGES } from '../../broker/directory/routing.ts';
import { ERROR_CATALOGUE, explainCode, LANGUAGES, type AuthorizationRefusalCode } from '../../broker/domain/error-catalogue.ts';
import { problemTypeUri, ValidationError } from '../../broker/domain/errors.ts';
import { reasonOf } from '../../broker/evidence/outcome.ts';
import { policyRefusal } from '../../broker/evidence/register-policy.ts';
import { withdrawnBasisMessages, type PermissionRefusalCode } from '../../consent/policy.ts';
import { consentRefusalMessages } from '../../consent/rules.ts';

/** Compile-time: a literal list names every member of a union. */
type Covers<Union extends string, Listed extends string> = [Exclude<Union, Listed>] extends [never] ? true : never;

const REGISTER_ERROR_KINDS = ['TIMEOUT', 'UNREACHABLE', 'UPSTREAM_ERROR', 'MALFORMED_ANSWER', 'REJECTED_ANSWER', 'BAD_SIGNATURE'] as const satisfies readonly RegisterErrorKind[];
const kindsComplete: Covers<RegisterErrorKind, (typeof REGISTER_ERROR_KINDS)[number]> = true;

/** The policy's refusals (ConsentRequiredError.refusal): the consent rules' own, less the two it answers as consent-unknown. */
const PERMISSION_REFUSALS = [
  ...(Object.keys(consentRefusalMessages).filter((r) => r !== 'other-citizen' && r !== 'other-grantee') as PermissionRefusalCode[]),
  'no-consent',
  'consent-unknown',
  'legal-basis-not-applicable',
] as const;
const AUTHORIZATION_REFUSALS = ['evidence-type-not-allowed', 'purpose-not-allowed', 'legal-basis-not-allowed'] as const satisfies readonly AuthorizationRefusalCode[];
const authorizationComplete: Covers<AuthorizationRefusalCode, (typeof AUTHORIZATION_REFUSALS)[number]> = true;
void [kindsComplete, authorizationComplete];

/** Every code the broker can report, from where it is made. */
function producedCodes(): string[] {
  const perType = EVIDENCE_TYPES.flatMap((type) => [
    ...REGISTER_ERROR_KINDS.map((kind) => new RegisterError(type, kind, 'x').code),
    reasonOf(type, new Error('boom')).code,
    policyRefusal(type, new BrokenCircuitError())!.code,
    policyRefusal(type, new BulkheadRejectedError(1, 1))!.code,
  ]);
  return [
    ...CODES.errorCode.codes,
    ...CODES.registerFailure.codes,
    ...perType,
    ...Object.keys(ROUTE_REFUSAL_MESSAGES),
    ...Object.keys(withdrawnBasisMessages),
    ...PERMISSION_REFUSALS,
    ...AUTHORIZATION_REFUSALS,
  ];
}

describe('the error catalogue', () => {
  it('explains every code the broker can produce', () => {
    const missing = [...new Set(producedCodes())].filter((code) => explainCode(code) === undefined);
    expect(missing).to.deep.equal([]);
  });

  it('holds no code the broker never produces, and each code once', () => {
    const produced = new Set(producedCodes());
    const codes = ERROR_CATALOGUE.map((e) => e.code);
    expect(codes.filter((c) => !produced.has(c))).to.deep.equal([]);
    expect(new Set(codes).size).to.equal(codes.length);
  });

  it('has a title, a clerk text, a citizen text and an action in German and English for every code', () => {
    for (const entry of ERROR_CATALOGUE) {
      for (const lang of LANGUAGES) {
        for (const field of ['title', 'clerk', 'citizen', 'action'] as const) {
          const text = entry[lang][field];
          expect(text, `${entry.code} ${lang}.${field}`).to.be.a('string');
          expect(text.trim().length, `${entry.code} ${lang}.${field}`).to.be.greaterThan(2);
          expect(text, `${entry.code} ${lang}.${field}`).to.not.match(/undefined|null|\$\{/);
        }
      }
      // An English text that merely repeats the German one is a missing translation.
      expect(entry.en.clerk, entry.code).to.not.equal(entry.de.clerk);
      expect(entry.en.title, entry.code).to.not.equal(entry.de.title);
    }
  });

  it('names the evidence type in each per-type reason, in the language of the text', () => {
    const timeout = explainCode('MATERNITY_BENEFIT_TIMEOUT')!;
    expect(timeout).to.include({ family: 'register-failure', evidenceType: 'maternity-benefit', status: null });
    expect(timeout.de.clerk).to.include('„Mutterschaftsgeld“');
    expect(timeout.en.clerk).to.include('maternity benefit');
  });

  it('gives each API problem code its HTTP status, the one its error is sent with', () => {
    expect(explainCode('invalid-request')!.status).to.equal(new ValidationError('x').status);
    for (const code of CODES.errorCode.codes) expect(explainCode(code)!.status, code).to.be.within(400, 599);
    for (const entry of ERROR_CATALOGUE.filter((e) => e.family !== 'problem')) expect(entry.status, entry.code).to.equal(null);
  });

  it('keeps codes to characters that stand in a URL path as they are', () => {
    for (const entry of ERROR_CATALOGUE) expect(entry.code).to.match(/^[A-Za-z0-9_-]+$/);
  });
});

describe('PROBLEM_BASE_URL', () => {
  it("defaults to this broker's own /problems/ from HOST and PORT", () => {
    expect(envToConfig(readEnv({})).problemBaseUrl).to.equal('http://127.0.0.1:8080/problems/');
    expect(envToConfig(readEnv({ PORT: '9000', HOST: '::1' })).problemBaseUrl).to.equal('http://[::1]:9000/problems/');
  });

  it('takes a public base, adding the final slash, and the type URI is the base and the code', () => {
    const cfg = envToConfig(readEnv({ PROBLEM_BASE_URL: 'https://nachweise.example.de/problems' }));
    expect(cfg.problemBaseUrl).to.equal('https://nachweise.example.de/problems/');
    expect(problemTypeUri(cfg.problemBaseUrl, 'consent-required')).to.equal('https://nachweise.example.de/problems/consent-required');
  });

  it('refuses a relative address, another scheme, a query or a fragment, naming the variable', () => {
    for (const bad of ['/problems/', 'ftp://x.example/problems/', 'https://x.example/problems/?a=1', 'https://x.example/problems/#top', 'https://user:pw@x.example/']) {
      expect(() => readEnv({ PROBLEM_BASE_URL: bad }), bad).to.throw(ConfigError, /^invalid PROBLEM_BASE_URL:/);
    }
  });
});
