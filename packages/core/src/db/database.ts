/** Rows and count of one statement. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one parameterised statement ($1, $2, ...). */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

export interface TransactionOptions {
  /** Defaults to 'read committed'. */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Aborts waiting and running work; the transaction rolls back. */
  signal?: AbortSignal;
}

/** The one port to PostgreSQL (pg.Pool) or embedded PGlite. */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in a transaction and commits when it resolves; rolls back when it throws.
   * Serialization failures and deadlocks are retried a bounded number of times, so `fn` must be
   * safe to run again (it is: everything it did was rolled back).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Cheap liveness check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
