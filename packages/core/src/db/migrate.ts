import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Database, Queryable } from './database.js';

/** One forward-only schema change: `id` is its file name without `.sql`, e.g. `0001_init`. */
export interface Migration {
  id: string;
  sql: string;
}

const MIGRATION_FILE = /^\d{4}_[A-Za-z0-9_.-]+\.sql$/;

// Every process that migrates takes this one lock first, whatever its scope: migrations are rare
// and short, and one key keeps the bootstrap of the bookkeeping table itself race-free.
const LOCK = `SELECT pg_advisory_xact_lock(hashtext('bounded_migrations'))`;

/** The `NNNN_name.sql` files of `dir`, in name order; other files are ignored, a missing directory has none. */
export async function loadMigrations(dir: URL): Promise<Migration[]> {
  const base = dir.href.endsWith('/') ? dir : new URL(`${dir.href}/`);
  let names: string[];
  try {
    names = await readdir(base);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = names.filter((name) => MIGRATION_FILE.test(name)).sort();
  return Promise.all(
    files.map(async (name) => ({
      id: name.slice(0, -'.sql'.length),
      sql: await readFile(new URL(name, base), 'utf8'),
    })),
  );
}

/**
 * Applies, in order, the migrations of `scope` not yet recorded in `bounded_migrations`, each in
 * its own transaction together with its record; safe when several processes start at once. A
 * migration's SQL must not contain transaction control. Throws when an applied migration's SQL
 * has changed since.
 */
export async function migrate(
  db: Database,
  scope: string,
  migrations: Migration[],
): Promise<{ applied: string[] }> {
  await db.transaction(async (tx) => {
    // CREATE TABLE IF NOT EXISTS is not safe against itself (concurrent creators collide on
    // pg_type), so the lock comes first.
    await tx.query(LOCK);
    await tx.query(`CREATE TABLE IF NOT EXISTS bounded_migrations (
      scope text NOT NULL,
      id text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, id)
    )`);
  });

  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction((tx) => applyOne(tx, scope, migration));
    if (ran) applied.push(migration.id);
  }
  return { applied };
}

// Read committed: after the lock, each statement sees what the previous holder committed.
async function applyOne(tx: Queryable, scope: string, migration: Migration): Promise<boolean> {
  await tx.query(LOCK);
  const checksum = createHash('sha256').update(migration.sql).digest('hex');
  const { rows } = await tx.query<{ checksum: string }>(
    'SELECT checksum FROM bounded_migrations WHERE scope = $1 AND id = $2',
    [scope, migration.id],
  );
  const recorded = rows[0]?.checksum;
  if (recorded === checksum) return false;
  if (recorded !== undefined) {
    throw new Error(
      `Migration ${scope}/${migration.id} was changed after it was applied (checksum ${recorded.slice(0, 12)}… recorded, ` +
        `${checksum.slice(0, 12)}… now). Migrations are forward-only: restore the file as it was and add a new migration instead.`,
    );
  }
  await tx.query(migration.sql);
  await tx.query('INSERT INTO bounded_migrations (scope, id, checksum) VALUES ($1, $2, $3)', [
    scope,
    migration.id,
    checksum,
  ]);
  return true;
}
