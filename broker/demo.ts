// Demo data for `npm start`: one authority (an Elterngeld office) with a token, one sandbox citizen with a
// citizen token and a consent for that office. Safe to run on every start: it never duplicates.
import { EVIDENCE_TYPES, PURPOSES } from './domain/codes.ts';
import type { Context } from './context.ts';

export const DEMO_PARTICIPANT_ID = 'elterngeldstelle-musterstadt';
/** The sandbox citizen the demo uses (in every register). */
export const DEMO_CITIZEN_IDNR = '86095742719';

/** What the demo seeding produced; tokens are shown once at start-up. */
export interface DemoSeed {
  participantId: string;
  participantToken: string;
  citizenIdNr: string;
  citizenToken: string;
  consentId: string;
}

export async function seedDemo(ctx: Context): Promise<DemoSeed> {
  const now = ctx.clock();
  await ctx.participants.upsert(
    { id: DEMO_PARTICIPANT_ID, name: 'Elterngeldstelle Musterstadt', kind: 'authority', region: 'DE-NW', evidenceTypes: [...EVIDENCE_TYPES], purposes: [...PURPOSES] },
    now,
  );
  // NOTE: each start issues fresh demo tokens and revokes the previous run's, so old printed ones stop working.
  const authority = { participantId: DEMO_PARTICIPANT_ID };
  const citizen = { citizenIdNr: DEMO_CITIZEN_IDNR };
  await ctx.tokens.revokeLabelled(authority, 'demo');
  await ctx.tokens.revokeLabelled(citizen, 'demo');
  const participantToken = await ctx.tokens.issue(authority, 'demo', ctx.cfg.demoToken);
  const citizenToken = await ctx.tokens.issue(citizen, 'demo');
  const need = { idNr: DEMO_CITIZEN_IDNR, granteeId: DEMO_PARTICIPANT_ID, purpose: 'elterngeld' as const, evidenceTypes: EVIDENCE_TYPES };
  const existing = (await ctx.consentStore.listFor(need.granteeId, need.idNr, need.purpose)).find(
    (c) => !c.revokedAt && c.validUntil > now && EVIDENCE_TYPES.every((t) => c.evidenceTypes.includes(t)),
  );
  const consent =
    existing ??
    (await ctx.consents.grant({
      citizenIdNr: DEMO_CITIZEN_IDNR,
      granteeId: DEMO_PARTICIPANT_ID,
      evidenceTypes: [...EVIDENCE_TYPES],
      purpose: 'elterngeld',
      validFrom: now,
      validUntil: new Date(now.getTime() + 365 * 86_400_000),
      grantedBy: 'citizen',
    }));
  return { participantId: DEMO_PARTICIPANT_ID, participantToken, citizenIdNr: DEMO_CITIZEN_IDNR, citizenToken, consentId: consent.id };
}
