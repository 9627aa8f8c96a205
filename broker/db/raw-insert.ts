// One multi-row INSERT for the hot path's bulk writes, because Prisma's createMany plans its query anew on every
// call. The driver adapter binds values as Prisma's own writes do, so dates are stored the same way.
// NOTE: table and column names come from the code, never from input: they are spliced into the SQL.
import type { SqlStatements, SqlValue } from './direct-sql.ts';

export async function insertRows<R extends { [K in C]: SqlValue }, C extends string>(sql: SqlStatements, table: string, columns: readonly C[], rows: readonly R[]): Promise<void> {
  if (rows.length === 0) return;
  const row = `(${columns.map(() => '?').join(', ')})`;
  const args: SqlValue[] = [];
  for (const r of rows) for (const c of columns) args.push(r[c]);
  await sql.execute(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${Array(rows.length).fill(row).join(', ')}`, args);
}
