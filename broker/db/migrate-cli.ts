// `npm run migrate`: apply pending migrations to the database named by DATABASE_URL, then exit.
// Exit codes as the admin tool's: 0 done, 1 the migration failed (a database that cannot be reached, a
// drifted or newer database), 2 configuration (a variable, DATABASE_URL's form).
import { AdminError, configOf, EXIT, type CliIo } from '../ops/admin-kit.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { migrate } from './migrate.ts';
import { isEntryPoint } from '../ops/entry-point.ts';

/** One run of `npm run migrate` in `io`'s environment: its exit code. */
export async function runMigrate(io: CliIo): Promise<number> {
  try {
    const target = parseDatabaseUrl(configOf(io.env).databaseUrl);
    const applied = await migrate(target);
    io.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return EXIT.ok;
  } catch (err) {
    io.stderr.write(`migrate: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof AdminError ? err.exitCode : EXIT.failed;
  }
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runMigrate({ env: process.env, stdout: process.stdout, stderr: process.stderr });
}
