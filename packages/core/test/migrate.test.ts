import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { loadMigrations, migrate, type Migration } from '../src/db/migrate.js';
import { createTestDatabase, hasRealPostgres, type TestDatabase } from '../src/testing/test-database.js';

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
});

afterAll(async () => {
  await testDb?.close();
});

async function recorded(scope: string): Promise<{ id: string; checksum: string }[]> {
  const { rows } = await db.query<{ id: string; checksum: string }>(
    'SELECT id, checksum FROM bounded_migrations WHERE scope = $1 ORDER BY id',
    [scope],
  );
  return rows;
}

async function tableExists(name: string): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    name,
  ]);
  return rows[0]!.exists;
}

describe('loadMigrations', () => {
  it('reads NNNN_name.sql files in name order and ignores everything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bounded-migrations-'));
    try {
      await writeFile(join(dir, '0002_second.sql'), 'SELECT 2;');
      await writeFile(join(dir, '0001_first.sql'), 'SELECT 1;');
      await writeFile(join(dir, '0010_tenth.sql'), 'SELECT 10;');
      await writeFile(join(dir, 'README.md'), '# not a migration');
      await writeFile(join(dir, '0003_draft.sql.bak'), 'SELECT 3;');
      await writeFile(join(dir, '4_short.sql'), 'SELECT 4;');
      const expected = [
        { id: '0001_first', sql: 'SELECT 1;' },
        { id: '0002_second', sql: 'SELECT 2;' },
        { id: '0010_tenth', sql: 'SELECT 10;' },
      ];
      expect(await loadMigrations(pathToFileURL(`${dir}/`))).toEqual(expected);
      // A directory URL without its trailing slash means the same directory.
      expect(await loadMigrations(pathToFileURL(dir))).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds no migrations in a directory that does not exist', async () => {
    expect(await loadMigrations(pathToFileURL(join(tmpdir(), 'bounded-no-such-dir', 'migrations/')))).toEqual(
      [],
    );
  });
});

