// The income evidence type: taxable income per assessed year from the Land's tax administration;
// everything the broker knows about it is reached from here.
import { PURPOSES } from '../../broker/domain/codes.ts';
import { defineEvidenceType } from '../evidence-type.ts';
import { createIncomeAdapter } from './adapter.ts';
import { readIncomeFragment, writeIncomeFragment } from './answer-fragment.ts';
import { IncomeEvidence } from './evidence.ts';
import { incomeMessages } from './messages.ts';
import { renderIncome } from './page.ts';
import { NOT_IN_REGISTER } from './records.ts';
import { startIncomeSimulator } from './simulator.ts';

export const income = defineEvidenceType({
  code: 'income',
  label: 'Einkommen laut Steuerbescheid',
  hint: 'Zu versteuerndes Einkommen je Jahr, von der Steuerverwaltung',
  codeListDescription: 'Einkommensdaten der Steuerverwaltung (zu versteuerndes Einkommen je Jahr)',
  register: { id: 'steuerverwaltung', label: 'Steuerverwaltung – Einkommensdaten' },
  routing: { kind: 'land', hint: 'ags' },
  sandboxInstances: [
    { id: 'stv-bayern', name: 'Bayerisches Landesamt für Steuern', values: ['09'], profile: 'rsa-pss-sha256' },
    { id: 'stv-nrw', name: 'Finanzverwaltung Nordrhein-Westfalen', values: ['05'], profile: 'ecdsa-p256-sha256' },
  ],
  config: { simulatorPort: 8093 },
  evidenceSchema: IncomeEvidence,
  messages: incomeMessages,
  purposes: PURPOSES,
  maxPeriodMonths: { elterngeld: 36, wohngeld: 36, buergergeld: 24, kinderzuschlag: 36 },
  legalBases: [{ code: 'wogg-23', citation: '§ 23 WoGG (Auskunftspflicht beim Wohngeld)', purposes: ['wohngeld'] }],
  answerFragment: { element: 'einkommen', write: writeIncomeFragment, read: readIncomeFragment },
  renderData: renderIncome,
  createAdapter: createIncomeAdapter,
  startSimulator: startIncomeSimulator,
  sandboxNotFound: NOT_IN_REGISTER,
});
