import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database } from './database.js';
import { createPgDatabase } from './pg.js';
import { createPgliteDatabase, type PgliteDatabaseOptions } from './pglite.js';

export interface OpenDatabaseOptions {
  /** DATABASE_URL; when absent, the embedded database is used. */
  url?: string | undefined;
  /** PostgreSQL pool size (ignored for PGlite, which has one connection). */
  poolMax?: number;
  /** Where the embedded database keeps its files; created when missing. */
  dataDir: string;
  /** Extensions the embedded database loads (PostgreSQL provides its own). */
  pgliteExtensions?: PgliteDatabaseOptions['extensions'];
  log: {
    info(obj: object, msg: string): void;
    warn?(obj: object, msg: string): void;
  };
}

/**
 * PostgreSQL when a URL is given, otherwise embedded PGlite in `dataDir`, announced in the log.
 * Throws DataDirLockedError when another live process uses `dataDir`.
 */
export function openDatabase(options: OpenDatabaseOptions): Database {
  const { log } = options;
  if (options.url) {
    return createPgDatabase({
      url: options.url,
      ...(options.poolMax ? { max: options.poolMax } : {}),
      ...(log.warn
        ? {
            onIdleError: (err: Error) =>
              log.warn?.({ err }, 'an idle PostgreSQL connection failed; the pool will open a new one'),
          }
        : {}),
    });
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // Locked before it is announced: a second process on the directory stops here, with only its reason.
  const db = createPgliteDatabase({
    dataDir,
    ...(options.pgliteExtensions ? { extensions: options.pgliteExtensions } : {}),
  });
  log.info({ dataDir }, `embedded PGlite database in ${dataDir} (set DATABASE_URL to use PostgreSQL)`);
  return db;
}
