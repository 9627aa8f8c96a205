// Bearer-token authentication on a real database (SQLite and PostgreSQL): the one joined lookup of token and
// directory entry answers each kind of subject, and refuses unknown, revoked, expired and refused-label
// tokens, and a participant's token whose directory entry is gone or is not an authority.
import { expect } from 'chai';
import { ParticipantStore, TokenStore } from '../../broker/identity/auth/token-store.ts';
import type { Database } from '../../broker/db/database.ts';
import type { Purpose } from '../../broker/domain/codes.ts';
import type { EvidenceType } from '../../adapters/index.ts';
import { DATABASE_KINDS } from '../helpers/databases.ts';
import { openedDatabasePerTest } from '../helpers/opened-database.ts';

const NOW = new Date(Date.UTC(2026, 10, 26, 12, 0, 0));
const AUTHORITY = {
  id: 'jobcenter-test',
  name: 'Jobcenter Test',
  kind: 'authority' as const,
  region: 'DE-BE',
  evidenceTypes: ['salary', 'income'] as EvidenceType[],
  purposes: ['buergergeld'] as Purpose[],
  legalBases: ['sgb2-60'],
};

for (const kind of DATABASE_KINDS) {
  describe(`token store (${kind})`, function () {
    this.timeout(60_000);
    const opened = openedDatabasePerTest(kind);
    let database: Database;
    let tokens: TokenStore;

    beforeEach(async () => {
      database = opened();
      tokens = new TokenStore(database.prisma, () => NOW);
      await new ParticipantStore(database.prisma).upsert(AUTHORITY, NOW);
    });

    it("answers a participant's token with the directory entry", async () => {
      const token = await tokens.issue({ participantId: AUTHORITY.id }, 'system');
      expect(await tokens.authenticate(token)).to.deep.equal({ kind: 'participant', participant: AUTHORITY });
    });

    it("answers a citizen's and an operator's token with their subject", async () => {
      const citizen = await tokens.issue({ citizenIdNr: '86095742719' }, 'session');
      const operator = await tokens.issue({ operator: 'ops' }, 'statistics');
      expect(await tokens.authenticate(citizen)).to.deep.equal({ kind: 'citizen', idNr: '86095742719' });
      expect(await tokens.authenticate(operator)).to.deep.equal({ kind: 'operator', name: 'ops' });
    });

    it('refuses an unknown token', async () => {
      await tokens.issue({ participantId: AUTHORITY.id }, 'system');
      expect(await tokens.authenticate('eb_unknown')).to.equal(null);
    });

    it('refuses a revoked token and keeps the others', async () => {
      const kept = await tokens.issue({ participantId: AUTHORITY.id }, 'kept');
      const revoked = await tokens.issue({ participantId: AUTHORITY.id }, 'revoked');
      const id = (await tokens.list()).find((t) => t.label === 'revoked')!.id;
      expect(await tokens.revoke(id)).to.equal(true);
      expect(await tokens.authenticate(revoked)).to.equal(null);
      expect(await tokens.authenticate(kept)).to.have.property('kind', 'participant');
    });

    it('refuses a token from the moment it expires', async () => {
      const later = await tokens.issue({ participantId: AUTHORITY.id }, 'system', undefined, new Date(NOW.getTime() + 1000));
      const now = await tokens.issue({ participantId: AUTHORITY.id }, 'system', undefined, NOW);
      expect(await tokens.authenticate(later)).to.have.property('kind', 'participant');
      expect(await tokens.authenticate(now)).to.equal(null);
    });

    it('refuses a token whose label the caller refuses (demo tokens in production)', async () => {
      const demo = await tokens.issue({ participantId: AUTHORITY.id }, 'demo');
      expect(await tokens.authenticate(demo, ['demo'])).to.equal(null);
      expect(await tokens.authenticate(demo)).to.have.property('kind', 'participant');
    });

    it("refuses a participant's token whose directory entry is missing or not an authority", async () => {
      const orphan = await tokens.issue({ participantId: 'no-such-participant' }, 'system');
      expect(await tokens.authenticate(orphan)).to.equal(null);
      await database.prisma.participant.update({ where: { id: AUTHORITY.id }, data: { kind: 'register' } });
      const register = await tokens.issue({ participantId: AUTHORITY.id }, 'system');
      expect(await tokens.authenticate(register)).to.equal(null);
    });
  });
}
