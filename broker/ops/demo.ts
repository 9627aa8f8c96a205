// Demo data for `npm start`: the sandbox register directory, one authority (an Elterngeld office) with a token, one sandbox citizen with a
// citizen token and a consent for that office, an operator's token, and a clerk account for the lookup page.
// Safe to run on every start: it never duplicates.
import { randomBytes } from 'node:crypto';
import type { Simulators } from '../../adapters/simulators.ts';
import { LEGAL_BASES } from '../../consent/legal-bases.ts';
import { seedSandboxDirectory } from '../directory/sandbox-directory.ts';
import { PURPOSES } from '../domain/codes.ts';
import { EVIDENCE_TYPES } from '../../adapters/index.ts';
import type { Context } from '../context.ts';
import { DEMO_CITIZEN_IDNR, DEMO_CLERK_USERNAME, DEMO_PARTICIPANT_ID } from './demo-identities.ts';

export { DEMO_CITIZEN_IDNR, DEMO_CLERK_USERNAME, DEMO_PARTICIPANT_ID };


/** What the demo seeding produced; tokens are shown once at start-up. */
export interface DemoSeed {
  participantId: string;
  participantToken: string;
  citizenIdNr: string;
  citizenToken: string;
  /** An operator's token (statistics, full audit verification), labelled `demo` like the others. */
  operatorToken: string;
  consentId: string;
  clerkUsername: string;
  clerkPassword: string;
}

/**
 * The demo's register directory: each simulated instance with its certificate pinned — as with real
 * registers, only answers signed by that instance are read. The broker signs with the sandbox broker keys the
 * simulators pin.
 */
export async function seedDemoDirectory(ctx: Context, simulators: Pick<Simulators, 'instances'>): Promise<void> {
  await seedSandboxDirectory(ctx.registers, simulators.instances, ctx.clock());
  await ctx.directory.refresh();
}

/** Seeds the demo data; with the simulators, their instances into the directory first. */
export async function seedDemo(ctx: Context, simulators?: Pick<Simulators, 'instances'>): Promise<DemoSeed> {
  const now = ctx.clock();
  if (simulators) await seedDemoDirectory(ctx, simulators);
  await ctx.participants.upsert(
    { id: DEMO_PARTICIPANT_ID, name: 'Elterngeldstelle Musterstadt', kind: 'authority', region: 'DE-NW', evidenceTypes: [...EVIDENCE_TYPES], purposes: [...PURPOSES], legalBases: LEGAL_BASES.map((b) => b.code) },
    now,
  );
  // NOTE: each start issues fresh demo tokens and revokes the previous run's, so old printed ones stop working.
  const authority = { participantId: DEMO_PARTICIPANT_ID };
  const citizen = { citizenIdNr: DEMO_CITIZEN_IDNR };
  const operator = { operator: 'demo' };
  await ctx.tokens.revokeLabelled(authority, 'demo');
  await ctx.tokens.revokeLabelled(citizen, 'demo');
  await ctx.tokens.revokeLabelled(operator, 'demo');
  const participantToken = await ctx.tokens.issue(authority, 'demo', ctx.cfg.demoToken);
  const citizenToken = await ctx.tokens.issue(citizen, 'demo');
  const operatorToken = await ctx.tokens.issue(operator, 'demo');
  // Like the tokens: a fresh password each start (or BROKER_DEMO_CLERK_PASSWORD), and the previous
  // run's clerk sessions end because the password changed after they began.
  const clerkPassword = ctx.cfg.demoClerkPassword ?? randomBytes(12).toString('base64url');
  await ctx.pages.clerks.register({ username: DEMO_CLERK_USERNAME, displayName: 'Demo-Sachbearbeitung', participantId: DEMO_PARTICIPANT_ID, password: clerkPassword });
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
      paper: null,
    }));
  return {
    participantId: DEMO_PARTICIPANT_ID,
    participantToken,
    citizenIdNr: DEMO_CITIZEN_IDNR,
    citizenToken,
    operatorToken,
    consentId: consent.id,
    clerkUsername: DEMO_CLERK_USERNAME,
    clerkPassword,
  };
}

