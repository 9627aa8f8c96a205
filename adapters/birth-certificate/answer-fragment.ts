// The birth certificate in the broker's own answer document (nachweis:Geburtsurkunde,
// xoev-schemas/nachweis/): the same Geburtseinträge as the register sends, read back into the evidence exactly.
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { z } from 'zod';
import { repeated } from '../xml.ts';
import { BirthCertificateEvidence } from './evidence.ts';
import { birthEntryShape, writeBirthEntry } from './messages.ts';

export function writeBirthCertificateFragment(out: XMLBuilder, d: BirthCertificateEvidence): void {
  for (const r of d.records) writeBirthEntry(out.ele('geburtseintrag'), r);
}

export const readBirthCertificateFragment = z
  .object({ geburtseintrag: repeated(birthEntryShape, { min: 1, max: 10 }) })
  .transform((d): BirthCertificateEvidence => ({ records: d.geburtseintrag }))
  .pipe(BirthCertificateEvidence);
