import type pg from 'pg';
import type { Database, QueryResult } from './database.js';
import { databaseUnavailable, isConnectionFailure } from './connection-failure.js';
import { withTxRetry } from './retry.js';
import { runTransaction, type StatementResult, type TxConnection } from './run-transaction.js';

export interface PgDatabaseOptions {
  /** postgres://user:password@host:port/database, with any libpq-style parameters pg understands. */
  url: string;
  /** Pool size; defaults to 10. */
  max?: number;
  /** Schema list every connection starts with (`SET search_path`), e.g. a per-test schema. */
  searchPath?: string;
  applicationName?: string;
  /**
   * Told when an idle pooled connection dies (server restart, network cut); the pool replaces it.
   * Defaults to a process warning on stderr.
   */
  onIdleError?: (err: Error) => void;
}

/**
 * A Database over a pg.Pool. Values come back as node-postgres parses them by default: int8
 * (bigint, count(*)) and numeric as strings, so no precision is lost; cast in SQL (`::int`) where
 * a JS number is wanted. (node-postgres does turn numeric[] into JS numbers: cast to text[] to
 * keep every digit.) Statements without parameters use the simple protocol and may hold
 * several commands (the result is the last one's); statements with parameters hold one.
 */
export function createPgDatabase(options: PgDatabaseOptions): Database {
  const connectionString = options.searchPath ? withSearchPath(options.url, options.searchPath) : options.url;
  // The driver loads on first use: start-up stays fast for a server that is only listed.
  let driver: Promise<{ pool: pg.Pool; Client: typeof pg.Client }> | undefined;
  // Why each connection broke, as its 'error' event said; the pool must not hand it out again.
  const broken = new WeakMap<pg.Client, Error>();
  const connect = () =>
    (driver ??= import('pg').then(({ default: pgModule }) => {
      const pool = new pgModule.Pool({
        connectionString,
        max: options.max ?? 10,
        ...(options.applicationName ? { application_name: options.applicationName } : {}),
      });
      // Every connection is heard from the moment it exists, checked out or idle: an 'error' event
      // nobody listens to (a backend terminated between two statements) would crash the process.
      pool.on('connect', (client) => {
        client.on('error', (err) => {
          if (!broken.has(client)) broken.set(client, err);
        });
      });
      const onIdleError = options.onIdleError ?? ((err) => process.emitWarning(err, 'PostgreSQLPoolWarning'));
      pool.on('error', (err) => {
        // pg-pool hangs the whole client on the error, the backend's cancel key included; it has
        // no place in a log line.
        delete (err as Error & { client?: unknown }).client;
        onIdleError(err);
      });
      return { pool, Client: pgModule.Client };
    }));

  const checkout = async (): Promise<TxConnection> => {
    const { pool, Client } = await connect();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      // Without a SQLSTATE the driver itself gave up (socket closed during start-up, pool ended);
      // a SQLSTATE such as a failed password stays what it is, since a retry will not fix it.
      if (hasSqlState(err) && !isConnectionFailure(err)) throw err;
      const unavailable = databaseUnavailable(err);
      unavailable.beforeCommit = true;
      throw unavailable;
    }
    return {
      async query(sql, params) {
        try {
          return await run(client, sql, params);
        } catch (err) {
          // A statement on a broken connection fails with a driver message ("not queryable",
          // "terminated unexpectedly"); the event kept the real cause.
          const cause = broken.get(client);
          throw cause || isConnectionFailure(err) ? databaseUnavailable(cause ?? err) : err;
        }
      },
      cancel: () => cancelStatement(Client, connectionString, client),
      release: (unknownState) => {
        // Handing release() an error makes the pool destroy the connection instead of reusing it.
        client.release(
          broken.get(client) ??
            (unknownState ? new Error('connection left in an unknown transaction state') : undefined),
        );
      },
    };
  };

  const query = async <R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => {
    const conn = await checkout();
    try {
      const { rows, rowCount } = await conn.query(sql, params);
      return { rows: rows as R[], rowCount };
    } finally {
      await conn.release(false);
    }
  };

  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    query,
    transaction: (fn, txOptions = {}) =>
      withTxRetry(
        () => runTransaction(checkout, fn, txOptions),
        txOptions.signal ? { signal: txOptions.signal } : {},
      ),
    async ping() {
      await query('SELECT 1');
    },
    close: () => (closing ??= driver ? driver.then(({ pool }) => pool.end()) : Promise.resolve()),
  };
}

/**
 * `url` with `-c search_path=…` added to its libpq `options` parameter, so every connection made
 * from it, in this process or a child given the URL, starts in that schema.
 */
export function withSearchPath(url: string, searchPath: string): string {
  const parsed = new URL(url);
  // In libpq's options, a backslash escapes a space that belongs to the value.
  const setting = `-c search_path=${searchPath.replace(/[\\ ]/g, '\\$&')}`;
  const existing = parsed.searchParams.get('options');
  parsed.searchParams.set('options', existing ? `${existing} ${setting}` : setting);
  // URLSearchParams writes spaces as '+', which libpq (psql) does not decode; a literal '+' is
  // already %2B, so every '+' left is a space.
  parsed.search = parsed.searchParams.toString().replace(/\+/g, '%20');
  return parsed.href;
}

async function run(
  target: pg.PoolClient,
  sql: string,
  params?: readonly unknown[],
): Promise<StatementResult> {
  const raw: pg.QueryResult | pg.QueryResult[] = await target.query(sql, params ? [...params] : undefined);
  // The simple protocol answers a multi-command string with one result per command.
  const last = Array.isArray(raw) ? raw.at(-1) : raw;
  return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0, command: last?.command };
}

// A separate connection, not the pool: the pool may be exhausted by the very transactions waiting
// on the statement being cancelled.
async function cancelStatement(
  Client: typeof pg.Client,
  connectionString: string,
  client: pg.PoolClient,
): Promise<void> {
  // pg keeps the backend pid on the client without declaring it in its types.
  const pid = (client as unknown as { processID: number | null }).processID;
  if (pid === null) return;
  const canceller = new Client({ connectionString });
  // Its failures reach the caller through connect() and query(); unheard, the event would crash the process.
  canceller.on('error', () => {});
  await canceller.connect();
  try {
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } finally {
    await canceller.end();
  }
}

/** Whether the server answered with a SQLSTATE (five characters), as opposed to a driver or socket error. */
function hasSqlState(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}
