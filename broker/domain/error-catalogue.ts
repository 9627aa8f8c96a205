// Every code the broker reports — API problem codes, per-item reasons (`SALARY_TIMEOUT` …), routing refusals,
// withdrawn bases, consent and authorization refusals — with a German and an English text for clerks and for
// citizens and what to do about it. One catalogue: the problem pages (/problems/<code>) and the clerk's result
// read it. The unions it is keyed by make a new code without text a compile error; the per-type reasons are
// made from the evidence types' list. It sits above adapters/ and consent/: only pages and tests import it.
import { reasonPrefix, type RegisterErrorKind } from '../../adapters/contract.ts';
import { EVIDENCE_TYPE_LIST, evidenceTypeOf, type EvidenceType } from '../../adapters/index.ts';
import type { PermissionRefusalCode, WithdrawnBasis } from '../../consent/policy.ts';
import type { RouteRefusal } from '../directory/routing.ts';
import type { AuthorizationRefusal } from '../evidence/authorize.ts';
import type { ErrorCode } from './error-codes.ts';

/** The languages every code is explained in; German first (the default). */
export const LANGUAGES = ['de', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** One code's texts in one language. */
export interface CodeTexts {
  /** A few words, for headings and status tags. */
  title: string;
  /** What happened, for a clerk or a case-management system's operator. */
  clerk: string;
  /** What happened, for the citizen the request was about. */
  citizen: string;
  /** What the reader can do next. */
  action: string;
}

type Bilingual<T> = { readonly [L in Language]: T };

/** Where a code comes from; the problem pages group by it. */
export type CodeFamily = 'problem' | 'register-failure' | 'route-refusal' | 'withdrawn-basis' | 'consent-refusal' | 'authorization-refusal';

/** One code of the catalogue. */
export interface CatalogueEntry {
  code: string;
  family: CodeFamily;
  /** The HTTP status an API problem comes with; null for codes that are not an HTTP answer of their own. */
  status: number | null;
  /** The evidence type a per-item reason is about. */
  evidenceType: EvidenceType | null;
  de: CodeTexts;
  en: CodeTexts;
}

/** Why a register call failed: the adapters' RegisterError kinds, the register policy's refusals, and our own fault. */
export type RegisterFailureKind = RegisterErrorKind | 'CIRCUIT_OPEN' | 'BUSY' | 'INTERNAL';

/** The code a refusal of the directory (broker/evidence/authorize.ts) is audited with. */
export type AuthorizationRefusalCode = AuthorizationRefusal['reason'];

export const FAMILY_TITLES: Record<CodeFamily, Bilingual<string>> = {
  problem: { de: 'Fehler der Programmierschnittstelle (API)', en: 'API errors' },
  'register-failure': { de: 'Nachweise, die ein Register nicht geliefert hat', en: 'Evidence a register did not deliver' },
  'route-refusal': { de: 'Nachweise, für die kein Register gefragt wurde', en: 'Evidence no register was asked for' },
  'withdrawn-basis': { de: 'Nachweise, deren Grundlage vor der Lieferung entfiel', en: 'Evidence whose basis ended before delivery' },
  'consent-refusal': { de: 'Abgelehnt: keine Einwilligung oder Rechtsgrundlage', en: 'Refused: no consent or legal basis' },
  'authorization-refusal': { de: 'Abgelehnt: für die Behörde nicht freigeschaltet', en: 'Refused: not permitted for the authority' },
};

const T = (title: string, clerk: string, citizen: string, action: string): CodeTexts => ({ title, clerk, citizen, action });

const RETRY_DE = 'Versuchen Sie es in einigen Minuten erneut. Bleibt der Fehler, nennen Sie dem Betrieb den Fehlercode und die Nummer der Anfrage.';
const RETRY_EN = 'Try again in a few minutes. If it persists, give the operators the code and the request number.';
const NOTHING_DE = 'Es wurden keine Daten über Sie abgerufen.';
const NOTHING_EN = 'No data about you were fetched.';

const PROBLEM_STATUS: Record<ErrorCode, number> = {
  'invalid-request': 400,
  unauthenticated: 401,
  forbidden: 403,
  'consent-required': 403,
  'not-found': 404,
  conflict: 409,
  'idempotency-key-reused': 422,
  'rate-limited': 429,
  overloaded: 503,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'upstream-failure': 502,
  internal: 500,
};

const PROBLEMS: Record<ErrorCode, Bilingual<CodeTexts>> = {
  'invalid-request': {
    de: T(
      'Anfrage ungültig',
      'Die Anfrage entspricht nicht der Schnittstelle: ein Feld fehlt, hat ein falsches Format (zum Beispiel eine Steuer-ID mit falscher Prüfziffer) oder ist nicht erlaubt. Die Felder stehen in invalidParams.',
      `Eine Behörde hat eine fehlerhafte Anfrage gestellt. Sie wurde abgewiesen. ${NOTHING_DE}`,
      'Korrigieren Sie die genannten Felder und senden Sie die Anfrage erneut.',
    ),
    en: T(
      'Invalid request',
      'The request does not fit the interface: a field is missing, has a wrong format (for example a tax ID with a wrong check digit) or is not allowed. invalidParams names the fields.',
      `An authority sent a faulty request. It was turned away. ${NOTHING_EN}`,
      'Correct the fields named and send the request again.',
    ),
  },
  unauthenticated: {
    de: T(
      'Anmeldung erforderlich',
      'Die Anfrage kam ohne gültigen Zugang: kein oder ein ungültiges Token, oder kein gültiges Client-Zertifikat.',
      `Eine Anfrage ohne gültige Anmeldung wurde abgewiesen. ${NOTHING_DE}`,
      'Senden Sie die Anfrage mit einem gültigen Token oder Client-Zertifikat. Ein abgelaufenes Token stellt der Betrieb neu aus.',
    ),
    en: T(
      'Authentication required',
      'The request came without valid credentials: no token or an invalid one, or no valid client certificate.',
      `A request without valid sign-in was turned away. ${NOTHING_EN}`,
      'Send the request with a valid token or client certificate. The operators issue a new token when one has expired.',
    ),
  },
  forbidden: {
    de: T(
      'Nicht erlaubt',
      'Der Eintrag der Behörde im Verzeichnis erlaubt diese Anfrage nicht (Nachweisart, Zweck oder Rechtsgrundlage), oder der Zugang darf diese Daten nicht sehen.',
      `Eine Behörde hat etwas angefragt, das sie nicht abrufen darf. Die Anfrage wurde abgelehnt. ${NOTHING_DE}`,
      'Fragen Sie nur an, wofür Ihre Behörde freigeschaltet ist (GET /v1/me). Eine Erweiterung beantragen Sie beim Betrieb des Verzeichnisses.',
    ),
    en: T(
      'Not allowed',
      "The authority's directory entry does not allow this request (evidence type, purpose or legal basis), or the caller may not see these data.",
      `An authority asked for something it may not fetch. The request was refused. ${NOTHING_EN}`,
      'Ask only for what your authority is permitted (GET /v1/me). Apply to the directory operators for more.',
    ),
  },
  'consent-required': {
    de: T(
      'Keine Einwilligung oder Rechtsgrundlage',
      'Keine gültige Einwilligung der Person und keine Rechtsgrundlage deckt diese Behörde, diesen Zweck und diese Nachweise. Der Grund steht im Feld refusal.',
      `Eine Behörde wollte Nachweise über Sie abrufen, aber es lag keine passende Einwilligung von Ihnen und keine Rechtsgrundlage vor. ${NOTHING_DE}`,
      'Holen Sie eine Einwilligung der Person ein (im Datenschutzcockpit oder auf Papier) oder nennen Sie eine Rechtsgrundlage, die den Abruf erlaubt.',
    ),
    en: T(
      'No consent or legal basis',
      "No valid consent of the person and no legal basis covers this authority, purpose and evidence. The field refusal says why.",
      `An authority wanted to fetch evidence about you, but there was no matching consent from you and no legal basis. ${NOTHING_EN}`,
      'Obtain the person\'s consent (in the data-protection cockpit or on paper) or name a legal basis that allows the request.',
    ),
  },
  'not-found': {
    de: T(
      'Nicht gefunden',
      'Das Angefragte gibt es nicht, oder es ist für diesen Zugang nicht sichtbar (etwa eine Anfrage einer anderen Behörde).',
      'Das Angefragte gibt es nicht oder es ist nicht sichtbar.',
      'Prüfen Sie die Adresse und die Nummer.',
    ),
    en: T(
      'Not found',
      "What was asked for does not exist or is not visible to this caller (such as another authority's request).",
      'What was asked for does not exist or is not visible.',
      'Check the address and the number.',
    ),
  },
  conflict: {
    de: T(
      'Konflikt',
      'Die Anfrage passt nicht zum aktuellen Stand, zum Beispiel weil dieselbe Anfrage (Idempotency-Key) gerade noch bearbeitet wird.',
      'Eine Anfrage wurde gerade schon bearbeitet. Es wurde nichts doppelt abgerufen.',
      'Warten Sie die Zeit aus Retry-After ab und fragen Sie erneut; Sie bekommen dann das Ergebnis der ersten Anfrage.',
    ),
    en: T(
      'Conflict',
      'The request does not fit the current state, for example because the same request (Idempotency-Key) is still being handled.',
      'A request was already being handled. Nothing was fetched twice.',
      'Wait as long as Retry-After says and ask again; you then get the first request\'s result.',
    ),
  },
  'idempotency-key-reused': {
    de: T(
      'Idempotency-Key wiederverwendet',
      'Dieser Idempotency-Key wurde schon für eine andere Anfrage verwendet. Die neue Anfrage wurde nicht ausgeführt.',
      `Eine Anfrage wurde wegen eines technischen Fehlers der Behörde abgewiesen. ${NOTHING_DE}`,
      'Verwenden Sie für jede neue Anfrage einen neuen Idempotency-Key; wiederholen Sie einen Key nur für genau dieselbe Anfrage.',
    ),
    en: T(
      'Idempotency-Key reused',
      'This Idempotency-Key was already used for a different request. The new request was not carried out.',
      `A request was turned away because of a technical error on the authority's side. ${NOTHING_EN}`,
      'Use a fresh Idempotency-Key for every new request; repeat a key only for exactly the same request.',
    ),
  },
  'rate-limited': {
    de: T(
      'Zu viele Anfragen',
      'Dieser Zugang hat in der letzten Minute mehr Anfragen gestellt, als erlaubt sind.',
      `Eine Behörde hat zu viele Anfragen auf einmal gestellt; diese wurde nicht bearbeitet. ${NOTHING_DE}`,
      'Warten Sie die Zeit aus Retry-After ab und verteilen Sie Anfragen gleichmäßiger.',
    ),
    en: T(
      'Too many requests',
      'This caller sent more requests in the last minute than allowed.',
      `An authority sent too many requests at once; this one was not handled. ${NOTHING_EN}`,
      'Wait as long as Retry-After says and spread requests more evenly.',
    ),
  },
  overloaded: {
    de: T(
      'Dienst ausgelastet',
      'Der Vermittlungsdienst ist gerade ausgelastet oder nicht bereit (zum Beispiel antwortet seine Datenbank nicht). Die Anfrage wurde nicht bearbeitet.',
      `Der Dienst war gerade ausgelastet; die Anfrage wurde nicht bearbeitet. ${NOTHING_DE}`,
      'Warten Sie die Zeit aus Retry-After ab und versuchen Sie es erneut.',
    ),
    en: T(
      'Service overloaded',
      'The broker is overloaded or not ready just now (for example its database does not answer). The request was not handled.',
      `The service was overloaded; the request was not handled. ${NOTHING_EN}`,
      'Wait as long as Retry-After says and try again.',
    ),
  },
  'payload-too-large': {
    de: T(
      'Anfrage zu groß',
      'Der Inhalt der Anfrage ist größer als erlaubt.',
      `Eine zu große Anfrage wurde abgewiesen. ${NOTHING_DE}`,
      'Senden Sie eine kleinere Anfrage; eine Nachweisanfrage braucht nur wenige Kilobyte.',
    ),
    en: T('Payload too large', 'The body of the request is larger than allowed.', `An oversized request was turned away. ${NOTHING_EN}`, 'Send a smaller request; an evidence request needs only a few kilobytes.'),
  },
  'unsupported-media-type': {
    de: T(
      'Format nicht unterstützt',
      'Der Inhalt kam in einem Format, das diese Adresse nicht annimmt (erwartet: JSON, oder XML in UTF-8 für Nachweisanfragen), oder komprimiert.',
      `Eine Anfrage in einem falschen Format wurde abgewiesen. ${NOTHING_DE}`,
      'Senden Sie den Inhalt als application/json (oder application/xml in UTF-8), ohne Content-Encoding.',
    ),
    en: T(
      'Unsupported media type',
      'The body came in a format this address does not take (expected: JSON, or XML in UTF-8 for evidence requests), or compressed.',
      `A request in a wrong format was turned away. ${NOTHING_EN}`,
      'Send the body as application/json (or application/xml in UTF-8), without a Content-Encoding.',
    ),
  },
  'upstream-failure': {
    de: T(
      'Fehler bei einer angebundenen Stelle',
      'Eine Stelle, auf die der Vermittlungsdienst angewiesen ist, hat nicht verwertbar geantwortet.',
      'Eine angebundene Stelle hat nicht geantwortet; die Anfrage wurde nicht abgeschlossen.',
      RETRY_DE,
    ),
    en: T('Upstream failure', 'A service the broker depends on did not answer usably.', 'A connected service did not answer; the request was not completed.', RETRY_EN),
  },
  internal: {
    de: T(
      'Interner Fehler',
      'Im Vermittlungsdienst ist ein technischer Fehler aufgetreten. Der Betrieb sieht die Ursache im Protokoll.',
      `Beim Dienst ist ein technischer Fehler aufgetreten. ${NOTHING_DE}`,
      RETRY_DE,
    ),
    en: T('Internal error', 'A technical fault occurred in the broker. The operators see its cause in the log.', `A technical fault occurred in the service. ${NOTHING_EN}`, RETRY_EN),
  },
};

/** Per-item reasons of one kind, for any evidence type: `de` and `en` take that type's name. */
const REGISTER_FAILURES: Record<RegisterFailureKind, { de: (type: string) => CodeTexts; en: (type: string) => CodeTexts }> = {
  TIMEOUT: {
    de: (t) =>
      T(
        'Register hat nicht rechtzeitig geantwortet',
        `Das Register für „${t}“ hat nicht innerhalb der Frist geantwortet. Es wurden keine Daten übernommen.`,
        `Das zuständige Register hat nicht rechtzeitig geantwortet. Es wurden keine Daten zu „${t}“ übermittelt.`,
        RETRY_DE,
      ),
    en: (t) =>
      T(
        'Register did not answer in time',
        `The register for ${t} did not answer within the time limit. No data were taken over.`,
        `The responsible register did not answer in time. No ${t} data were transferred.`,
        RETRY_EN,
      ),
  },
  UNREACHABLE: {
    de: (t) =>
      T(
        'Register nicht erreichbar',
        `Das Register für „${t}“ war nicht erreichbar (keine Verbindung). Es wurden keine Daten übernommen.`,
        `Das zuständige Register war nicht erreichbar. Es wurden keine Daten zu „${t}“ übermittelt.`,
        RETRY_DE,
      ),
    en: (t) =>
      T(
        'Register unreachable',
        `The register for ${t} could not be reached (no connection). No data were taken over.`,
        `The responsible register could not be reached. No ${t} data were transferred.`,
        RETRY_EN,
      ),
  },
  UPSTREAM_ERROR: {
    de: (t) =>
      T(
        'Register meldet einen Fehler',
        `Das Register für „${t}“ hat mit einem Fehler geantwortet oder die Anfrage abgelehnt. Es wurden keine Daten übernommen.`,
        `Das zuständige Register hat einen Fehler gemeldet. Es wurden keine Daten zu „${t}“ übermittelt.`,
        RETRY_DE,
      ),
    en: (t) =>
      T(
        'Register reported an error',
        `The register for ${t} answered with an error or refused the query. No data were taken over.`,
        `The responsible register reported an error. No ${t} data were transferred.`,
        RETRY_EN,
      ),
  },
  MALFORMED_ANSWER: {
    de: (t) =>
      T(
        'Antwort des Registers unlesbar',
        `Die Antwort des Registers für „${t}“ hatte nicht das vereinbarte Format (Schema, Zeichensatz oder Größe). Sie wurde verworfen; es wurden keine Daten übernommen.`,
        `Die Antwort des zuständigen Registers war fehlerhaft und wurde verworfen. Es wurden keine Daten zu „${t}“ übernommen.`,
        'Nennen Sie dem Betrieb den Fehlercode und die Nummer der Anfrage. Ein neuer Versuch hilft meist erst, wenn das Register den Fehler behoben hat.',
      ),
    en: (t) =>
      T(
        'Register answer unreadable',
        `The answer of the register for ${t} did not have the agreed format (schema, encoding or size). It was discarded; no data were taken over.`,
        `The responsible register's answer was faulty and was discarded. No ${t} data were taken over.`,
        'Give the operators the code and the request number. Trying again usually helps only once the register has fixed the fault.',
      ),
  },
  REJECTED_ANSWER: {
    de: (t) =>
      T(
        'Antwort passt nicht zur Anfrage',
        `Die Antwort des Registers für „${t}“ gehörte nicht zu dieser Anfrage (andere Person, anderer Absender, andere Nachricht) oder widersprach sich. Sie wurde verworfen; es wurden keine Daten übernommen.`,
        `Die Antwort des zuständigen Registers passte nicht zur Anfrage und wurde verworfen. Es wurden keine Daten zu „${t}“ übernommen.`,
        'Nennen Sie dem Betrieb den Fehlercode und die Nummer der Anfrage; er klärt es mit dem Register.',
      ),
    en: (t) =>
      T(
        'Answer does not match the request',
        `The answer of the register for ${t} did not belong to this request (another person, sender or message) or contradicted itself. It was discarded; no data were taken over.`,
        `The responsible register's answer did not match the request and was discarded. No ${t} data were taken over.`,
        'Give the operators the code and the request number; they will clear it up with the register.',
      ),
  },
  BAD_SIGNATURE: {
    de: (t) =>
      T(
        'Signatur der Antwort ungültig',
        `Die Antwort des Registers für „${t}“ war nicht oder nicht gültig vom Register signiert. Sie wurde zur Sicherheit verworfen; es wurden keine Daten übernommen.`,
        `Die Antwort des zuständigen Registers trug keine gültige Signatur und wurde zur Sicherheit verworfen. Es wurden keine Daten zu „${t}“ übernommen.`,
        'Nennen Sie dem Betrieb bald den Fehlercode und die Nummer der Anfrage: Ursache kann ein gewechseltes Zertifikat oder eine verfälschte Antwort sein.',
      ),
    en: (t) =>
      T(
        'Invalid signature on the answer',
        `The answer of the register for ${t} was not signed, or not validly signed, by the register. It was discarded for safety; no data were taken over.`,
        `The responsible register's answer carried no valid signature and was discarded for safety. No ${t} data were taken over.`,
        'Tell the operators soon, with the code and the request number: a changed certificate or a tampered answer may be the cause.',
      ),
  },
  CIRCUIT_OPEN: {
    de: (t) =>
      T(
        'Register vorübergehend nicht angefragt',
        `Das Register für „${t}“ ist zuletzt mehrmals ausgefallen. Der Vermittlungsdienst fragt es für kurze Zeit nicht an, damit es sich erholen kann.`,
        `Das zuständige Register war zuletzt gestört und wurde nicht angefragt. Es wurden keine Daten zu „${t}“ übermittelt.`,
        'Versuchen Sie es in einigen Minuten erneut.',
      ),
    en: (t) =>
      T(
        'Register not asked for a while',
        `The register for ${t} failed several times recently. The broker does not ask it for a short while so that it can recover.`,
        `The responsible register was recently disrupted and was not asked. No ${t} data were transferred.`,
        'Try again in a few minutes.',
      ),
  },
  BUSY: {
    de: (t) =>
      T(
        'Register ausgelastet',
        `Beim Register für „${t}“ laufen gerade zu viele Anfragen. Diese wurde nicht gesendet.`,
        `Das zuständige Register war ausgelastet und wurde nicht angefragt. Es wurden keine Daten zu „${t}“ übermittelt.`,
        'Versuchen Sie es in einigen Sekunden erneut.',
      ),
    en: (t) =>
      T(
        'Register busy',
        `Too many queries to the register for ${t} are under way. This one was not sent.`,
        `The responsible register was busy and was not asked. No ${t} data were transferred.`,
        'Try again in a few seconds.',
      ),
  },
  INTERNAL: {
    de: (t) =>
      T(
        'Interner Fehler beim Abruf',
        `Im Vermittlungsdienst ist beim Abruf von „${t}“ ein technischer Fehler aufgetreten. Es wurden keine Daten übernommen.`,
        `Beim Abruf ist ein technischer Fehler aufgetreten. Es wurden keine Daten zu „${t}“ übermittelt.`,
        RETRY_DE,
      ),
    en: (t) =>
      T(
        'Internal error while fetching',
        `A technical fault occurred in the broker while fetching ${t}. No data were taken over.`,
        `A technical fault occurred while fetching. No ${t} data were transferred.`,
        RETRY_EN,
      ),
  },
};

const ROUTE_REFUSALS: Record<RouteRefusal, Bilingual<CodeTexts>> = {
  NO_RESPONSIBLE_REGISTER: {
    de: T(
      'Keine zuständige Stelle',
      'Im Verzeichnis ist für die Angabe (Wohnort, Krankenkasse, Geburtsort) keine zuständige Stelle eingetragen, oder sie ist abgeschaltet. Es wurde kein Register gefragt und nichts abgerufen.',
      'Für Ihre Angaben ist keine zuständige Stelle eingetragen. Es wurde nichts abgerufen.',
      'Prüfen Sie die Angabe. Stimmt sie, fehlt die Stelle im Verzeichnis: nennen Sie dem Betrieb den Fehlercode.',
    ),
    en: T(
      'No responsible register',
      'The directory lists no responsible register for the hint given (residence, health insurer, place of birth), or it is switched off. No register was asked and nothing was fetched.',
      'No responsible office is listed for your details. Nothing was fetched.',
      'Check the hint. If it is right, the register is missing from the directory: give the operators the code.',
    ),
  },
  REFUSED_BY_REGISTER_POLICY: {
    de: T(
      'Nicht abgerufen',
      'Die zuständige Stelle beantwortet diesen Zweck nicht, oder nicht für Ihre Behörde. Es wurde nichts abgerufen.',
      'Die zuständige Stelle beantwortet diesen Zweck nicht. Es wurde nichts abgerufen.',
      'Beschaffen Sie den Nachweis auf anderem Weg, etwa von der Person selbst.',
    ),
    en: T(
      'Not fetched',
      'The responsible register does not answer this purpose, or not for your authority. Nothing was fetched.',
      'The responsible office does not answer this purpose. Nothing was fetched.',
      'Obtain the evidence another way, for example from the person.',
    ),
  },
};

const WITHDRAWN_BASES: Record<WithdrawnBasis, Bilingual<CodeTexts>> = {
  CONSENT_REVOKED: {
    de: T(
      'Einwilligung widerrufen',
      'Die Person hat die Einwilligung widerrufen, bevor dieser Nachweis geliefert wurde. Er wurde nicht übermittelt.',
      'Sie haben Ihre Einwilligung widerrufen, bevor dieser Nachweis geliefert wurde. Er wurde nicht übermittelt.',
      'Fragen Sie die Person, ob sie erneut einwilligt, oder prüfen Sie, ob eine Rechtsgrundlage den Abruf erlaubt.',
    ),
    en: T(
      'Consent revoked',
      'The person revoked the consent before this evidence was delivered. It was not transferred.',
      'You revoked your consent before this evidence was delivered. It was not transferred.',
      'Ask the person whether they consent again, or check whether a legal basis allows the request.',
    ),
  },
  CONSENT_EXPIRED: {
    de: T(
      'Einwilligung abgelaufen',
      'Die Einwilligung ist abgelaufen, bevor dieser Nachweis geliefert wurde. Er wurde nicht übermittelt.',
      'Ihre Einwilligung ist abgelaufen, bevor dieser Nachweis geliefert wurde. Er wurde nicht übermittelt.',
      'Holen Sie eine neue Einwilligung ein und fragen Sie erneut an.',
    ),
    en: T(
      'Consent expired',
      'The consent expired before this evidence was delivered. It was not transferred.',
      'Your consent expired before this evidence was delivered. It was not transferred.',
      'Obtain a new consent and ask again.',
    ),
  },
  LEGAL_BASIS_NOT_APPLICABLE: {
    de: T(
      'Rechtsgrundlage trägt nicht mehr',
      'Die genannte Rechtsgrundlage erlaubt diesen Zweck oder diesen Nachweis nicht mehr. Er wurde nicht übermittelt.',
      'Die Rechtsgrundlage, auf die sich die Behörde stützte, erlaubte diesen Abruf nicht mehr. Der Nachweis wurde nicht übermittelt.',
      'Prüfen Sie die Rechtsgrundlage, oder holen Sie eine Einwilligung der Person ein.',
    ),
    en: T(
      'Legal basis no longer applies',
      'The legal basis named no longer allows this purpose or this evidence. It was not transferred.',
      'The legal basis the authority relied on no longer allowed this request. The evidence was not transferred.',
      "Check the legal basis, or obtain the person's consent.",
    ),
  },
};

const CONSENT_REFUSALS: Record<PermissionRefusalCode, Bilingual<CodeTexts>> = {
  'no-consent': {
    de: T(
      'Keine gültige Einwilligung',
      'Es liegt keine gültige Einwilligung vor, die Ihre Behörde, den Zweck und alle gewählten Nachweise abdeckt. Vielleicht wurde sie widerrufen oder ist abgelaufen. Es wurden keine Daten abgerufen.',
      `Eine Behörde wollte Nachweise abrufen, für die Sie nicht eingewilligt haben. ${NOTHING_DE}`,
      'Holen Sie eine Einwilligung der Person ein (Datenschutzcockpit oder Papierformular), oder nennen Sie eine Rechtsgrundlage.',
    ),
    en: T(
      'No valid consent',
      'No valid consent covers your authority, the purpose and every evidence type chosen. It may have been revoked or have expired. No data were fetched.',
      `An authority wanted to fetch evidence you have not consented to. ${NOTHING_EN}`,
      "Obtain the person's consent (data-protection cockpit or paper form), or name a legal basis.",
    ),
  },
  'consent-unknown': {
    de: T(
      'Einwilligung unbekannt',
      'Die genannte Einwilligung gibt es für diese Person und Ihre Behörde nicht. Es wurden keine Daten abgerufen.',
      `Eine Behörde berief sich auf eine Einwilligung, die es nicht gibt. ${NOTHING_DE}`,
      'Prüfen Sie die Nummer der Einwilligung, oder lassen Sie sie weg: dann wird eine passende gesucht.',
    ),
    en: T(
      'Consent unknown',
      'The consent named does not exist for this person and your authority. No data were fetched.',
      `An authority relied on a consent that does not exist. ${NOTHING_EN}`,
      'Check the consent number, or leave it out: a matching consent is then looked for.',
    ),
  },
  revoked: {
    de: T('Einwilligung widerrufen', 'Die Einwilligung wurde widerrufen. Es wurden keine Daten abgerufen.', `Sie haben Ihre Einwilligung widerrufen; die Behörde konnte deshalb nichts abrufen. ${NOTHING_DE}`, 'Fragen Sie die Person, ob sie erneut einwilligt.'),
    en: T('Consent revoked', 'The consent has been revoked. No data were fetched.', `You revoked your consent, so the authority could fetch nothing. ${NOTHING_EN}`, 'Ask the person whether they consent again.'),
  },
  expired: {
    de: T('Einwilligung abgelaufen', 'Die Einwilligung ist abgelaufen. Es wurden keine Daten abgerufen.', `Ihre Einwilligung ist abgelaufen; die Behörde konnte deshalb nichts abrufen. ${NOTHING_DE}`, 'Holen Sie eine neue Einwilligung ein.'),
    en: T('Consent expired', 'The consent has expired. No data were fetched.', `Your consent has expired, so the authority could fetch nothing. ${NOTHING_EN}`, 'Obtain a new consent.'),
  },
  'not-yet-valid': {
    de: T('Einwilligung gilt noch nicht', 'Die Einwilligung gilt noch nicht. Es wurden keine Daten abgerufen.', `Ihre Einwilligung gilt erst ab einem späteren Tag. ${NOTHING_DE}`, 'Fragen Sie ab dem Beginn der Einwilligung erneut an.'),
    en: T('Consent not yet valid', 'The consent is not valid yet. No data were fetched.', `Your consent only applies from a later day. ${NOTHING_EN}`, 'Ask again once the consent has begun.'),
  },
  'other-purpose': {
    de: T('Einwilligung für anderen Zweck', 'Die Einwilligung gilt für einen anderen Zweck. Es wurden keine Daten abgerufen.', `Ihre Einwilligung gilt für einen anderen Zweck als den angefragten. ${NOTHING_DE}`, 'Holen Sie eine Einwilligung für diesen Zweck ein.'),
    en: T('Consent for another purpose', 'The consent covers another purpose. No data were fetched.', `Your consent covers another purpose than the one asked for. ${NOTHING_EN}`, 'Obtain a consent for this purpose.'),
  },
  'evidence-type-not-covered': {
    de: T(
      'Nachweis nicht von der Einwilligung gedeckt',
      'Die Einwilligung deckt nicht alle gewählten Nachweise ab. Es wurden keine Daten abgerufen.',
      `Ihre Einwilligung umfasst nicht alle angefragten Nachweise. ${NOTHING_DE}`,
      'Fragen Sie nur die Nachweise an, die die Einwilligung nennt, oder holen Sie eine weitere Einwilligung ein.',
    ),
    en: T(
      'Evidence not covered by the consent',
      'The consent does not cover every evidence type chosen. No data were fetched.',
      `Your consent does not include every evidence type asked for. ${NOTHING_EN}`,
      'Ask only for the evidence the consent names, or obtain a further consent.',
    ),
  },
  'legal-basis-not-applicable': {
    de: T(
      'Rechtsgrundlage trägt nicht',
      'Diese Rechtsgrundlage erlaubt den Abruf für diesen Zweck oder diese Nachweise nicht. Es wurden keine Daten abgerufen.',
      `Die genannte Rechtsgrundlage erlaubt diesen Abruf nicht. ${NOTHING_DE}`,
      'Wählen Sie die Rechtsgrundlage, die Zweck und Nachweise abdeckt, oder holen Sie eine Einwilligung ein.',
    ),
    en: T(
      'Legal basis does not apply',
      'This legal basis does not allow the request for this purpose or this evidence. No data were fetched.',
      `The legal basis named does not allow this request. ${NOTHING_EN}`,
      'Choose the legal basis that covers the purpose and the evidence, or obtain a consent.',
    ),
  },
};

const AUTHORIZATION_REFUSALS: Record<AuthorizationRefusalCode, Bilingual<CodeTexts>> = {
  'evidence-type-not-allowed': {
    de: T(
      'Nachweisart nicht freigeschaltet',
      'Ihre Behörde ist für mindestens eine der gewählten Nachweisarten nicht freigeschaltet. Es wurden keine Daten abgerufen.',
      `Eine Behörde wollte einen Nachweis abrufen, für den sie nicht zugelassen ist. ${NOTHING_DE}`,
      'Fragen Sie nur freigeschaltete Nachweise an; eine Erweiterung beantragen Sie beim Betrieb des Verzeichnisses.',
    ),
    en: T(
      'Evidence type not permitted',
      'Your authority is not permitted at least one of the evidence types chosen. No data were fetched.',
      `An authority wanted evidence it is not admitted to. ${NOTHING_EN}`,
      'Ask only for permitted evidence; apply to the directory operators for more.',
    ),
  },
  'purpose-not-allowed': {
    de: T(
      'Zweck nicht freigeschaltet',
      'Ihre Behörde ist für diesen Zweck nicht freigeschaltet. Es wurden keine Daten abgerufen.',
      `Eine Behörde wollte Nachweise für einen Zweck abrufen, für den sie nicht zugelassen ist. ${NOTHING_DE}`,
      'Wählen Sie einen Zweck, für den Ihre Behörde freigeschaltet ist, oder beantragen Sie ihn beim Betrieb des Verzeichnisses.',
    ),
    en: T(
      'Purpose not permitted',
      'Your authority is not permitted this purpose. No data were fetched.',
      `An authority wanted evidence for a purpose it is not admitted to. ${NOTHING_EN}`,
      'Choose a purpose your authority is permitted, or apply to the directory operators for it.',
    ),
  },
  'legal-basis-not-allowed': {
    de: T(
      'Rechtsgrundlage nicht freigeschaltet',
      'Ihre Behörde darf sich nicht auf diese Rechtsgrundlage stützen. Es wurden keine Daten abgerufen.',
      `Eine Behörde berief sich auf eine Rechtsgrundlage, die ihr nicht zusteht. ${NOTHING_DE}`,
      'Wählen Sie eine Rechtsgrundlage Ihrer Behörde, oder holen Sie eine Einwilligung ein.',
    ),
    en: T(
      'Legal basis not permitted',
      'Your authority may not rely on this legal basis. No data were fetched.',
      `An authority relied on a legal basis it is not entitled to. ${NOTHING_EN}`,
      "Choose one of your authority's legal bases, or obtain a consent.",
    ),
  },
};

/** An evidence type's name in English: its code in words ('maternity-benefit' → 'maternity benefit'). */
function englishTypeName(code: string): string {
  return code.replaceAll('-', ' ');
}

/** An evidence type's name: the descriptor's German label, or the code in words in English. */
export function evidenceTypeName(type: EvidenceType, lang: Language): string {
  return lang === 'de' ? evidenceTypeOf(type).label : englishTypeName(type);
}

function entries<K extends string>(family: CodeFamily, texts: Record<K, Bilingual<CodeTexts>>, status: (code: K) => number | null = () => null): CatalogueEntry[] {
  return (Object.keys(texts) as K[]).map((code) => ({ code, family, status: status(code), evidenceType: null, de: texts[code].de, en: texts[code].en }));
}

const registerFailureEntries: CatalogueEntry[] = EVIDENCE_TYPE_LIST.flatMap((type) =>
  (Object.keys(REGISTER_FAILURES) as RegisterFailureKind[]).map((kind) => ({
    code: `${reasonPrefix(type.code)}_${kind}`,
    family: 'register-failure' as const,
    status: null,
    evidenceType: type.code,
    de: REGISTER_FAILURES[kind].de(type.label),
    en: REGISTER_FAILURES[kind].en(englishTypeName(type.code)),
  })),
);

/** Every code, grouped by family in the order the problem pages list them. */
export const ERROR_CATALOGUE: readonly CatalogueEntry[] = [
  ...entries('problem', PROBLEMS, (code) => PROBLEM_STATUS[code]),
  ...registerFailureEntries,
  ...entries('route-refusal', ROUTE_REFUSALS),
  ...entries('withdrawn-basis', WITHDRAWN_BASES),
  ...entries('consent-refusal', CONSENT_REFUSALS),
  ...entries('authorization-refusal', AUTHORIZATION_REFUSALS),
];

const BY_CODE = new Map(ERROR_CATALOGUE.map((e) => [e.code, e]));

/** The catalogue's entry for a code, or undefined for a code it does not know. */
export function explainCode(code: string): CatalogueEntry | undefined {
  return BY_CODE.get(code);
}
