// Salary on the clerk's result page: the employer, the period and a table of pay per month.
import { summaryList } from '../../broker/pages/kit/components.ts';
import { formatCents, formatMonth } from '../../broker/pages/kit/format.ts';
import { html, type SafeHtml } from '../../broker/pages/kit/html.ts';
import type { SalaryEvidence } from './evidence.ts';

export function renderSalary(d: SalaryEvidence, id: string): SafeHtml {
  return html`${summaryList([
    { key: 'Arbeitgeber', value: d.employer.name },
    { key: 'Betriebsnummer', value: d.employer.operatorNumber },
    { key: 'Zeitraum', value: `${formatMonth(d.period.from)} bis ${formatMonth(d.period.to)}` },
  ])}
<div class="table-wrap">
<table class="table">
  <caption id="${id}-caption">Entgelt je Monat</caption>
  <thead><tr><th scope="col">Monat</th><th scope="col" class="num">Brutto</th><th scope="col" class="num">Netto</th></tr></thead>
  <tbody>
    ${d.months.map((m) => html`<tr><th scope="row">${formatMonth(m.month)}</th><td class="num">${formatCents(m.grossCents)}</td><td class="num">${formatCents(m.netCents)}</td></tr>`)}
  </tbody>
</table>
</div>`;
}
