// Income on the clerk's result page: the tax office and a table of taxable income per assessed year.
import { summaryList } from '../../broker/pages/kit/components.ts';
import { formatCents, formatDay } from '../../broker/pages/kit/format.ts';
import { html, type SafeHtml } from '../../broker/pages/kit/html.ts';
import type { IncomeEvidence } from './evidence.ts';

export function renderIncome(d: IncomeEvidence, id: string): SafeHtml {
  return html`${summaryList([
    { key: 'Finanzamt', value: d.taxOffice.name },
    { key: 'Finanzamtsnummer', value: d.taxOffice.number },
  ])}
<div class="table-wrap">
<table class="table">
  <caption id="${id}-caption">Zu versteuerndes Einkommen je Jahr</caption>
  <thead><tr><th scope="col">Jahr</th><th scope="col" class="num">Zu versteuerndes Einkommen</th><th scope="col">Bescheid vom</th></tr></thead>
  <tbody>
    ${d.years.map((y) => html`<tr><th scope="row">${y.year}</th><td class="num">${formatCents(y.taxableIncomeCents)}</td><td>${formatDay(y.assessmentDate)}</td></tr>`)}
  </tbody>
</table>
</div>`;
}
