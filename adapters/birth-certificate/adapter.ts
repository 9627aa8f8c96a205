// The birth certificate adapter: asks the civil-status register about the requested months as calendar days
// and maps its birth entries to BirthCertificateEvidence.
import type { RegisterAdapter } from '../contract.ts';
import { createRegisterAdapter, RejectedAnswer, type RegisterAdapterConfig } from '../register-exchange.ts';
import { BirthCertificateEvidence } from './evidence.ts';
import { birthCertificateMessages, type DayRange } from './messages.ts';

export function createBirthCertificateAdapter(cfg: RegisterAdapterConfig): RegisterAdapter<'birth-certificate', BirthCertificateEvidence> {
  return createRegisterAdapter(
    {
      evidenceType: 'birth-certificate',
      messages: birthCertificateMessages,
      evidenceSchema: BirthCertificateEvidence,
      toRegisterPeriod: monthsAsDays,
      toEvidence(statement, req, fetchedAt): BirthCertificateEvidence {
        const asked = monthsAsDays(req.period);
        const births = statement.records.map((r) => r.dateOfBirth);
        if (births.some((d) => d < asked.from || d > asked.to)) throw new RejectedAnswer('a birth lies outside the requested period');
        if (births.some((d) => d > fetchedAt.toISOString().slice(0, 10))) throw new RejectedAnswer('a birth is dated after the answer was given');
        const entries = statement.records.map((r) => r.registerEntry);
        if (new Set(entries).size !== entries.length) throw new RejectedAnswer('a register entry is listed twice');
        // The entry number carries the year it was made: a birth is registered in its year or the next.
        if (statement.records.some((r) => !isRegisteredInTime(r.registerEntry, r.dateOfBirth))) {
          throw new RejectedAnswer('a register entry does not fit the date of birth');
        }
        return { records: statement.records };
      },
    },
    cfg,
  );
}

function isRegisteredInTime(entry: string, dateOfBirth: string): boolean {
  const entryYear = Number(entry.slice(entry.lastIndexOf('/') + 1));
  const birthYear = Number(dateOfBirth.slice(0, 4));
  return entryYear === birthYear || entryYear === birthYear + 1;
}

/** 'YYYY-MM'..'YYYY-MM' as the first day of the first month to the last day of the last month. */
function monthsAsDays(period: { from: string; to: string }): DayRange {
  const [year, month] = period.to.split('-').map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);
  return { from: `${period.from}-01`, to: lastDay };
}
