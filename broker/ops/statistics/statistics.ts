// Anonymized monthly counts of evidence items delivered to authorities, per region, evidence type and register
// instance, for the
// federal statistics component (ZSK). Small counts are suppressed so no cell points at a handful of people; no
// totals are published, so a suppressed cell cannot be recovered by subtraction.
import type { Db } from '../../db/database.ts';
import type { EvidenceType } from '../../../adapters/index.ts';

/** One cell of the statistics: a month, a region, an evidence type, the register instance that delivered. */
export interface StatisticsRow {
  month: string;
  region: string;
  evidenceType: EvidenceType;
  /** The register instance (directory id). */
  register: string;
  /** null when suppressed. */
  transactions: number | null;
  suppressed: boolean;
}

/** The statistics for a range of months. */
export interface Statistics {
  from: string;
  to: string;
  suppressionThreshold: number;
  rows: StatisticsRow[];
}

const BATCH = 10_000;

/** Pure: counts keyed "month|region|type|register" to rows, small counts suppressed, sorted. */
export function toRows(counts: Map<string, number>, threshold: number): StatisticsRow[] {
  return [...counts.entries()]
    .map(([key, n]) => {
      const [month, region, evidenceType, register] = key.split('|') as [string, string, EvidenceType, string];
      const suppressed = n < threshold;
      return { month, region, evidenceType, register, transactions: suppressed ? null : n, suppressed };
    })
    .sort(
      (a, b) =>
        a.month.localeCompare(b.month) || a.region.localeCompare(b.region) || a.evidenceType.localeCompare(b.evidenceType) || a.register.localeCompare(b.register),
    );
}

const monthOf = (d: Date) => d.toISOString().slice(0, 7);

/** Bounds of a month range as dates: [first instant of `from`, first instant after `to`). */
function bounds(from: string, to: string): { gte: Date; lt: Date } {
  const [y, m] = to.split('-').map(Number) as [number, number];
  return { gte: new Date(`${from}-01T00:00:00Z`), lt: new Date(Date.UTC(y, m, 1)) };
}

export async function computeStatistics(db: Db, range: { from: string; to: string }, threshold: number): Promise<Statistics> {
  const regions = new Map((await db.participant.findMany({ select: { id: true, region: true } })).map((p) => [p.id, p.region]));
  const counts = new Map<string, number>();
  let cursor: string | undefined;
  // Batches keep memory flat however many requests the range holds.
  for (;;) {
    const requests = await db.evidenceRequest.findMany({
      where: { createdAt: bounds(range.from, range.to) },
      select: { id: true, createdAt: true, participantId: true, items: { where: { status: 'delivered' }, select: { type: true, register: true } } },
      orderBy: { id: 'asc' },
      take: BATCH,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const r of requests) {
      const region = regions.get(r.participantId) ?? 'unknown';
      for (const item of r.items) {
        // A delivered item always names its instance; rows from before the directory have the family's id.
        const key = `${monthOf(r.createdAt)}|${region}|${item.type}|${item.register ?? 'unknown'}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    if (requests.length < BATCH) break;
    cursor = requests[requests.length - 1]!.id;
  }
  return { ...range, suppressionThreshold: threshold, rows: toRows(counts, threshold) };
}

/** CSV dialects besides the default (comma, LF, decimal point, no BOM). */
export const CSV_DIALECTS = ['excel-de'] as const;
export type CsvDialect = (typeof CSV_DIALECTS)[number];

interface CsvFormat {
  separator: string;
  lineEnd: string;
  decimal: string;
  bom: string;
}

const FORMATS: Record<CsvDialect | 'default', CsvFormat> = {
  default: { separator: ',', lineEnd: '\n', decimal: '.', bom: '' },
  // German Excel opens a double-clicked file with the locale's list separator and decimal comma, and reads
  // it as UTF-8 only with a byte order mark.
  'excel-de': { separator: ';', lineEnd: '\r\n', decimal: ',', bom: '\uFEFF' },
};

/** One field: numbers with the dialect's decimal mark, text quoted when it holds a separator, quote or line break. */
function field(value: string | number | boolean | null, f: CsvFormat): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value).replace('.', f.decimal);
  const text = String(value);
  return text.includes(f.separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function statisticsCsv(s: Statistics, dialect?: CsvDialect): string {
  const f = FORMATS[dialect ?? 'default'];
  const line = (values: (string | number | boolean | null)[]) => values.map((v) => field(v, f)).join(f.separator) + f.lineEnd;
  let out = f.bom + line(['month', 'region', 'evidence_type', 'register', 'transactions', 'suppressed']);
  for (const r of s.rows) out += line([r.month, r.region, r.evidenceType, r.register, r.transactions, r.suppressed]);
  return out;
}
