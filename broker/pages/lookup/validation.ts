// The lookup form: read as typed, then validated with the API's own schemas (EvidenceRequestBody, and
// ConsentBody for a paper consent), with German messages per field. What the clerk's authority may not
// request is refused here too, with a message, before the evidence service would refuse it.
import type { Participant } from '../../identity/auth/principal.ts';
import { LEGAL_BASES, type LegalBasis } from '../../../consent/legal-bases.ts';
import { PURPOSES, type Purpose } from '../../domain/codes.ts';
import { EVIDENCE_TYPES, type EvidenceType } from '../../../adapters/index.ts';
import { idNrProblem } from '../../domain/idnr.ts';
import { PAPER_SIGNATURE_MAX_AGE_DAYS, paperProblems, type PaperForm } from '../../../consent/grant-bounds.ts';
import { ConsentBody, EvidenceRequestBody, PaperForm as PaperFormSchema } from '../../http/schemas.ts';
import type { FieldErrors } from '../kit/components.ts';
import { berlinDay, dayString, endOfDayInBerlin, parseDay } from '../kit/dates.ts';
import { evidenceTypeLabels, purposeLabels } from '../kit/labels.ts';
import { field, fieldList } from '../kit/security.ts';
import { idNrMessage, normalizeIdNr, validateWith, type Issue, type Validated } from '../kit/validation.ts';
import { readRoutingHints, ROUTING_FIELDS, routingFieldMessage, routingFieldOf, type InsurerChoice, type RoutingField } from './routing-fields.ts';

/** Form fields in page order (the error summary lists them in this order). */
export const LOOKUP_FIELDS = [
  'idNr',
  'purpose',
  'caseReference',
  'evidenceTypes',
  ...ROUTING_FIELDS,
  'periodFrom',
  'periodTo',
  'basis',
  'paperReference',
  'paperSignedOn',
  'paperValidUntil',
  'paperConfirmed',
  'legalBasis',
] as const;

export const BASIS_CHOICES = ['existing', 'paper', 'legal-basis'] as const;

/** The lookup form as typed, for showing it again. */
export interface LookupForm {
  /** One-time id of this form, so sending it twice never fetches twice. */
  formId: string;
  idNr: string;
  purpose: string;
  caseReference: string;
  evidenceTypes: string[];
  /** The routing hints as typed: an insurer's IK, municipalities by name or AGS. */
  insurerIk: string;
  residence: string;
  birthPlace: string;
  periodFrom: string;
  periodTo: string;
  basis: string;
  paperReference: string;
  paperSignedOn: string;
  paperValidUntil: string;
  paperConfirmed: boolean;
  legalBasis: string;
}

/** A valid lookup: the API request body and, for a paper consent, what to record first. */
export interface LookupRequest {
  body: EvidenceRequestBody;
  paperConsent: { validUntil: Date; form: PaperForm } | null;
}

export function emptyLookupForm(formId: string, participant: Participant): LookupForm {
  return {
    formId,
    idNr: '',
    purpose: participant.purposes.length === 1 ? participant.purposes[0]! : '',
    caseReference: '',
    evidenceTypes: [],
    insurerIk: '',
    residence: '',
    birthPlace: '',
    periodFrom: '',
    periodTo: '',
    basis: '',
    paperReference: '',
    paperSignedOn: '',
    paperValidUntil: '',
    paperConfirmed: false,
    legalBasis: '',
  };
}

export function readLookupForm(body: unknown): LookupForm {
  const text = (name: string, max = 200) => field(body, name).trim().slice(0, max);
  return {
    formId: /^[0-9a-f-]{36}$/.test(field(body, 'formId')) ? field(body, 'formId') : '',
    idNr: text('idNr', 40),
    purpose: text('purpose', 40),
    caseReference: text('caseReference', 200),
    evidenceTypes: fieldList(body, 'evidenceTypes').slice(0, 10),
    insurerIk: text('insurerIk', 20),
    residence: text('residence', 100),
    birthPlace: text('birthPlace', 100),
    periodFrom: text('periodFrom', 20),
    periodTo: text('periodTo', 20),
    basis: text('basis', 40),
    paperReference: text('paperReference', 200),
    paperSignedOn: text('paperSignedOn', 20),
    paperValidUntil: text('paperValidUntil', 20),
    paperConfirmed: field(body, 'paperConfirmed') === 'yes',
    legalBasis: text('legalBasis', 40),
  };
}

/** "11.2025", "11/2025" or "2025-11" → "2025-11"; anything else is passed on for the schema to refuse. */
export function normalizeMonth(input: string): string {
  const german = /^(\d{1,2})[./](\d{4})$/.exec(input);
  return german ? `${german[2]}-${german[1]!.padStart(2, '0')}` : input;
}

