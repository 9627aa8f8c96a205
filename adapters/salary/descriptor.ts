// The salary evidence type: rvBEA salary certificates (Entgeltbescheinigungen) from employers via the
// pension insurance; everything the broker knows about it is reached from here.
import { PURPOSES } from '../../broker/domain/codes.ts';
import { defineEvidenceType } from '../evidence-type.ts';
import { createSalaryAdapter } from './adapter.ts';
import { readSalaryFragment, writeSalaryFragment } from './answer-fragment.ts';
import { SalaryEvidence } from './evidence.ts';
import { salaryMessages } from './messages.ts';
import { renderSalary } from './page.ts';
import { NOT_IN_REGISTER } from './records.ts';
import { startSalarySimulator } from './simulator.ts';

export const salary = defineEvidenceType({
  code: 'salary',
  label: 'Entgelt (Lohn und Gehalt)',
  hint: 'Brutto- und Nettoentgelt je Monat, von den Arbeitgebern über die Rentenversicherung (rvBEA)',
  codeListDescription: 'Entgeltbescheinigung (Arbeitsentgelt je Monat, rvBEA-Verfahren)',
  register: { id: 'rvbea', label: 'Deutsche Rentenversicherung – Entgeltbescheinigungen (rvBEA)' },
  routing: { kind: 'national' },
  sandboxInstances: [{ id: 'drv-rvbea', name: 'Deutsche Rentenversicherung Bund – rvBEA', values: [], profile: 'rsa-pss-sha256' }],
  config: { simulatorPort: 8091 },
  evidenceSchema: SalaryEvidence,
  messages: salaryMessages,
  purposes: PURPOSES,
  maxPeriodMonths: { elterngeld: 24, wohngeld: 12, buergergeld: 12, kinderzuschlag: 12 },
  legalBases: [
    { code: 'beeg-9', citation: '§ 9 BEEG (Einkommensnachweis für das Elterngeld)', purposes: ['elterngeld'] },
    { code: 'wogg-23', citation: '§ 23 WoGG (Auskunftspflicht beim Wohngeld)', purposes: ['wohngeld'] },
    { code: 'sgb2-57', citation: '§ 57 SGB II (Auskunftspflicht von Arbeitgebern)', purposes: ['buergergeld'] },
  ],
  answerFragment: { element: 'entgelt', write: writeSalaryFragment, read: readSalaryFragment },
  renderData: renderSalary,
  createAdapter: createSalaryAdapter,
  startSimulator: startSalarySimulator,
  sandboxNotFound: NOT_IN_REGISTER,
});
