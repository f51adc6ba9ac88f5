import { createTestDatabase, hasRealPostgres } from '@bounded/core/testing';

/**
 * Whether the tests' database can have the vector extension: always on PGlite (its pgvector build
 * is loaded), on PostgreSQL only where pgvector is installed.
 */
export async function vectorInstallable(): Promise<boolean> {
  if (!hasRealPostgres()) return true;
  const probe = await createTestDatabase();
  try {
    const { rows } = await probe.db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return rows.length > 0;
  } finally {
    await probe.close();
  }
}
