import { readFileSync } from 'node:fs';
import { expect } from 'chai';

// The two schema files differ only in provider and output; their models must be identical, or the one
// `Db` type the code uses would lie about one of the databases.
const models = (provider: string) => readFileSync(`prisma/${provider}/schema.prisma`, 'utf8').split('// MODELS')[1];

describe('Prisma schemas', () => {
  it('keep identical models for SQLite and PostgreSQL', () => {
    expect(models('sqlite')).to.be.a('string').and.to.have.length.greaterThan(100);
    expect(models('postgresql')).to.equal(models('sqlite'));
  });
});
