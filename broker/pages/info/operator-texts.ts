// What the operator of a broker must say about itself on the info pages: the Impressum (§ 5 DDG), the privacy
// notice (DSGVO Art. 13) and the accessibility statement (BITV 2.0 § 7). An operator gives them as a JSON file
// (OPERATOR_TEXTS_FILE, read and checked at start-up by broker/config/config.ts); the demo uses DEMO_OPERATOR_TEXTS,
// which docs/operator-texts.example.json repeats. Every value is plain text: the pages escape it.
import { z } from 'zod';

const text = z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters');
const lines = z.array(text).min(1, 'must list at least one entry').max(50);
const email = z.email({ error: 'must be an e-mail address' });
const webAddress = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const contact = z.strictObject({ email, phone: text.optional() });

/** The operator's texts as a JSON file holds them; unknown keys are refused, so a misspelt one is not silently dropped. */
export const OperatorTextsSchema = z.strictObject({
  impressum: z.strictObject({
    operator: text,
    address: lines,
    representative: text,
    contact,
    registerEntry: text,
    vatId: text.optional(),
  }),
  privacy: z.strictObject({
    controller: z.strictObject({ name: text, address: lines, contact }),
    dataProtectionOfficer: z.strictObject({ name: text.optional(), address: lines.optional(), contact }),
    purposes: lines,
    legalBases: lines,
    recipients: lines,
    retention: lines,
    rights: lines,
    supervisoryAuthority: z.strictObject({ name: text, address: lines.optional(), website: webAddress }),
  }),
  accessibility: z.strictObject({
    /** When the statement was made or last reviewed (YYYY-MM-DD). */
    date: z.iso.date({ error: 'must be a date YYYY-MM-DD' }),
    status: z.enum(['full', 'partial', 'none'], { error: 'must be "full", "partial" or "none"' }),
    method: text,
    knownLimitations: z.array(text).max(50),
    feedback: z.strictObject({ email, responseTime: text }),
    enforcement: z.strictObject({ name: text, website: webAddress }),
  }),
});

/** The operator's Impressum, privacy notice and accessibility statement. */
export type OperatorTexts = z.infer<typeof OperatorTextsSchema>;

/**
 * Parses a file's JSON into the texts, or says what is wrong as "<field path>: <message>" (the first problem),
 * so the start-up error names the field.
 */
export function parseOperatorTexts(json: string): { ok: true; texts: OperatorTexts } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { ok: false, error: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = OperatorTextsSchema.safeParse(value);
  if (parsed.success) return { ok: true, texts: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const message = issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.code === 'invalid_type' && issue.message.endsWith('received undefined') ? 'is missing' : issue.message;
  return { ok: false, error: `${field.map(String).join('.') || '(the document)'}: ${message}` };
}

/** The demo's texts: a fictitious operator, so nobody mistakes the sandbox for a real service. */
export const DEMO_OPERATOR_TEXTS: OperatorTexts = {
  impressum: {
    operator: 'Musterbehörde für digitale Nachweise (Demo)',
    address: ['Musterstraße 1', '12345 Musterstadt'],
    representative: 'vertreten durch die Leitung der Musterbehörde, Erika Mustermann',
    contact: { email: 'kontakt@evidence-broker.example', phone: '+49 30 1234567-0' },
    registerEntry: 'Körperschaft des öffentlichen Rechts; kein Registereintrag (Demo)',
  },
  privacy: {
    controller: {
      name: 'Musterbehörde für digitale Nachweise (Demo)',
      address: ['Musterstraße 1', '12345 Musterstadt'],
      contact: { email: 'kontakt@evidence-broker.example' },
    },
    dataProtectionOfficer: {
      name: 'Die oder der Datenschutzbeauftragte der Musterbehörde',
      address: ['Musterstraße 1', '12345 Musterstadt'],
      contact: { email: 'datenschutz@evidence-broker.example' },
    },
    purposes: [
      'Abruf von Nachweisen aus Registern für Verwaltungsverfahren, die Sie beantragt haben (Once-Only-Prinzip).',
      'Protokollierung jedes Abrufs, damit Sie im Datenschutzcockpit sehen, wer wann welche Nachweise zu welchem Zweck abgerufen hat.',
    ],
    legalBases: [
      'Art. 6 Abs. 1 Buchst. c und e DSGVO in Verbindung mit dem Onlinezugangsgesetz (OZG) und dem jeweiligen Fachrecht.',
      'Art. 6 Abs. 1 Buchst. a DSGVO, soweit Sie in den Abruf eingewilligt haben.',
      '§ 9 Identifikationsnummerngesetz (IDNrG) für das Protokoll der Abrufe.',
    ],
    recipients: [
      'Die Behörde, die den Nachweis für Ihr Verfahren abruft.',
      'Die Register, bei denen die Nachweise abgerufen werden (sie erfahren, welche Behörde wozu anfragt).',
    ],
    retention: [
      'Nachweise aus den Registern werden nur angezeigt und nicht gespeichert.',
      'Gespeichert wird, wer wann welche Nachweise zu welchem Zweck abgerufen hat. Dieses Protokoll können Sie im Datenschutzcockpit einsehen. Es wird nach zwei Jahren gelöscht (§ 9 Identifikationsnummerngesetz).',
    ],
    rights: [
      'Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16 DSGVO), Löschung (Art. 17 DSGVO) und Einschränkung der Verarbeitung (Art. 18 DSGVO).',
      'Widerspruch (Art. 21 DSGVO) und Widerruf einer Einwilligung mit Wirkung für die Zukunft (Art. 7 Abs. 3 DSGVO), etwa im Datenschutzcockpit.',
      'Beschwerde bei einer Datenschutzaufsichtsbehörde (Art. 77 DSGVO).',
    ],
    supervisoryAuthority: {
      name: 'Die Bundesbeauftragte für den Datenschutz und die Informationsfreiheit (BfDI)',
      address: ['Graurheindorfer Straße 153', '53117 Bonn'],
      website: 'https://www.bfdi.bund.de',
    },
  },
  accessibility: {
    date: '2026-12-01',
    status: 'partial',
    method:
      'Jede Änderung wird automatisch in einem echten Browser geprüft: mit dem Prüfwerkzeug axe-core (Regeln für WCAG 2.1 AA), mit Tests, die nur die Tastatur benutzen, und mit Ansichten für Smartphone und Computer. Eine Prüfung durch Sachverständige (BITV-Test) steht noch aus.',
    knownLimitations: ['Es gibt noch keine Erklärungen in Leichter Sprache und in Deutscher Gebärdensprache.'],
    feedback: { email: 'barrierefreiheit@evidence-broker.example', responseTime: 'Wir antworten innerhalb von zwei Wochen.' },
    enforcement: {
      name: 'Schlichtungsstelle nach dem Behindertengleichstellungsgesetz',
      website: 'https://www.schlichtungsstelle-bgg.de',
    },
  },
};
