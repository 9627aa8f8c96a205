// `npm run migrate`: apply pending migrations to the database named by DATABASE_URL, then exit.
import { ConfigError, envToConfig, readEnv } from '../config/config.ts';
import { parseDatabaseUrl } from './database-url.ts';
import { migrate } from './migrate.ts';

try {
  const cfg = envToConfig(readEnv());
  const target = parseDatabaseUrl(cfg.databaseUrl);
  const applied = await migrate(target);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
} catch (err) {
  process.stderr.write(`migrate: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
