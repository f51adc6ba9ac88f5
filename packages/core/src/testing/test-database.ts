import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Database } from '../db/database.js';
import { createPgDatabase, withSearchPath } from '../db/pg.js';
import { createPgliteDatabase, type PgliteDatabaseOptions } from '../db/pglite.js';
import { copyPgliteTemplate } from './pglite-template.js';

/** A throwaway database for one test file. */
export interface TestDatabase {
  db: Database;
  /** On PostgreSQL, a URL that lands any process, a spawned server included, in this database's schema. */
  url: string | undefined;
  /** On PGlite, the temporary directory holding its files. */
  dataDir: string | undefined;
  /** Closes the database and deletes everything in it. */
  close(): Promise<void>;
}

/** Whether tests run against a real PostgreSQL (`TEST_DATABASE_URL`) rather than PGlite. */
export function hasRealPostgres(): boolean {
  return Boolean(process.env.TEST_DATABASE_URL);
}

/**
 * A fresh schema in `TEST_DATABASE_URL` when it is set, otherwise PGlite in a fresh temporary
 * directory, with `pgliteExtensions` loaded (an app's migrations may create them).
 */
export async function createTestDatabase(
  options: { pgliteExtensions?: PgliteDatabaseOptions['extensions'] } = {},
): Promise<TestDatabase> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  return baseUrl ? createSchemaDatabase(baseUrl) : createPgliteTestDatabase(options.pgliteExtensions);
}

async function createSchemaDatabase(baseUrl: string): Promise<TestDatabase> {
  const schema = `t_${randomBytes(8).toString('hex')}`;
  await administer(baseUrl, `CREATE SCHEMA ${schema}`);
  // The database connects through the very URL handed to child processes, so every test that
  // uses it also proves the URL lands in the schema.
  const url = withSearchPath(baseUrl, schema);
  const db = createPgDatabase({ url });
  return {
    db,
    url,
    dataDir: undefined,
    async close() {
      await db.close();
      await administer(baseUrl, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

async function createPgliteTestDatabase(
  extensions: PgliteDatabaseOptions['extensions'],
): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bounded-test-'));
  await copyPgliteTemplate(dataDir);
  const db = createPgliteDatabase({ dataDir, ...(extensions ? { extensions } : {}) });
  return {
    db,
    url: undefined,
    dataDir,
    async close() {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function administer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
