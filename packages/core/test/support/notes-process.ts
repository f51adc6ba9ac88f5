// Shared by the tests that spawn the notes fixture as a real process (stdio and HTTP).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, pgliteTemplate, type TestDatabase } from '../../src/testing/index.js';

export const NOTES_MAIN = fileURLToPath(new URL('../fixtures/notes-main.ts', import.meta.url));
/** Runs the TypeScript entry point directly, with workspace packages resolved to their sources. */
export const NOTES_NODE_ARGS = ['--conditions=@bounded/source', '--import', 'tsx', NOTES_MAIN];
export const CORE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Registers hooks that provide a database for spawned servers; `env()` gives a server the run's
 * PostgreSQL schema (TEST_DATABASE_URL) or a PGlite directory of its own.
 */
export function useServerDatabase(): {
  env(extra?: Record<string, string>): Record<string, string>;
  db(): TestDatabase;
} {
  let testDb: TestDatabase;
  let dataDir: string;
  let template: string;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    if (!testDb.url) template = await pgliteTemplate();
    dataDir = mkdtempSync(join(tmpdir(), 'bounded-notes-'));
  });
  afterAll(async () => {
    await testDb.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    db: () => testDb,
    env(extra = {}) {
      const base: Record<string, string> = { LOG_LEVEL: 'debug', ...extra };
      if (testDb.url) base.DATABASE_URL = testDb.url;
      else {
        // A copy of an initialised cluster: the server skips initdb, as a server on an existing directory does.
        base.BOUNDED_DATA_DIR = join(dataDir, `pglite-${Math.random().toString(36).slice(2)}`);
        cpSync(template, base.BOUNDED_DATA_DIR, { recursive: true });
      }
      return base;
    },
  };
}
