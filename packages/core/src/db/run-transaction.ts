import { DatabaseUnavailableError } from './connection-failure.js';
import type { QueryResult, Queryable, TransactionOptions } from './database.js';

/** One statement's result as an adapter reports it, with the command tag PostgreSQL answered. */
export interface StatementResult extends QueryResult<unknown> {
  command: string | undefined;
}

/** One connection an adapter lends a transaction, held until `release`. */
export interface TxConnection {
  query(sql: string, params?: readonly unknown[]): Promise<StatementResult>;
  /** Interrupts the statement in flight, so an aborted transaction need not wait for it. */
  cancel(): Promise<void>;
  /** Hands the connection back; `broken` when its session state is unknown and it must not be reused. */
  release(broken: boolean): Promise<void> | void;
}

const ended = (): Error =>
  new Error('This transaction has ended; run further statements in a new transaction.');

const BEGIN: Record<NonNullable<TransactionOptions['isolation']>, string> = {
  'read committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
};

/**
 * Runs `fn` once in a transaction on a connection from `acquire`: BEGIN, fn, COMMIT; ROLLBACK when
 * anything throws or the signal aborts. Retrying is the caller's business (see retry.ts).
 */
export async function runTransaction<T>(
  acquire: () => Promise<TxConnection>,
  fn: (tx: Queryable) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const { signal } = options;
  signal?.throwIfAborted();
  const conn = await untilAborted(acquire(), signal, (late) => late.release(false));
  const tx = new TxGuard(conn);
  let broken = false;
  let committing = false;
  try {
    await tx.query(BEGIN[options.isolation ?? 'read committed']);
    signal?.throwIfAborted();
    const value = await untilAborted(fn({ query: (sql, params) => tx.query(sql, params) }), signal);
    await tx.finish(ended());
    committing = true;
    const commit = await conn.query('COMMIT');
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK and no error: a statement
    // failed and the callback caught its error. Reporting success would lose the writes silently.
    if (commit.command === 'ROLLBACK') {
      throw new Error(
        'The transaction was rolled back, not committed: a statement in it failed and the callback caught the error.',
      );
    }
    return value;
  } catch (err) {
    const aborted = signal?.aborted === true;
    if (aborted && tx.busy) {
      broken = !(await settles(conn.cancel()));
    }
    await tx.finish(aborted ? signal?.reason : ended());
    if (!broken) broken = !(await settles(conn.query('ROLLBACK')));
    // A connection lost before COMMIT was sent took its transaction with it: safe to run again.
    // Lost during COMMIT, the outcome is unknown and only the caller can find out.
    if (!committing && err instanceof DatabaseUnavailableError) err.beforeCommit = true;
    throw err;
  } finally {
    await conn.release(broken);
  }
}

/** The callback's view of the connection: statements stop being accepted once the transaction ends. */
class TxGuard {
  readonly #conn: TxConnection;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closedBy: unknown;
  #closed = false;

  constructor(conn: TxConnection) {
    this.#conn = conn;
  }

  get busy(): boolean {
    return this.#inFlight.size > 0;
  }

  async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    // A statement that arrived after COMMIT or ROLLBACK would run outside the transaction, on a
    // connection that may already belong to someone else.
    if (this.#closed) throw this.#closedBy;
    const running = this.#conn.query(sql, params);
    this.#inFlight.add(running);
    try {
      const { rows, rowCount } = await running;
      return { rows: rows as R[], rowCount };
    } finally {
      this.#inFlight.delete(running);
    }
  }

  /** Refuses new statements with `reason` and waits for those already sent. */
  async finish(reason: unknown): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#closedBy = reason;
    }
    await Promise.allSettled([...this.#inFlight]);
  }
}

/** Whether `work` succeeded; used where a failure has one remedy, dropping the connection. */
async function settles(work: Promise<unknown>): Promise<boolean> {
  return work.then(
    () => true,
    () => false,
  );
}

/**
 * `work`, or a rejection with the signal's reason as soon as it aborts. The abandoned work still
 * runs to its end; `onLate` receives its value so resources it acquired can be handed back.
 */
function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  onLate?: (value: T) => unknown,
): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let abandoned = false;
    if (signal.aborted) {
      abandoned = true;
      reject(signal.reason);
    }
    const onAbort = (): void => {
      abandoned = true;
      reject(signal.reason);
    };
    if (!abandoned) signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (abandoned) onLate?.(value);
        else resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        // Once abandoned, the caller already has the abort reason; this later failure is its echo
        // (statements refused by the closed transaction), so it has nowhere useful to go.
        if (!abandoned) reject(err);
      },
    );
  });
}
