// Register definitions as operators write them: the options of `registers add`, a JSON or CSV directory file
// for `registers import`, certificate files. Everything is checked before anything is written, and every
// problem names its entry or line and the field (all of them, so one run shows the whole list to fix).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import { EVIDENCE_TYPES, evidenceTypeOf, type EvidenceType } from '../../adapters/index.ts';
import { certificateStatus, instanceDefinition, jurisdictionKeys, NATIONAL_KEY, type InstanceDefinition, type PinnedCertificate, type RegisterInstance } from '../directory/register-instance.ts';
import { DirectoryError, pinnedCertificateOf, type InstanceEntry } from '../directory/register-store.ts';

/** The largest directory file `registers import` reads (a federation's directory with every AGS is a few MB). */
export const DIRECTORY_FILE_MAX_BYTES = 50 * 1024 * 1024;
const CERTIFICATE_FILE_MAX_BYTES = 1024 * 1024;

/** The columns of a CSV directory file; lists inside a cell are separated by ";" or spaces. */
export const DIRECTORY_CSV_COLUMNS = ['id', 'evidenceType', 'name', 'endpointUrl', 'jurisdiction', 'purposes', 'participants', 'enabled', 'mutualTls', 'certificateFiles'] as const;
const CSV_REQUIRED = new Set(['id', 'evidenceType', 'name', 'endpointUrl', 'jurisdiction', 'certificateFiles']);

/** A directory file read: the entries that passed every check, and the problems of those that did not. */
export interface DirectoryFile {
  format: 'json' | 'csv';
  entries: LocatedEntry[];
  problems: string[];
}

/** An entry that passed its checks, with where it stands in the file ("entry 3 (gkv-tk)", "line 4 (stv-nrw)"). */
export interface LocatedEntry extends InstanceEntry {
  where: string;
}

/** A certificate as a definition gives it: PEM text, or a file (relative paths from the directory file's folder). */
type CertificateSource = { pem: string } | { file: string };

/** One definition read from a file, not yet checked. */
interface Draft {
  /** Where it is, for problems: "entry 3" or "line 4". */
  where: string;
  input: Record<string, unknown>;
  certificates: CertificateSource[];
}

/** A definition's parts as the schema names them; `add` shows its options' names instead. */
export type FieldNames = Partial<Record<string, string>>;

/**
 * A definition checked against its type's rules, after filling what the type decides: its jurisdiction kind,
 * and all its purposes when none are named.
 */
export function checkDefinition(input: Record<string, unknown>, production: boolean, names: FieldNames = {}): { definition: InstanceDefinition } | { problems: string[] } {
  const filled = withTypeDefaults(input);
  const parsed = instanceDefinition({ production }).safeParse(filled);
  if (parsed.success) return { definition: parsed.data };
  // A kind or purposes left out are the type's: with an unknown type, only the type is worth naming.
  const leftToType = (i: z.core.$ZodIssue) => (i.path[0] === 'jurisdiction' && i.path[1] === 'kind' && !hasKind(input.jurisdiction)) || (i.path[0] === 'purposes' && input.purposes === undefined);
  const issues = parsed.error.issues.filter((i) => !leftToType(i));
  return { problems: issues.map((issue) => issueText(issue, names)) };
}

const hasKind = (j: unknown) => j !== null && typeof j === 'object' && !Array.isArray(j) && 'kind' in j;

function withTypeDefaults(input: Record<string, unknown>): Record<string, unknown> {
  const type = input.evidenceType;
  if (typeof type !== 'string' || !(EVIDENCE_TYPES as readonly string[]).includes(type)) return input;
  const descriptor = evidenceTypeOf(type as EvidenceType);
  const filled = { ...input };
  if (filled.purposes === undefined) filled.purposes = [...descriptor.purposes];
  const j = filled.jurisdiction;
  if (j !== null && typeof j === 'object' && !Array.isArray(j) && !hasKind(j)) filled.jurisdiction = { kind: descriptor.routing.kind, ...j };
  return filled;
}

function issueText(issue: z.core.$ZodIssue, names: FieldNames): string {
  const [head, ...rest] = issue.path.map(String);
  if (head === undefined) return issue.message;
  const field = names[head] ?? [head, ...rest].join('.');
  return `${field} ${issue.message}`;
}

