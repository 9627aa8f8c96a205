// The normalized birth certificate evidence: the civil-status register's entries of the citizen's children
// born in the requested period (usually one; twins are two).
import { z } from 'zod';
import { day } from '../evidence-model.ts';

const ags = z.string().regex(/^\d{8}$/);
const name = z.string().min(1).max(200);
const personName = z.object({ familyName: name, givenNames: name });

/** One entry of the birth register (Geburtenregister) of the Standesamt at the place of birth. */
export const BirthRecord = z.object({
  registryOffice: z.object({ name, ags }),
  /** Registernummer, e.g. 'G 123/2025'. */
  registerEntry: z.string().regex(/^G \d{1,6}\/\d{4}$/),
  child: personName,
  dateOfBirth: day,
  placeOfBirth: z.object({ municipality: name, ags }),
  parents: z.array(personName).min(1).max(2),
});
export type BirthRecord = z.infer<typeof BirthRecord>;

/** Birth certificate data (Geburtsurkunde): the birth entries of the citizen's children in the period. */
export const BirthCertificateEvidence = z.object({ records: z.array(BirthRecord).min(1).max(10) });
export type BirthCertificateEvidence = z.infer<typeof BirthCertificateEvidence>;
