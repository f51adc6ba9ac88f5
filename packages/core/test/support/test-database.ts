// A throwaway database for one test file: opened before its tests, closed after them.
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../../src/testing/index.js';

/** Registers the hooks; the returned function gives the open database inside tests. */
export function useTestDatabase(): () => Database {
  let testDb: TestDatabase | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb?.close();
  });
  return () => testDb!.db;
}