/** The one certificate of a PEM file, checked for pinning (RSA ≥ minimum or EC P-256, valid now); `what` names it in refusals. */
export function certificateFromFile(file: string, now: Date, what: string = file): PinnedCertificate {
  let text: string;
  try {
    if (statSync(file).size > CERTIFICATE_FILE_MAX_BYTES) throw new DirectoryError(`${what}: larger than ${CERTIFICATE_FILE_MAX_BYTES / 1024} KB, not a certificate`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof DirectoryError) throw err;
    throw new DirectoryError(`${what}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return certificateFromPem(text, what, now);
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function certificateFromPem(text: string, what: string, now: Date): PinnedCertificate {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new DirectoryError(`${what}: not a PEM certificate (no -----BEGIN CERTIFICATE----- block)`);
  // NOTE: one certificate per file: a chain file would pin its CA as if it signed answers.
  if (blocks.length > 1) throw new DirectoryError(`${what}: holds ${blocks.length} certificates; give each one in its own file`);
  return pinnedCertificateOf(blocks[0]!, what, now);
}

/**
 * Reads a directory file (JSON when it ends in .json or starts with "{", CSV otherwise) and checks every entry:
 * its definition, its certificates, ids and jurisdiction keys unique within the file. Refuses a file over
 * DIRECTORY_FILE_MAX_BYTES before reading it.
 */
export function readDirectoryFile(file: string, opts: { production: boolean; now: Date; progress?: (done: number, total: number) => void }): DirectoryFile {
  const unreadable = (err: unknown) => new DirectoryError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw unreadable(err);
  }
  if (size > DIRECTORY_FILE_MAX_BYTES) {
    throw new DirectoryError(`${file} is ${(size / 1024 / 1024).toFixed(1)} MB; a directory file may be at most ${DIRECTORY_FILE_MAX_BYTES / 1024 / 1024} MB (split it into several imports)`);
  }
  let text: string;
  try {
    // A folder or a file without read permission passes statSync and fails here.
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw unreadable(err);
  }
  const format = file.toLowerCase().endsWith('.json') || (!file.toLowerCase().endsWith('.csv') && text.trimStart().startsWith('{')) ? 'json' : 'csv';
  const read = format === 'json' ? jsonDrafts(text) : csvDrafts(text);
  const baseDir = path.dirname(path.resolve(file));
  const problems = [...read.problems];
  const entries: LocatedEntry[] = [];
  for (const [i, draft] of read.drafts.entries()) {
    const id = typeof draft.input.id === 'string' && draft.input.id ? ` (${draft.input.id})` : '';
    const where = `${draft.where}${id}`;
    const checked = checkDefinition(draft.input, opts.production);
    const certificates: PinnedCertificate[] = [];
    const entryProblems = 'problems' in checked ? checked.problems.map((p) => `${where}: ${p}`) : [];
    if (draft.certificates.length === 0) entryProblems.push(`${where}: certificates must name at least one certificate to pin`);
    for (const [n, source] of draft.certificates.entries()) {
      try {
        certificates.push(
          'pem' in source ? certificateFromPem(source.pem, `certificates[${n}]`, opts.now) : certificateFromFile(path.resolve(baseDir, source.file), opts.now, `certificates[${n}] (${source.file})`),
        );
      } catch (err) {
        if (!(err instanceof DirectoryError)) throw err;
        entryProblems.push(`${where}: ${err.message}`);
      }
    }
    if (entryProblems.length === 0 && 'definition' in checked) {
      entries.push({ where, definition: checked.definition, certificates });
    }
    problems.push(...entryProblems);
    opts.progress?.(i + 1, read.drafts.length);
  }
  problems.push(...clashesWithinFile(entries));
  return { format, entries, problems };
}

function jsonDrafts(text: string): { drafts: Draft[]; problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { drafts: [], problems: [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray((doc as { registers?: unknown }).registers)) {
    return { drafts: [], problems: ['must be an object { "registers": [ … ] }'] };
  }
  const extra = Object.keys(doc).filter((k) => k !== 'registers');
  const problems = extra.length > 0 ? [`unknown top-level field(s): ${extra.join(', ')}`] : [];
  const drafts: Draft[] = [];
  for (const [i, raw] of ((doc as { registers: unknown[] }).registers).entries()) {
    const where = `entry ${i + 1}`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where}: must be an object`);
      continue;
    }
    const { certificates, ...input } = raw as Record<string, unknown>;
    const sources: CertificateSource[] = [];
    if (!Array.isArray(certificates)) {
      problems.push(`${where}: certificates must be a list of PEM texts or { "file": "<path>" }`);
    } else {
      for (const [n, c] of certificates.entries()) {
        if (typeof c === 'string') sources.push({ pem: c });
        else if (c !== null && typeof c === 'object' && typeof (c as { file?: unknown }).file === 'string' && Object.keys(c).length === 1) sources.push({ file: (c as { file: string }).file });
        else problems.push(`${where}: certificates[${n}] must be a PEM text or { "file": "<path>" }`);
      }
    }
    drafts.push({ where, input, certificates: sources });
  }
  return { drafts, problems };
}

const cellList = (cell: string | undefined) => (cell ?? '').split(/[;\s]+/).filter(Boolean);

function csvBoolean(cell: string | undefined, fallback: boolean): boolean | string {
  const v = (cell ?? '').trim().toLowerCase();
  if (v === '') return fallback;
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  return cell!; // left as text: the schema names it
}