describe(`migrate on ${hasRealPostgres() ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('applies migrations in order, records their checksums, and applies nothing the second time', async () => {
    const migrations: Migration[] = [
      {
        id: '0001_plans',
        sql: 'CREATE TABLE plans (id text PRIMARY KEY); CREATE TABLE plan_prices (plan_id text REFERENCES plans);',
      },
      {
        id: '0002_plan_name',
        sql: "ALTER TABLE plans ADD COLUMN name text NOT NULL DEFAULT ''; INSERT INTO plans VALUES ('basic', 'Basic');",
      },
    ];
    expect(await migrate(db, 'order', migrations)).toEqual({ applied: ['0001_plans', '0002_plan_name'] });
    expect((await db.query('SELECT name FROM plans')).rows).toEqual([{ name: 'Basic' }]);
    expect(await recorded('order')).toEqual(
      migrations.map((m) => ({ id: m.id, checksum: createHash('sha256').update(m.sql).digest('hex') })),
    );

    expect(await migrate(db, 'order', migrations)).toEqual({ applied: [] });
    expect((await db.query('SELECT 1 FROM plans')).rowCount).toBe(1);

    const third = { id: '0003_plan_tier', sql: 'ALTER TABLE plans ADD COLUMN tier int' };
    expect(await migrate(db, 'order', [...migrations, third])).toEqual({ applied: ['0003_plan_tier'] });
  });

  it('refuses a migration whose SQL changed after it was applied, naming scope and id', async () => {
    const original = { id: '0001_ledger', sql: 'CREATE TABLE ledger (id int)' };
    await migrate(db, 'edits', [original]);
    const edited = { ...original, sql: 'CREATE TABLE ledger (id bigint)' };
    const later = { id: '0002_ledger_note', sql: 'ALTER TABLE ledger ADD COLUMN note text' };
    const failure = migrate(db, 'edits', [edited, later]);
    await expect(failure).rejects.toThrow(/Migration edits\/0001_ledger was changed after it was applied/);
    await expect(failure).rejects.toThrow(/forward-only: restore the file as it was and add a new migration/);
    expect(await recorded('edits')).toHaveLength(1);
  });

  it('keeps scopes independent, even with the same ids', async () => {
    const core = [{ id: '0001_init', sql: 'CREATE TABLE core_settings (key text PRIMARY KEY)' }];
    const billing = [{ id: '0001_init', sql: 'CREATE TABLE billing_invoices (id text PRIMARY KEY)' }];
    expect(await migrate(db, 'core-scope', core)).toEqual({ applied: ['0001_init'] });
    expect(await migrate(db, 'billing-scope', billing)).toEqual({ applied: ['0001_init'] });
    expect(await migrate(db, 'core-scope', core)).toEqual({ applied: [] });
    expect(await migrate(db, 'billing-scope', billing)).toEqual({ applied: [] });
    expect(await tableExists('core_settings')).toBe(true);
    expect(await tableExists('billing_invoices')).toBe(true);
  });

  it('rolls a failing migration back together with its record, keeping the ones before it', async () => {
    const good = { id: '0001_orders', sql: 'CREATE TABLE orders (id int)' };
    const bad = { id: '0002_broken', sql: 'CREATE TABLE order_lines (id int); SELECT 1 / 0;' };
    await expect(migrate(db, 'failing', [good, bad])).rejects.toMatchObject({ code: '22012' });
    expect(await recorded('failing')).toEqual([expect.objectContaining({ id: '0001_orders' })]);
    expect(await tableExists('orders')).toBe(true);
    expect(await tableExists('order_lines')).toBe(false);

    const fixed = { id: '0002_broken', sql: 'CREATE TABLE order_lines (id int)' };
    expect(await migrate(db, 'failing', [good, fixed])).toEqual({ applied: ['0002_broken'] });
  });

  it('applies each migration once when several callers migrate at the same time', async () => {
    const migrations: Migration[] = [
      { id: '0001_events', sql: 'CREATE TABLE events (id int)' },
      { id: '0002_event_seed', sql: 'INSERT INTO events VALUES (1)' },
    ];
    const results = await Promise.all([1, 2, 3].map(() => migrate(db, 'concurrent', migrations)));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001_events', '0002_event_seed']);
    expect((await db.query('SELECT 1 FROM events')).rowCount).toBe(1);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('acceptance', () => {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const child = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));

  function runChild(
    url: string,
    startAt: number,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, ['--conditions=@bounded/source', '--import', 'tsx', child], {
        cwd: packageDir,
        env: { ...process.env, MIGRATE_URL: url, MIGRATE_START_AT: String(startAt) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      proc.on('error', reject);
      proc.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('Migrations run once when three processes start against one database at the same time', async () => {
    // Each process gets its own fresh schema here, so even the bookkeeping table is created in the race.
    const race = await createTestDatabase();
    try {
      const startAt = Date.now() + 3000;
      const runs = await Promise.all([1, 2, 3].map(() => runChild(race.url!, startAt)));
      for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });

      const applied = runs.flatMap((run) => (JSON.parse(run.stdout.trim()) as { applied: string[] }).applied);
      expect(applied.sort()).toEqual(['0001_runs', '0002_accounts', '0003_accounts_name']);

      const counter = await race.db.query<{ id: string; runs: number }>(
        'SELECT id, count(*)::int AS runs FROM migration_runs GROUP BY id ORDER BY id',
      );
      expect(counter.rows).toEqual([
        { id: '0001_runs', runs: 1 },
        { id: '0002_accounts', runs: 1 },
        { id: '0003_accounts_name', runs: 1 },
      ]);
      const bookkeeping = await race.db.query<{ id: string; n: number }>(
        "SELECT id, count(*)::int AS n FROM bounded_migrations WHERE scope = 'race' GROUP BY id ORDER BY id",
      );
      expect(bookkeeping.rows).toEqual([
        { id: '0001_runs', n: 1 },
        { id: '0002_accounts', n: 1 },
        { id: '0003_accounts_name', n: 1 },
      ]);
    } finally {
      await race.close();
    }
  });
});
