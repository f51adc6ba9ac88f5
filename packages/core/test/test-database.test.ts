import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, hasRealPostgres } from '../src/testing/test-database.js';

async function tableExists(
  db: { query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }> },
  name: string,
): Promise<boolean> {
  const { rows } = await db.query('SELECT to_regclass($1) IS NOT NULL AS exists', [name]);
  return (rows[0] as { exists: boolean }).exists;
}

describe(`createTestDatabase on ${hasRealPostgres() ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('isolates test databases: neither sees the other’s tables', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    try {
      await a.db.query('CREATE TABLE widgets (id int)');
      await a.db.query('INSERT INTO widgets VALUES (1)');
      expect(await tableExists(a.db, 'widgets')).toBe(true);
      expect(await tableExists(b.db, 'widgets')).toBe(false);
      // The same name is free in the other database.
      await b.db.query('CREATE TABLE widgets (id int)');
      expect((await b.db.query('SELECT * FROM widgets')).rowCount).toBe(0);
      expect((await a.db.query('SELECT * FROM widgets')).rowCount).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('describes itself by backend: a URL on PostgreSQL, a data directory on PGlite', async () => {
    const t = await createTestDatabase();
    try {
      if (hasRealPostgres()) {
        expect(t.db.kind).toBe('postgres');
        expect(t.url).toMatch(/[?&]options=-c%20search_path%3Dt_[0-9a-f]{16}(&|$)/);
        expect(t.dataDir).toBeUndefined();
      } else {
        expect(t.db.kind).toBe('pglite');
        expect(t.url).toBeUndefined();
        expect(t.dataDir).toBeDefined();
      }
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!hasRealPostgres())('createTestDatabase on PostgreSQL', () => {
  it('hands out a URL that lands any new connection in the same schema', async () => {
    const t = await createTestDatabase();
    try {
      await t.db.query('CREATE TABLE shared_with_child (note text)');
      await t.db.query("INSERT INTO shared_with_child VALUES ('hello')");
      const outsider = new pg.Client({ connectionString: t.url });
      await outsider.connect();
      try {
        const { rows } = await outsider.query<{ schema: string; note: string }>(
          'SELECT current_schema() AS schema, note FROM shared_with_child',
        );
        expect(rows).toEqual([{ schema: expect.stringMatching(/^t_[0-9a-f]{16}$/), note: 'hello' }]);
      } finally {
        await outsider.end();
      }
    } finally {
      await t.close();
    }
  });

  it('drops its schema on close', async () => {
    const t = await createTestDatabase();
    const schema = (await t.db.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]!
      .schema;
    await t.close();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      expect(rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});

describe.skipIf(hasRealPostgres())('createTestDatabase on PGlite', () => {
  it('removes its data directory on close', async () => {
    const t = await createTestDatabase();
    await t.db.query('CREATE TABLE t (id int)');
    expect(existsSync(t.dataDir!)).toBe(true);
    await t.close();
    expect(existsSync(t.dataDir!)).toBe(false);
  });
});
