// The birth-certificate evidence type: the birth entry (Geburtsurkunde) of the citizen's child from the
// civil-status register of the Standesamt at the place of birth; everything the broker knows about it is here.
import { defineEvidenceType } from '../evidence-type.ts';
import { createBirthCertificateAdapter } from './adapter.ts';
import { readBirthCertificateFragment, writeBirthCertificateFragment } from './answer-fragment.ts';
import { BirthCertificateEvidence } from './evidence.ts';
import { birthCertificateMessages } from './messages.ts';
import { renderBirthCertificate } from './page.ts';
import { NOT_IN_REGISTER } from './records.ts';
import { startBirthCertificateSimulator } from './simulator.ts';

export const birthCertificate = defineEvidenceType({
  code: 'birth-certificate',
  label: 'Geburtsurkunde',
  hint: 'Kind, Tag und Ort der Geburt, Eltern und Registernummer, vom Standesamt des Geburtsorts',
  codeListDescription: 'Geburtseintrag eines Kindes im Personenstandsregister (Geburtsurkunde)',
  register: { id: 'personenstandsregister', label: 'Standesamt – Personenstandsregister (Geburtenregister)' },
  routing: { kind: 'ags', hint: 'birthPlaceAgs' },
  sandboxInstances: [
    { id: 'standesamt-muenchen', name: 'Standesamt München', values: ['09162000'], profile: 'rsa-pss-sha256' },
    { id: 'standesamt-koeln', name: 'Standesamt Köln', values: ['05315000'], profile: 'rsa-pss-sha256' },
  ],
  config: { simulatorPort: 8094 },
  evidenceSchema: BirthCertificateEvidence,
  messages: birthCertificateMessages,
  // Family benefits that depend on a child; no legal basis in the demo policy covers it, consent does.
  purposes: ['elterngeld', 'kinderzuschlag'],
  maxPeriodMonths: { elterngeld: 36, kinderzuschlag: 300 },
  legalBases: [],
  answerFragment: { element: 'geburtsurkunde', write: writeBirthCertificateFragment, read: readBirthCertificateFragment },
  renderData: renderBirthCertificate,
  createAdapter: createBirthCertificateAdapter,
  startSimulator: startBirthCertificateSimulator,
  sandboxNotFound: NOT_IN_REGISTER,
});
