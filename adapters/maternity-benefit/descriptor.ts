// The maternity-benefit evidence type: Mutterschaftsgeld paid by the citizen's statutory health insurer;
// everything the broker knows about it is reached from here.
import { PURPOSES } from '../../broker/domain/codes.ts';
import { defineEvidenceType } from '../evidence-type.ts';
import { createMaternityBenefitAdapter } from './adapter.ts';
import { readMaternityBenefitFragment, writeMaternityBenefitFragment } from './answer-fragment.ts';
import { MaternityBenefitEvidence } from './evidence.ts';
import { maternityBenefitMessages } from './messages.ts';
import { renderMaternityBenefit } from './page.ts';
import { NOT_IN_REGISTER } from './records.ts';
import { startMaternityBenefitSimulator } from './simulator.ts';

export const maternityBenefit = defineEvidenceType({
  code: 'maternity-benefit',
  label: 'Mutterschaftsgeld',
  hint: 'Zeitraum, Tagessatz und gezahlter Betrag, von der gesetzlichen Krankenkasse',
  codeListDescription: 'Mutterschaftsgeld der gesetzlichen Krankenkasse',
  register: { id: 'gkv-mutterschaftsgeld', label: 'Gesetzliche Krankenversicherung – Mutterschaftsgeld' },
  routing: { kind: 'insurer', hint: 'insurerIk' },
  sandboxInstances: [
    { id: 'gkv-aok-bayern', name: 'AOK Bayern – Die Gesundheitskasse', values: ['108310400'], profile: 'rsa-pss-sha256' },
    { id: 'gkv-tk', name: 'Techniker Krankenkasse', values: ['101575519'], profile: 'ecdsa-p256-sha256' },
    { id: 'gkv-barmer', name: 'BARMER', values: ['104940005'], profile: 'rsa-pss-sha256' },
  ],
  config: { simulatorPort: 8092 },
  evidenceSchema: MaternityBenefitEvidence,
  messages: maternityBenefitMessages,
  purposes: PURPOSES,
  maxPeriodMonths: { elterngeld: 24, wohngeld: 12, buergergeld: 12, kinderzuschlag: 12 },
  legalBases: [],
  answerFragment: { element: 'mutterschaftsgeld', write: writeMaternityBenefitFragment, read: readMaternityBenefitFragment },
  renderData: (data) => renderMaternityBenefit(data),
  createAdapter: createMaternityBenefitAdapter,
  startSimulator: startMaternityBenefitSimulator,
  sandboxNotFound: NOT_IN_REGISTER,
});
