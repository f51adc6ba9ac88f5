import type { Database, Queryable, TransactionOptions } from './database.js';

/**
 * A Database whose setup (open, migrate) runs on first use, once; a failed setup is retried on
 * the next use. Lets a server answer `tools/list` before the database is even opened.
 */
export function lazyDatabase(
  inner: Database,
  setup: (db: Database) => Promise<void>,
): Database & { ready(): Promise<void> } {
  let pending: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    pending ??= setup(inner).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return {
    kind: inner.kind,
    ready,
    async query(sql, params) {
      await ready();
      return inner.query(sql, params);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions) {
      await ready();
      return inner.transaction(fn, options);
    },
    async ping() {
      await ready();
      await inner.ping();
    },
    close: () => inner.close(),
  };
}
