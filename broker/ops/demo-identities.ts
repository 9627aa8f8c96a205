// Who the demo is (its authority, citizen and clerk), apart from the demo's seeding so that production can
// recognise and retire demo data without loading the sandbox.
import type { Context } from '../context.ts';

export const DEMO_PARTICIPANT_ID = 'elterngeldstelle-musterstadt';
/** The sandbox citizen the demo uses (in every register). */
export const DEMO_CITIZEN_IDNR = '86095742719';
/** The demo clerk's user name on the lookup page (/ui/lookup); acts for the demo authority. */
export const DEMO_CLERK_USERNAME = 'sachbearbeitung';

/**
 * Production never serves demo data a database still holds from a development run: the demo authority's and
 * every `demo`-labelled token are revoked and the demo clerk disabled, with a warning. Returns what it did.
 */
export async function retireDemoData(ctx: Context): Promise<{ tokens: number; clerkDisabled: boolean }> {
  const tokens = (await ctx.tokens.revokeAll({ label: 'demo' })) + (await ctx.tokens.revokeAll({ participantId: DEMO_PARTICIPANT_ID }));
  const clerk = (await ctx.pages.clerks.list()).find((a) => a.username === DEMO_CLERK_USERNAME);
  const clerkDisabled = clerk !== undefined && clerk.disabledAt === null && (await ctx.pages.clerks.disable(DEMO_CLERK_USERNAME));
  if (tokens > 0 || clerkDisabled) ctx.log.warn({ tokens, clerkDisabled }, 'production mode: demo tokens revoked and the demo clerk disabled');
  return { tokens, clerkDisabled };
}
