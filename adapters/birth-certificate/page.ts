// The birth certificate on the clerk's result page: one summary per birth entry (child, birth, parents, entry).
import { summaryList } from '../../broker/pages/kit/components.ts';
import { formatDay } from '../../broker/pages/kit/format.ts';
import { html, type SafeHtml } from '../../broker/pages/kit/html.ts';
import type { BirthCertificateEvidence } from './evidence.ts';

export function renderBirthCertificate(d: BirthCertificateEvidence, id: string): SafeHtml {
  return html`${d.records.map(
    (r, i) => html`<h5 class="register-data__label" id="${id}-birth-${i}">Geburtseintrag ${r.registerEntry}</h5>
${summaryList([
  { key: 'Kind', value: `${r.child.givenNames} ${r.child.familyName}` },
  { key: 'Geburtsdatum', value: formatDay(r.dateOfBirth) },
  { key: 'Geburtsort', value: `${r.placeOfBirth.municipality} (AGS ${r.placeOfBirth.ags})` },
  { key: 'Eltern', value: r.parents.map((p) => `${p.givenNames} ${p.familyName}`).join(', ') },
  { key: 'Standesamt', value: r.registryOffice.name },
  { key: 'Registernummer', value: r.registerEntry },
])}`,
  )}`;
}
