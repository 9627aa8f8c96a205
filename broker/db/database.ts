// Opens the database named by DATABASE_URL through Prisma's driver adapters and applies migrations.
// NOTE: both generated clients have the same models (test/prisma-schemas.test.ts), so the rest of the code
// uses one type, `Db`, and never learns which database it talks to.
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqlitePrismaClient } from '../../prisma/generated/sqlite/client.ts';
import { PrismaClient as PostgresPrismaClient } from '../../prisma/generated/postgresql/client.ts';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.ts';
import { migrate } from './migrate.ts';

/** The Prisma client the stores use, whichever database is behind it. */
export type Db = SqlitePrismaClient;
/** A Prisma client inside an interactive transaction. */
export type DbTx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** An open database: the client, which provider, and how to close it. */
export interface Database {
  prisma: Db;
  target: DatabaseTarget;
  migrationsApplied: string[];
  close(): Promise<void>;
}

export async function openDatabase(url: string, opts: { migrate?: boolean } = {}): Promise<Database> {
  const target = parseDatabaseUrl(url);
  const migrationsApplied = opts.migrate === false ? [] : await migrate(target);
  const prisma =
    target.provider === 'sqlite'
      ? new SqlitePrismaClient({ adapter: new PrismaBetterSqlite3({ url: target.file, timeout: 10_000 }) })
      : (new PostgresPrismaClient({
          adapter: new PrismaPg({ connectionString: target.connectionString }, { schema: target.schema }),
        }) as unknown as Db);
  await prisma.$connect();
  return { prisma, target, migrationsApplied, close: () => prisma.$disconnect() };
}
