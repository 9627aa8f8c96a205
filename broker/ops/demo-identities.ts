// Who the demo is (its authority, citizen and clerk), apart from the demo's seeding so that production can
// recognise and retire demo data without loading the sandbox.
import type { Context } from '../context.ts';

export const DEMO_PARTICIPANT_ID = 'elterngeldstelle-musterstadt';
/** The sandbox citizen the demo uses (in every register). */
export const DEMO_CITIZEN_IDNR = '86095742719';
/** The demo clerk's user name on the lookup page (/ui/lookup); acts for the demo authority. */
export const DEMO_CLERK_USERNAME = 'sachbearbeitung';

/** What retiring the demo data did. */
export interface DemoRetirement {
  tokens: number;
  clerksDisabled: number;
  participantStripped: boolean;
}

/**
 * Production never serves demo data a database still holds from a development run: every `demo`-labelled token
 * and the demo authority's are revoked, its clerks disabled, and the authority keeps no right to request anything.
 */
export async function retireDemoData(ctx: Context): Promise<DemoRetirement> {
  const tokens = (await ctx.tokens.revokeAll({ label: 'demo' })) + (await ctx.tokens.revokeAll({ participantId: DEMO_PARTICIPANT_ID }));
  let clerksDisabled = 0;
  for (const clerk of await ctx.pages.clerks.list()) {
    const demoClerk = clerk.username === DEMO_CLERK_USERNAME || clerk.participantId === DEMO_PARTICIPANT_ID;
    if (demoClerk && clerk.disabledAt === null && (await ctx.pages.clerks.disable(clerk.username))) clerksDisabled++;
  }
  // NOTE: the directory has no "disabled" flag yet: an authority without evidence types or purposes is one.
  const demo = await ctx.participants.get(DEMO_PARTICIPANT_ID);
  const participantStripped = demo !== null && demo.evidenceTypes.length + demo.purposes.length + demo.legalBases.length > 0;
  if (participantStripped) await ctx.participants.upsert({ ...demo, evidenceTypes: [], purposes: [], legalBases: [] }, ctx.clock());
  const retired = { tokens, clerksDisabled, participantStripped };
  if (tokens > 0 || clerksDisabled > 0 || participantStripped) ctx.log.warn(retired, 'production mode: demo data retired');
  return retired;
}