function toField(path: readonly PropertyKey[]): string {
  const [head, sub] = path;
  if (head === 'citizen') return 'idNr';
  if (head === 'period') return sub === 'to' ? 'periodTo' : 'periodFrom';
  if (head === 'validUntil' || head === 'validFrom') return 'paperValidUntil';
  if (head === 'paper') return sub === 'signedOn' ? 'paperSignedOn' : 'paperReference';
  if (head === 'routing') return routingFieldOf(sub) ?? 'evidenceTypes';
  if (typeof head === 'string' && (LOOKUP_FIELDS as readonly string[]).includes(head)) return head;
  return 'basis';
}

function messages(idNr: string) {
  return (name: string, issue: Issue): string => {
    switch (name) {
      case 'idNr':
        return idNrMessage(idNr === '' ? 'missing' : (idNrProblem(idNr) ?? 'format'));
      case 'purpose':
        return 'Wählen Sie aus, wofür die Nachweise gebraucht werden';
      case 'caseReference':
        if (issue.code === 'too_small') return 'Geben Sie das Aktenzeichen ein';
        if (issue.code === 'too_big') return 'Das Aktenzeichen darf höchstens 100 Zeichen haben';
        return 'Das Aktenzeichen darf nur Buchstaben, Ziffern, Leerzeichen und die Zeichen . _ / - enthalten';
      case 'evidenceTypes':
        if (issue.code === 'custom' && issue.params?.reason === 'purpose') {
          const types = issue.params.types as EvidenceType[];
          return `Für diesen Zweck gibt es nicht: ${types.map((t) => evidenceTypeLabels[t]).join(', ')}`;
        }
        return issue.code === 'too_small' ? 'Wählen Sie mindestens einen Nachweis aus' : 'Wählen Sie nur Nachweise aus der Liste aus';
      case 'periodFrom':
      case 'periodTo':
        if (issue.code === 'custom' && issue.params?.reason === 'period') return `Für diesen Zweck dürfen höchstens ${String(issue.params.max)} Monate abgerufen werden`;
        if (issue.code === 'custom') return 'Der Monat „von“ darf nicht nach dem Monat „bis“ liegen';
        return `Geben Sie den Monat „${name === 'periodFrom' ? 'von' : 'bis'}“ als MM.JJJJ an, zum Beispiel 01.2026`;
      case 'legalBasis':
        return 'Wählen Sie eine Rechtsgrundlage aus der Liste aus';
      case 'paperValidUntil':
        return 'Das Ende der Gültigkeit muss nach heute liegen';
      case 'paperReference':
        if (issue.code === 'too_small') return 'Geben Sie das Kennzeichen des Formulars an';
        if (issue.code === 'too_big') return 'Das Kennzeichen des Formulars darf höchstens 64 Zeichen haben';
        return 'Das Kennzeichen des Formulars darf keine Zeilenumbrüche oder Steuerzeichen enthalten';
      case 'paperSignedOn':
        return 'Geben Sie das Datum als TT.MM.JJJJ an, zum Beispiel 03.12.2026';
      case 'insurerIk':
      case 'residence':
      case 'birthPlace':
        return routingFieldMessage(name as RoutingField, issue);
      default:
        return 'Prüfen Sie Ihre Angaben';
    }
  };
}

/**
 * Checks the form as the API would check its body. `insurers` are the ones the form offered (from the
 * directory); only the routing hints the chosen types need are read and sent.
 */
