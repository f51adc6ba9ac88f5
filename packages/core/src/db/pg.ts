import type pg from 'pg';
import type { Database, QueryResult } from './database.js';
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
  const connect = () =>
    (driver ??= import('pg').then(({ default: pgModule }) => {
      const pool = new pgModule.Pool({
        connectionString,
        max: options.max ?? 10,
        ...(options.applicationName ? { application_name: options.applicationName } : {}),
      });
      // Without a listener, an idle connection's error would crash the process.
      pool.on('error', options.onIdleError ?? ((err) => process.emitWarning(err, 'PostgreSQLPoolWarning')));
      return { pool, Client: pgModule.Client };
    }));

  const acquire = async (): Promise<TxConnection> => {
    const { pool, Client } = await connect();
    const client = await pool.connect();
    // A checked-out connection that dies between statements reports on the client, and an
    // unheard 'error' event would crash the process. The next statement fails anyway; keep the
    // error so the connection is destroyed, not pooled.
    let lost: Error | undefined;
    const onLost = (err: Error): void => {
      lost = err;
    };
    client.on('error', onLost);
    return {
      query: (sql, params) => run(client, sql, params),
      cancel: () => cancelStatement(Client, connectionString, client),
      release: (broken) => {
        client.removeListener('error', onLost);
        // Handing release() an error makes the pool destroy the connection instead of reusing it.
        client.release(
          lost ?? (broken ? new Error('connection left in an unknown transaction state') : undefined),
        );
      },
    };
  };

  let closing: Promise<void> | undefined;
  return {
    kind: 'postgres',
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const { rows, rowCount } = await run((await connect()).pool, sql, params);
      return { rows: rows as R[], rowCount };
    },
    transaction: (fn, txOptions = {}) =>
      withTxRetry(
        () => runTransaction(acquire, fn, txOptions),
        txOptions.signal ? { signal: txOptions.signal } : {},
      ),
    async ping() {
      await (await connect()).pool.query('SELECT 1');
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
  target: pg.Pool | pg.PoolClient,
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
  await canceller.connect();
  try {
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } finally {
    await canceller.end();
  }
}
