// What another user of the broker's machine could read: the embedded database holds personal data.
import { expect } from 'chai';
import { statSync } from 'node:fs';
import { parseDatabaseUrl } from '../../broker/db/database-url.ts';
import { testDatabase } from '../helpers/databases.ts';
import { startHarness } from '../helpers/harness.ts';

describe('data at rest', () => {
  it('creates the SQLite file (and its WAL) readable and writable by the broker\'s user only (0600)', async () => {
    const h = await startHarness((await testDatabase('sqlite'))!);
    try {
      await h.call('GET', '/v1/me');
      const target = parseDatabaseUrl(h.databaseUrl);
      if (target.provider !== 'sqlite') throw new Error('expected SQLite');
      for (const file of [target.file, `${target.file}-wal`]) expect((statSync(file).mode & 0o777).toString(8), file).to.equal('600');
    } finally {
      await h.close();
    }
  });
});
