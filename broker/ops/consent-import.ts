// The rows of a `consents import` CSV: consents given on paper, checked with the API's own schema, paper and
// date rules before anything is written. Problems name the line and the field, never the IdNr.
import { parse as parseCsv } from 'csv-parse/sync';
import { grantBoundsProblem, paperProblems } from '../../consent/grant-bounds.ts';
import type { ConsentGrant } from '../../consent/consent-ledger.ts';
import type { Context } from '../context.ts';
import { ConsentBody } from '../http/schemas.ts';

/** The columns an import file starts with (evidenceTypes separated by ";", validFrom may be empty). */
export const CONSENT_CSV_HEADER = 'idNr,grantee,evidenceTypes,purpose,validFrom,validUntil,paperReference,paperSignedOn';

/** Every row as a grant, or the problems of the rows that are not. */
export async function readConsentCsv(text: string, ctx: Pick<Context, 'participants' | 'clock' | 'cfg'>): Promise<{ grants: ConsentGrant[]; problems: string[] }> {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
  } catch (err) {
    // NOTE: csv-parse's message may quote a field's value (an IdNr): only its code and line are shown.
    const { code, lines } = err as { code?: string; lines?: number };
    return { grants: [], problems: [`${lines ? `line ${lines}: ` : ''}not valid CSV (${code ?? 'unreadable'})`] };
  }
  const problems: string[] = [];
  const grants: ConsentGrant[] = [];
  const known = new Set<string>();
  const now = ctx.clock();
  for (const [i, row] of rows.entries()) {
    const line = i + 2;
    const parsed = ConsentBody.safeParse({
      citizen: { idNr: row.idNr ?? '' },
      grantee: row.grantee ?? '',
      evidenceTypes: (row.evidenceTypes ?? '').split(';').map((t) => t.trim()).filter(Boolean),
      purpose: row.purpose,
      ...(row.validFrom ? { validFrom: row.validFrom } : {}),
      validUntil: row.validUntil,
      ...(row.paperReference || row.paperSignedOn ? { paper: { reference: row.paperReference ?? '', signedOn: row.paperSignedOn ?? '' } } : {}),
    });
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `line ${line}: ${issue.path.join('.') || 'row'} ${issue.message}`));
      continue;
    }
    const c = parsed.data;
    // An imported consent is one an authority holds on paper: the same form details are required.
    const paperProblemsOf = paperProblems(c.paper, 'authority', now);
    if (!c.paper || paperProblemsOf.length > 0) {
      problems.push(...paperProblemsOf.map((p) => `line ${line}: ${p.field} ${p.reason}`));
      continue;
    }
    const validFrom = c.validFrom ? new Date(c.validFrom) : now;
    const validUntil = new Date(c.validUntil);
    // Existing paper consents may have started before the import, but not before their form was signed.
    const dates = grantBoundsProblem({ validFrom, validUntil, recordedBy: 'authority', importedSignedOn: c.paper.signedOn }, now, ctx.cfg.consentMaxValidityDays);
    if (dates) {
      problems.push(`line ${line}: ${dates.field} ${dates.reason}`);
      continue;
    }
    if (!known.has(c.grantee) && !(await ctx.participants.get(c.grantee))) {
      problems.push(`line ${line}: grantee ${c.grantee} is not a known participant`);
      continue;
    }
    known.add(c.grantee);
    grants.push({
      citizenIdNr: c.citizen.idNr,
      granteeId: c.grantee,
      evidenceTypes: c.evidenceTypes,
      purpose: c.purpose,
      validFrom,
      validUntil,
      grantedBy: 'operator:consent-import',
      paper: { ...c.paper, recordedByClerk: null },
    });
  }
  return { grants, problems };
}