export function validateLookup(form: LookupForm, participant: Participant, now: Date, insurers: readonly InsurerChoice[]): Validated<LookupRequest> {
  const errors: FieldErrors = new Map();
  const idNr = normalizeIdNr(form.idNr);
  const routing = readRoutingHints(form, form.evidenceTypes, insurers, errors);

  if (form.periodFrom !== '' && form.periodTo === '') errors.set('periodTo', 'Geben Sie auch den Monat „bis“ an');
  if (form.periodTo !== '' && form.periodFrom === '') errors.set('periodFrom', 'Geben Sie auch den Monat „von“ an');
  if (!(BASIS_CHOICES as readonly string[]).includes(form.basis)) errors.set('basis', 'Wählen Sie aus, worauf sich der Abruf stützt');

  let paperUntil: Date | null = null;
  let paper: PaperForm | null = null;
  if (form.basis === 'paper') {
    const day = parseDay(form.paperValidUntil);
    if (form.paperValidUntil === '') errors.set('paperValidUntil', 'Geben Sie an, bis wann die Einwilligung gilt');
    else if (!day) errors.set('paperValidUntil', 'Geben Sie das Datum als TT.MM.JJJJ an, zum Beispiel 31.12.2026');
    else if (dayString(day) <= dayString(berlinDay(now))) errors.set('paperValidUntil', 'Das Ende der Gültigkeit muss nach heute liegen');
    else paperUntil = endOfDayInBerlin(day);
    if (!form.paperConfirmed) errors.set('paperConfirmed', 'Bestätigen Sie, dass die unterschriebene Einwilligung vorliegt');
    paper = validatePaperForm(form, now, idNr, errors);
  }
  if (form.basis === 'legal-basis' && form.legalBasis === '') errors.set('legalBasis', 'Wählen Sie die Rechtsgrundlage aus');

  const hasPeriod = form.periodFrom !== '' && form.periodTo !== '';
  const input = {
    citizen: { idNr },
    evidenceTypes: form.evidenceTypes,
    purpose: form.purpose === '' ? undefined : form.purpose,
    caseReference: form.caseReference,
    ...(hasPeriod ? { period: { from: normalizeMonth(form.periodFrom), to: normalizeMonth(form.periodTo) } } : {}),
    ...(form.basis === 'legal-basis' && form.legalBasis !== '' ? { legalBasis: form.legalBasis } : {}),
    ...(Object.keys(routing).length > 0 ? { routing } : {}),
  };
  const checked = validateWith(EvidenceRequestBody, input, toField, messages(idNr), errors);

  if (checked.ok && paperUntil) {
    // The consent is recorded through the same schema the API's POST /v1/consents uses.
    const consent = { citizen: { idNr }, grantee: participant.id, evidenceTypes: form.evidenceTypes, purpose: form.purpose, validUntil: paperUntil.toISOString(), ...(paper ? { paper } : {}) };
    const consentChecked = validateWith(ConsentBody, consent, toField, messages(idNr), errors);
    if (!consentChecked.ok) return consentChecked;
  }
  if (!checked.ok) return checked;

  const body = checked.value;
  const notAllowed = body.evidenceTypes.filter((t) => !participant.evidenceTypes.includes(t));
  if (notAllowed.length > 0) {
    errors.set('evidenceTypes', `Ihre Behörde darf diese Nachweise nicht abrufen: ${notAllowed.map((t) => evidenceTypeLabels[t]).join(', ')}`);
  }
  if (!participant.purposes.includes(body.purpose)) {
    errors.set('purpose', `Ihre Behörde darf keine Nachweise für ${purposeLabels[body.purpose]} abrufen`);
  }
  if (body.legalBasis !== undefined && !participant.legalBases.includes(body.legalBasis)) {
    errors.set('legalBasis', 'Auf diese Rechtsgrundlage darf sich Ihre Behörde nicht stützen');
  }
  if (errors.size > 0) return { ok: false, errors };
  return { ok: true, value: { body, paperConsent: paperUntil && paper ? { validUntil: paperUntil, form: paper } : null } };
}

/** The signed form's reference and date, checked as the API checks them (schema, then the paper rules). */
function validatePaperForm(form: LookupForm, now: Date, idNr: string, errors: FieldErrors): PaperForm | null {
  const signed = parseDay(form.paperSignedOn);
  if (form.paperSignedOn === '') errors.set('paperSignedOn', 'Geben Sie an, wann die Person das Formular unterschrieben hat');
  const stated = { reference: form.paperReference, signedOn: signed ? dayString(signed) : '' };
  const own: FieldErrors = new Map();
  const checked = validateWith(PaperFormSchema, stated, (path) => (path[0] === 'signedOn' ? 'paperSignedOn' : 'paperReference'), messages(idNr), own);
  for (const [name, message] of own) if (!errors.has(name)) errors.set(name, message);
  for (const problem of signed ? paperProblems(stated, 'authority', now) : []) {
    if (problem.kind === 'in-the-future') errors.set('paperSignedOn', 'Das Datum der Unterschrift darf nicht in der Zukunft liegen');
    if (problem.kind === 'too-old') {
      errors.set('paperSignedOn', `Die Unterschrift darf höchstens ${PAPER_SIGNATURE_MAX_AGE_DAYS} Tage zurückliegen. Lassen Sie die Einwilligung neu unterschreiben`);
    }
  }
  return checked.ok ? checked.value : null;
}

/** The evidence types, purposes and legal bases a participant may use, in code-list order (what the form offers). */
export function allowedChoices(participant: Participant): { evidenceTypes: EvidenceType[]; purposes: Purpose[]; legalBases: LegalBasis[] } {
  return {
    evidenceTypes: EVIDENCE_TYPES.filter((t) => participant.evidenceTypes.includes(t)),
    purposes: PURPOSES.filter((p) => participant.purposes.includes(p)),
    legalBases: LEGAL_BASES.filter((b) => participant.legalBases.includes(b.code)),
  };
}
