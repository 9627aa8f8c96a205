// Maternity benefit on the clerk's result page: insurer, benefit period and amounts.
import { summaryList } from '../../broker/pages/kit/components.ts';
import { formatCents, formatDay } from '../../broker/pages/kit/format.ts';
import type { SafeHtml } from '../../broker/pages/kit/html.ts';
import type { MaternityBenefitEvidence } from './evidence.ts';

export function renderMaternityBenefit(d: MaternityBenefitEvidence): SafeHtml {
  return summaryList([
    { key: 'Krankenkasse', value: d.insurer.name },
    { key: 'Institutionskennzeichen', value: d.insurer.institutionCode },
    { key: 'Leistungszeitraum', value: `${formatDay(d.benefitPeriod.from)} bis ${formatDay(d.benefitPeriod.to)}` },
    { key: 'Tagessatz', value: formatCents(d.dailyRateCents) },
    { key: 'Insgesamt gezahlt', value: formatCents(d.totalPaidCents) },
  ]);
}
