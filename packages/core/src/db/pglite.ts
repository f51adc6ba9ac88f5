import { AsyncLocalStorage } from 'node:async_hooks';
import type { Extensions, PGlite, ParserOptions } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import type { Database, QueryResult, Queryable, TransactionOptions } from './database.js';
import { withTxRetry } from './retry.js';
import { runTransaction, type StatementResult, type TxConnection } from './run-transaction.js';

export interface PgliteDatabaseOptions {
  /**
   * Directory holding the database files, locked for this process at once (until `close()` or
   * exit); omitted, the database lives in memory.
   */
  dataDir?: string;
  /** PGlite extensions to load at open (e.g. pg_trgm from '@electric-sql/pglite/contrib/pg_trgm'). */
  extensions?: Readonly<Record<string, PgliteExtension>>;
}

/**
 * A PGlite extension, by shape: the declarations do not import PGlite's own types, so a strict
 * project that checks every library's declarations does not inherit theirs.
 */
export interface PgliteExtension {
  name: string;
  setup: (...args: never[]) => unknown;
}

/**
 * A Database over embedded PGlite, opened on first use: opening costs about 0.35 s and 150 MiB
 * (seconds, the first time, while it creates the database). PGlite has one connection, so
 * statements and transactions take turns. Values come back exactly as node-postgres returns them
 * (int8 and numeric as strings, and so on), so code behaves the same on both backends. Throws
 * DataDirLockedError when another live process has `dataDir`: PGlite is single-process.
 */
export function createPgliteDatabase(options: PgliteDatabaseOptions = {}): Database {
  // Taken now, not on first use: a second server on the directory fails at start, not mid-call.
  const lock = options.dataDir ? lockDataDir(options.dataDir) : undefined;
  const turn = createTurnstile();
  // Marks the async context of a running transaction's callback (see refuseSelfWait).
  const inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  let opened: Promise<Session> | undefined;
  let broken: Session | undefined;
  let closed = false;

  // Called only while holding the turn, so two opens (or an open and a close) never overlap.
  async function instance(): Promise<Session> {
    if (closed) throw new Error('The PGlite database is closed.');
    if (broken) {
      // Two instances on one data directory would corrupt it: the old one goes first.
      const old = broken;
      broken = undefined;
      await old.pglite.close();
    }
    opened ??= open(options.dataDir, options.extensions).catch((err: unknown) => {
      opened = undefined;
      throw err;
    });
    return opened;
  }

  // With one connection, a transaction's callback that calls the database instead of its `tx`
  // would wait for its own transaction forever; fail at once instead.
  function refuseSelfWait(): void {
    if (inTransaction.getStore()?.open) {
      throw new Error(
        "PGlite has a single connection and this transaction holds it: run the statement through the transaction's `tx`, not the database.",
      );
    }
  }

  async function exclusive<T>(work: (session: Session) => Promise<T>): Promise<T> {
    refuseSelfWait();
    const leave = await turn();
    try {
      return await work(await instance());
    } finally {
      leave();
    }
  }

  const acquire = async (): Promise<TxConnection> => {
    const leave = await turn();
    let session: Session;
    try {
      session = await instance();
    } catch (err) {
      leave();
      throw err;
    }
    return {
      query: (sql, params) => run(session, sql, params),
      // A statement runs synchronously inside the WebAssembly module: there is nothing to interrupt.
      cancel: async () => undefined,
      release: (isBroken) => {
        // A session whose transaction state is unknown is retired; the next use opens a fresh
        // instance (an in-memory database then starts empty, which beats running in a stray transaction).
        if (isBroken && opened) {
          broken = session;
          opened = undefined;
        }
        leave();
      },
    };
  };

  return {
    kind: 'pglite',
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const { rows, rowCount } = await exclusive((session) => run(session, sql, params));
      return { rows: rows as R[], rowCount };
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, txOptions: TransactionOptions = {}): Promise<T> {
      refuseSelfWait();
      const attempt = (): Promise<T> => {
        const marker = { open: true };
        const marked = (tx: Queryable): Promise<T> => inTransaction.run(marker, () => fn(tx));
        return runTransaction(acquire, marked, txOptions).finally(() => {
          marker.open = false;
        });
      };
      return withTxRetry(attempt, txOptions.signal ? { signal: txOptions.signal } : {});
    },
    async ping() {
      await exclusive((session) => run(session, 'SELECT 1'));
    },
    async close() {
      const leave = await turn();
      try {
        closed = true;
        const current = opened;
        opened = undefined;
        if (broken) await broken.pglite.close();
        if (current) await (await current).pglite.close();
      } finally {
        lock?.release();
        leave();
      }
    },
  };
}

/** An open PGlite and the parsers that make its values look like node-postgres's. */
interface Session {
  pglite: PGlite;
  parsers: ParserOptions;
}

async function open(
  dataDir: string | undefined,
  extensions: PgliteDatabaseOptions['extensions'],
): Promise<Session> {
  // Loaded here, not at start-up: the module is large and a server may never touch its database.
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    ...(extensions ? { extensions: extensions as Extensions } : {}),
    // shared_buffers=8MB takes about 130 MiB off the resident size. It goes on the command line,
    // not in `postgresqlconf`: that option replaces postgresql.conf whole, dropping initdb's
    // timezone=UTC and lc_messages=C.
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=8MB'],
  });
  await pglite.waitReady;
  return { pglite, parsers: await nodePostgresParsers(pglite) };
}

// node-postgres's text parser for every type PGlite would otherwise parse its own way, array
// types included; where node-postgres has none, its fallback keeps the text as it is. Passed
// with each statement, because PGlite re-derives array parsers from element parsers at start-up.
async function nodePostgresParsers(pglite: PGlite): Promise<ParserOptions> {
  const { default: pg } = await import('pg');
  const oids = Object.keys(pglite.parsers)
    .map(Number)
    .filter(Number.isInteger)
    .concat(Object.values(pg.types.builtins));
  return Object.fromEntries(oids.map((oid) => [oid, pg.types.getTypeParser(oid, 'text')]));
}

// Mirrors node-postgres: without parameters, the simple protocol (several commands allowed, the
// last one's result returned); with parameters, one prepared statement.
async function run(
  { pglite, parsers }: Session,
  sql: string,
  params?: readonly unknown[],
): Promise<StatementResult> {
  const result =
    params && params.length > 0
      ? await pglite.query(sql, [...params], { parsers })
      : (await pglite.exec(sql, { parsers })).at(-1);
  // rowCount is the command tag's count, as in pg; affectedRows would add up earlier commands.
  return {
    rows: (result?.rows as unknown[] | undefined) ?? [],
    rowCount: result?.rowCount ?? 0,
    command: result?.command,
  };
}

/** A promise-chain mutex: each caller waits for the previous one to leave. */
function createTurnstile(): () => Promise<() => void> {
  let tail: Promise<void> = Promise.resolve();
  return () => {
    let leave!: () => void;
    const left = new Promise<void>((resolve) => {
      leave = resolve;
    });
    const entered = tail.then(() => leave);
    tail = tail.then(() => left);
    return entered;
  };
}
