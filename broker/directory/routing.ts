// Which register instance answers for an item: the one whose jurisdiction holds the key the request's
// routing hint gives (NOOTS: Registerdatennavigation), and only when that instance serves the purpose and
// the participant (X-Road style access rights on the register's side). Pure: the directory is passed in.
import { z } from 'zod';
import { evidenceTypeOf, type EvidenceType } from '../../adapters/index.ts';
import type { RoutingHintName, RoutingRule } from '../../adapters/evidence-type.ts';
import type { Purpose } from '../domain/codes.ts';
import { JURISDICTION_VALUE, NATIONAL_KEY, type RegisterInstance } from './register-instance.ts';

const AGS = z.string().regex(JURISDICTION_VALUE.ags.pattern, `must be an ${JURISDICTION_VALUE.ags.describe}`);

/** The routing hints a request may carry, and how each must look. */
export const RoutingHints = z.strictObject({
  ags: AGS.optional().meta({ description: "AGS of the citizen's residence: finds the Land's tax administration (income)", example: '09162000' }),
  insurerIk: z
    .string()
    .regex(JURISDICTION_VALUE.insurer.pattern, `must be the ${JURISDICTION_VALUE.insurer.describe}`)
    .optional()
    .meta({ description: "IK of the citizen's statutory health insurer (maternity-benefit)", example: '108310400' }),
  birthPlaceAgs: AGS.optional().meta({ description: 'AGS of the place of birth: finds the Standesamt (birth-certificate)', example: '09162000' }),
});
export type RoutingHints = z.infer<typeof RoutingHints>;

/** What each hint is for, in the words a 400 uses. */
const HINT_PURPOSE: Record<RoutingHintName, string> = {
  ags: "the AGS of the citizen's residence",
  insurerIk: "the IK of the citizen's statutory health insurer",
  birthPlaceAgs: 'the AGS of the place of birth',
};

/** The hint a type's rule needs, or null for a national register. */
export function hintOf(rule: RoutingRule): RoutingHintName | null {
  return rule.kind === 'national' ? null : rule.hint;
}

/** The requested types' missing hints, as 400 issues (path `routing.<hint>`). */
export function missingHints(types: readonly EvidenceType[], hints: RoutingHints | undefined): { hint: RoutingHintName; message: string }[] {
  const needed = new Map<RoutingHintName, EvidenceType[]>();
  for (const type of types) {
    const hint = hintOf(evidenceTypeOf(type).routing);
    if (hint !== null && hints?.[hint] === undefined) needed.set(hint, [...(needed.get(hint) ?? []), type]);
  }
  return [...needed].map(([hint, forTypes]) => ({ hint, message: `is required for ${forTypes.join(', ')}: ${HINT_PURPOSE[hint]}` }));
}

/** Only the hints the requested types use: the broker keeps nothing it does not need (data minimization). */
export function neededHints(types: readonly EvidenceType[], hints: RoutingHints | undefined): RoutingHints {
  const kept: RoutingHints = {};
  for (const type of types) {
    const hint = hintOf(evidenceTypeOf(type).routing);
    if (hint !== null && hints?.[hint] !== undefined) kept[hint] = hints[hint];
  }
  return kept;
}

/** The jurisdiction key a rule looks up for the given hints (the Land of an AGS for `land`). */
export function jurisdictionKey(rule: RoutingRule, hints: RoutingHints): string | null {
  switch (rule.kind) {
    case 'national':
      return NATIONAL_KEY;
    case 'insurer':
      return hints.insurerIk ?? null;
    case 'land':
      return hints.ags?.slice(0, 2) ?? null;
    case 'ags':
      return hints.birthPlaceAgs ?? null;
  }
}

/** The directory as routing reads it: the instance holding each (type, key). */
export interface RoutingTable {
  responsible(type: EvidenceType, key: string): RegisterInstance | undefined;
}

/** Why an item is not fetched before any register is called. */
export type RouteRefusal = 'NO_RESPONSIBLE_REGISTER' | 'REFUSED_BY_REGISTER_POLICY';

/** Where an item goes: the instance to ask, or the refusal it ends in (naming the instance when there is one). */
export type Route =
  | { type: EvidenceType; instance: RegisterInstance }
  | { type: EvidenceType; refusal: RouteRefusal; instance: RegisterInstance | null };

export const ROUTE_REFUSAL_MESSAGES: Record<RouteRefusal, string> = {
  NO_RESPONSIBLE_REGISTER: 'no enabled register in the directory is responsible for this citizen (check the routing hint)',
  REFUSED_BY_REGISTER_POLICY: 'the responsible register does not answer this purpose or this authority',
};

/** The route of each requested type. */
export function route(
  table: RoutingTable,
  types: readonly EvidenceType[],
  hints: RoutingHints,
  asker: { purpose: Purpose; participantId: string },
): Route[] {
  return types.map((type): Route => {
    const key = jurisdictionKey(evidenceTypeOf(type).routing, hints);
    const instance = key === null ? undefined : table.responsible(type, key);
    if (instance === undefined || !instance.enabled) return { type, refusal: 'NO_RESPONSIBLE_REGISTER', instance: null };
    const serves = instance.purposes.includes(asker.purpose) && (instance.participants === null || instance.participants.includes(asker.participantId));
    return serves ? { type, instance } : { type, refusal: 'REFUSED_BY_REGISTER_POLICY', instance };
  });
}