function csvDrafts(text: string): { drafts: Draft[]; problems: string[] } {
  type Row = { record: Record<string, string>; info: { lines: number; error?: { message: string } } };
  let rows: Row[];
  let header: string[];
  try {
    header = ((parseCsv(text, { to_line: 1, trim: true }) as string[][])[0] ?? []).map(String);
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, info: true, relax_column_count: true }) as unknown as Row[];
  } catch (err) {
    return { drafts: [], problems: [`not valid CSV: ${err instanceof Error ? err.message : String(err)}`] };
  }
  const unknown = header.filter((c) => !(DIRECTORY_CSV_COLUMNS as readonly string[]).includes(c));
  const missing = [...CSV_REQUIRED].filter((c) => !header.includes(c));
  if (unknown.length > 0 || missing.length > 0) {
    return {
      drafts: [],
      problems: [`line 1: the header must name the columns ${DIRECTORY_CSV_COLUMNS.join(',')}${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`],
    };
  }
  const problems: string[] = [];
  const drafts: Draft[] = [];
  for (const { record: r, info } of rows) {
    const where = `line ${info.lines}`;
    if (info.error) {
      problems.push(`${where}: ${Object.keys(r).length} fields, the header has ${header.length}`);
      continue;
    }
    const jurisdiction = cellList(r.jurisdiction);
    const national = jurisdiction.length === 1 && jurisdiction[0] === NATIONAL_KEY;
    drafts.push({
      where,
      input: {
        id: r.id ?? '',
        evidenceType: r.evidenceType ?? '',
        name: r.name ?? '',
        endpointUrl: r.endpointUrl ?? '',
        jurisdiction: { values: national ? [] : jurisdiction },
        ...(cellList(r.purposes).length > 0 ? { purposes: cellList(r.purposes) } : {}),
        participants: cellList(r.participants).length > 0 ? cellList(r.participants) : null,
        enabled: csvBoolean(r.enabled, true),
        mutualTls: csvBoolean(r.mutualTls, false),
      },
      certificates: cellList(r.certificateFiles).map((file) => ({ file })),
    });
  }
  return { drafts, problems };
}

/** Two entries of one file with the same id, or responsible for the same jurisdiction key of a type. */
function clashesWithinFile(entries: readonly LocatedEntry[]): string[] {
  const problems: string[] = [];
  const ids = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const { where, definition: d } of entries) {
    const sameId = ids.get(d.id);
    if (sameId !== undefined) problems.push(`${where}: id ${d.id} appears already in ${sameId}`);
    else ids.set(d.id, where);
    for (const key of jurisdictionKeys(d)) {
      const holder = keys.get(`${d.evidenceType} ${key}`);
      if (holder !== undefined) problems.push(`${where}: jurisdiction ${keyText(key)} of ${d.evidenceType} is claimed already by ${holder}`);
      else keys.set(`${d.evidenceType} ${key}`, where);
    }
  }
  return problems;
}

/**
 * What the directory says against the file's entries: a jurisdiction key held by an instance left out of the
 * file (an instance in the file gives up its keys when it is replaced), and a replaced instance that would be
 * left without a valid certificate because every one the file lists was retired for it (retired stays
 * retired). The store checks the keys again when it writes.
 */
export function clashesWithDirectory(entries: readonly LocatedEntry[], directory: readonly RegisterInstance[], opts: { now: Date; retireUnlisted: boolean }): string[] {
  const inFile = new Set(entries.map((e) => e.definition.id));
  const byId = new Map(directory.map((i) => [i.id, i]));
  const held = new Map<string, string>();
  for (const instance of directory) {
    if (inFile.has(instance.id)) continue;
    for (const key of jurisdictionKeys(instance)) held.set(`${instance.evidenceType} ${key}`, instance.id);
  }
  const problems: string[] = [];
  for (const { where, definition: d, certificates } of entries) {
    for (const key of jurisdictionKeys(d)) {
      const holder = held.get(`${d.evidenceType} ${key}`);
      if (holder !== undefined) problems.push(`${where}: jurisdiction ${keyText(key)} of ${d.evidenceType} is held by register ${holder} in the directory`);
    }
    const existing = byId.get(d.id);
    if (existing === undefined) continue;
    const retired = new Set(existing.certificates.filter((c) => c.retiredAt !== null).map((c) => c.fingerprint));
    const listedUsable = certificates.some((c) => !retired.has(c.fingerprint));
    const keptUsable = !opts.retireUnlisted && existing.certificates.some((c) => certificateStatus(c, opts.now) === 'valid');
    if (!listedUsable && !keptUsable) problems.push(`${where}: certificates are all retired for ${d.id}; it would be left without a valid certificate (pin a new one)`);
  }
  return problems;
}

const keyText = (key: string) => (key === NATIONAL_KEY ? 'national' : key);
