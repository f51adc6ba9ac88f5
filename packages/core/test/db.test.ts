import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { createPgDatabase } from '../src/db/pg.js';
import { LOCK_FILE } from '../src/db/data-dir-lock.js';
import { createPgliteDatabase } from '../src/db/pglite.js';
import { createTestDatabase, hasRealPostgres, type TestDatabase } from '../src/testing/test-database.js';

const backend = hasRealPostgres() ? 'PostgreSQL' : 'PGlite';

// One query touching the types whose JS form differs between drivers by default.
const TYPES_SQL = `SELECT $1::int8 AS p_int8, $2::numeric AS p_numeric, $3::int8 AS p_bigint,
  9223372036854775807::int8 AS int8_max, 1.10::numeric AS numeric, count(*) AS count,
  array[1, 2]::int8[] AS int8s, array[1.5]::numeric[] AS numerics, 7::int4 AS int4, 42::int8::int AS cast_int,
  2.5::float8 AS float8, true AS bool, 'text'::text AS text, array['a', 'b'] AS texts,
  '2024-05-06T07:08:09.123Z'::timestamptz AS timestamptz, '2024-05-06'::date AS date,
  '1 day 02:03:04'::interval AS interval, '\\xdeadbeef'::bytea AS bytea, '{"a": [1, 2]}'::jsonb AS jsonb,
  '8c2b4b39-5b4c-4d8b-9d9a-0b5a3a2c7e11'::uuid AS uuid, null::int8 AS null_int8
  FROM (VALUES (1), (2)) v(x)`;
const TYPES_PARAMS = ['9007199254740993', '12345678901234567890.123456789', 5n];

// Each value with the name of its JS type, so equal-looking values of different types differ.
function typed(row: Record<string, unknown>): Record<string, [string, unknown]> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key,
      [value == null ? String(value) : value.constructor.name, value],
    ]),
  );
}

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
  await db.query(
    'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int8 NOT NULL, price numeric(12, 2) NOT NULL)',
  );
  await db.query('CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL)');
});

afterAll(async () => {
  await testDb?.close();
});

describe(`Database on ${backend}`, () => {
  it('binds $n parameters and reports rows and rowCount like node-postgres', async () => {
    const inserted = await db.query('INSERT INTO items VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)', [
      1,
      'apple',
      3,
      '1.25',
      2,
      'pear',
      4,
      '2.50',
    ]);
    expect(inserted).toEqual({ rows: [], rowCount: 2 });

    const updated = await db.query<{ id: number }>(
      'UPDATE items SET qty = qty + $1 WHERE id >= $2 RETURNING id',
      [10, 1],
    );
    expect(updated.rowCount).toBe(2);
    expect(updated.rows.map((r) => r.id).sort()).toEqual([1, 2]);

    const selected = await db.query<{ name: string }>('SELECT name FROM items WHERE name = $1', ['pear']);
    expect(selected).toEqual({ rows: [{ name: 'pear' }], rowCount: 1 });

    expect((await db.query('DELETE FROM items WHERE id = $1', [2])).rowCount).toBe(1);
    expect((await db.query('DELETE FROM items WHERE id = $1', [2])).rowCount).toBe(0);
    expect((await db.query('CREATE TABLE scratch (x int)')).rowCount).toBe(0);
  });

  it('treats parameters as values, never as SQL', async () => {
    const hostile = "x'); DROP TABLE items; --";
    const { rows } = await db.query<{ echoed: string }>('SELECT $1::text AS echoed', [hostile]);
    expect(rows[0]?.echoed).toBe(hostile);
    const { rows: still } = await db.query<{ ok: boolean }>("SELECT to_regclass('items') IS NOT NULL AS ok");
    expect(still[0]?.ok).toBe(true);
  });

  it('returns int8 and numeric as strings, exactly, and numbers only where SQL casts', async () => {
    const { rows } = await db.query<Record<string, unknown>>(TYPES_SQL, TYPES_PARAMS);
    const row = rows[0]!;
    expect(row.p_int8).toBe('9007199254740993');
    expect(row.p_numeric).toBe('12345678901234567890.123456789');
    expect(row.p_bigint).toBe('5');
    expect(row.int8_max).toBe('9223372036854775807');
    expect(row.numeric).toBe('1.10');
    expect(row.count).toBe('2');
    expect(row.int8s).toEqual(['1', '2']);
    expect(row.numerics).toEqual([1.5]); // node-postgres's choice for numeric[]; cast to text[] to keep digits
    expect(row.int4).toBe(7);
    expect(row.cast_int).toBe(42);
    expect(row.float8).toBe(2.5);
    expect(row.timestamptz).toEqual(new Date('2024-05-06T07:08:09.123Z'));
    expect(row.jsonb).toEqual({ a: [1, 2] });
    expect(Buffer.isBuffer(row.bytea)).toBe(true);
    expect(row.null_int8).toBeNull();
  });

  it('runs a parameterless string of several commands and returns the last result', async () => {
    const result = await db.query<{ total: string }>(
      "INSERT INTO items VALUES (10, 'a', 1, 1); INSERT INTO items VALUES (11, 'b', 2, 1); SELECT sum(qty) AS total FROM items WHERE id >= 10",
    );
    expect(result).toEqual({ rows: [{ total: '3' }], rowCount: 1 });
  });

  it('commits a transaction and returns its value', async () => {
    const value = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO counters VALUES ($1, $2)', [1, 0]);
      return (await tx.query<{ n: number }>('SELECT n FROM counters WHERE id = $1', [1])).rows[0]?.n;
    });
    expect(value).toBe(0);
    expect((await db.query('SELECT 1 FROM counters WHERE id = 1')).rowCount).toBe(1);
  });

  it('rolls back when the callback throws and rethrows the same error', async () => {
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO counters VALUES ($1, $2)', [2, 0]);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await db.query('SELECT 1 FROM counters WHERE id = 2')).rowCount).toBe(0);
  });

  it('rolls back on a failing statement and keeps its SQLSTATE', async () => {
    const failure = await db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO counters VALUES ($1, $2)', [3, 0]);
        await tx.query('INSERT INTO counters VALUES ($1, $2)', [3, 0]);
      })
      .catch((err: unknown) => err);
    expect((failure as { code?: string }).code).toBe('23505');
    expect((await db.query('SELECT 1 FROM counters WHERE id = 3')).rowCount).toBe(0);
  });

  it('refuses to report a commit when the callback swallowed a failed statement', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO counters VALUES ($1, $2)', [4, 0]);
        await tx.query('SELECT 1 / 0').catch(() => 'ignored on purpose by this test');
      }),
    ).rejects.toThrow(/rolled back, not committed/);
    expect((await db.query('SELECT 1 FROM counters WHERE id = 4')).rowCount).toBe(0);
  });

  it('refuses statements on a transaction handle after the transaction ended', async () => {
    let leaked: Parameters<Parameters<Database['transaction']>[0]>[0] | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1')).rejects.toThrow(/transaction has ended/);
  });

  it('runs at the requested isolation level', async () => {
    const level = async (isolation?: 'serializable' | 'repeatable read'): Promise<unknown> =>
      db.transaction(
        async (tx) =>
          (await tx.query<{ l: string }>("SELECT current_setting('transaction_isolation') AS l")).rows[0]?.l,
        isolation ? { isolation } : {},
      );
    expect(await level()).toBe('read committed');
    expect(await level('repeatable read')).toBe('repeatable read');
    expect(await level('serializable')).toBe('serializable');
  });

  it('rejects with the abort reason before starting when already aborted', async () => {
    const reason = new Error('already cancelled');
    let ran = false;
    await expect(
      db.transaction(
        async () => {
          ran = true;
        },
        { signal: AbortSignal.abort(reason) },
      ),
    ).rejects.toBe(reason);
    expect(ran).toBe(false);
  });

  it('rolls back and rejects with the reason when aborted mid-transaction', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline passed');
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let secondInsert: unknown;
    let handlerDone!: () => void;
    const handlerFinished = new Promise<void>((resolve) => (handlerDone = resolve));
    const pending = db.transaction(
      async (tx) => {
        await tx.query('INSERT INTO counters VALUES ($1, $2)', [5, 0]);
        controller.abort(reason);
        // A handler stuck in slow work: the transaction must not wait for it.
        await stuck;
        secondInsert = await tx
          .query('INSERT INTO counters VALUES ($1, $2)', [6, 0])
          .catch((err: unknown) => err);
        handlerDone();
      },
      { signal: controller.signal },
    );
    // Rejects while the handler is still stuck: that is the promptness this checks, without a clock.
    await expect(pending).rejects.toBe(reason);
    release();
    await handlerFinished;
    expect(secondInsert).toBe(reason);
    expect((await db.query('SELECT 1 FROM counters WHERE id IN (5, 6)')).rowCount).toBe(0);
  });

  it('answers ping', async () => {
    await expect(db.ping()).resolves.toBeUndefined();
  });
});

describe('PGlite specifics', () => {
  let memory: Database;

  beforeAll(() => {
    memory = createPgliteDatabase();
  });

  afterAll(async () => {
    await memory?.close();
  });

  it('opens lazily, on the first statement, with a small shared_buffers and UTC', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bounded-lazy-'));
    const lazy = createPgliteDatabase({ dataDir });
    try {
      await sleep(50);
      // Only the lock, taken at creation: no database files until the first statement.
      expect(await readdir(dataDir)).toEqual([LOCK_FILE]);
      const { rows } = await lazy.query<{ sb: string; tz: string }>(
        "SELECT current_setting('shared_buffers') AS sb, current_setting('TimeZone') AS tz",
      );
      expect(rows[0]).toEqual({ sb: '8MB', tz: 'UTC' });
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    } finally {
      await lazy.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('closes without opening when never used, and refuses work once closed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'bounded-closed-'));
    const unused = createPgliteDatabase({ dataDir });
    await unused.close();
    expect(await readdir(dataDir)).toEqual([]);
    await expect(unused.query('SELECT 1')).rejects.toThrow(/closed/);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('never interleaves concurrent transactions: every read-modify-write lands', async () => {
    await memory.query('CREATE TABLE tally (id int PRIMARY KEY, n int NOT NULL)');
    await memory.query('INSERT INTO tally VALUES (1, 0)');
    const increments = Array.from({ length: 20 }, () =>
      memory.transaction(async (tx) => {
        const n = (await tx.query<{ n: number }>('SELECT n FROM tally WHERE id = 1')).rows[0]!.n;
        await sleep(2); // give another caller every chance to cut in
        await tx.query('UPDATE tally SET n = $1 WHERE id = 1', [n + 1]);
      }),
    );
    await Promise.all(increments);
    expect((await memory.query<{ n: number }>('SELECT n FROM tally WHERE id = 1')).rows[0]?.n).toBe(20);
  });

  it('makes a standalone statement wait for a running transaction instead of joining it', async () => {
    await memory.query('CREATE TABLE notes (body text)');
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => {
      inside = resolve;
    });
    const rolledBack = memory
      .transaction(async (tx) => {
        await tx.query("INSERT INTO notes VALUES ('uncommitted')");
        inside();
        await sleep(100);
        throw new Error('undo');
      })
      .catch((err: unknown) => err);
    await entered;
    // Had this run on the shared connection mid-transaction, it would see the uncommitted row.
    const seen = await memory.query('SELECT body FROM notes');
    expect(seen.rowCount).toBe(0);
    expect(await rolledBack).toEqual(new Error('undo'));
  });

  it('fails fast, instead of waiting forever, when a transaction calls the database rather than its tx', async () => {
    await expect(memory.transaction(async () => memory.query('SELECT 1'))).rejects.toThrow(
      /single connection.*`tx`/,
    );
    await expect(memory.transaction(async () => memory.transaction(async () => 1))).rejects.toThrow(
      /single connection/,
    );
    expect((await memory.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe.skipIf(!hasRealPostgres())('PostgreSQL specifics', () => {
  it('returns the same values, of the same JS types, as PGlite', async () => {
    const embedded = createPgliteDatabase();
    try {
      const fromPg = (await db.query<Record<string, unknown>>(TYPES_SQL, TYPES_PARAMS)).rows[0]!;
      const fromPglite = (await embedded.query<Record<string, unknown>>(TYPES_SQL, TYPES_PARAMS)).rows[0]!;
      expect(typed(fromPglite)).toEqual(typed(fromPg));
      expect(Object.keys(fromPg)).toHaveLength(21);
    } finally {
      await embedded.close();
    }
  });

  it('retries a serialization failure so that both conflicting transactions succeed', async () => {
    await db.query('INSERT INTO counters VALUES (100, 0)');
    let firstReads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    let attempts = 0;
    const increment = (): Promise<void> =>
      db.transaction(
        async (tx) => {
          attempts++;
          const n = (await tx.query<{ n: number }>('SELECT n FROM counters WHERE id = 100')).rows[0]!.n;
          // Hold both first attempts here until each has read, so their writes must conflict.
          if (firstReads < 2 && ++firstReads === 2) bothRead();
          await barrier;
          await tx.query('UPDATE counters SET n = $1 WHERE id = 100', [n + 1]);
        },
        { isolation: 'serializable' },
      );
    await Promise.all([increment(), increment()]);
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect((await db.query<{ n: number }>('SELECT n FROM counters WHERE id = 100')).rows[0]?.n).toBe(2);
  });

  it('cancels the statement in flight when aborted, so the rollback does not wait for it', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const started = Date.now();
    setTimeout(() => controller.abort(reason), 200);
    await expect(
      db.transaction(
        async (tx) => {
          await tx.query('INSERT INTO counters VALUES ($1, $2)', [200, 0]);
          await tx.query('SELECT pg_sleep(20)');
        },
        { signal: controller.signal },
      ),
    ).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5000);
    // The cancel reaches the backend asynchronously; it must land well before pg_sleep's 20 s.
    await expect
      .poll(
        async () =>
          (
            await db.query(
              "SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)' AND state = 'active'",
            )
          ).rowCount,
        { timeout: 5000 },
      )
      .toBe(0);
    expect((await db.query('SELECT 1 FROM counters WHERE id = 200')).rowCount).toBe(0);
  });

  it('runs a transaction again when its connection died before COMMIT, and commits it once', async () => {
    const small = createPgDatabase({ url: testDb.url!, max: 1 });
    try {
      let attempts = 0;
      const value = await small.transaction(async (tx) => {
        attempts += 1;
        await tx.query('INSERT INTO counters VALUES ($1, $2)', [400, attempts]);
        if (attempts === 1) {
          const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          await db.query('SELECT pg_terminate_backend($1)', [pid]);
          await sleep(200);
          await tx.query('SELECT 1');
        }
        return attempts;
      });
      expect(value).toBe(2);
      const { rows } = await db.query<{ n: number }>('SELECT n FROM counters WHERE id = 400');
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await small.close();
    }
  });

  it('survives a connection that dies between statements of a transaction', async () => {
    const small = createPgDatabase({ url: testDb.url!, max: 1 });
    try {
      const failure = await small
        .transaction(async (tx) => {
          const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          await db.query('SELECT pg_terminate_backend($1)', [pid]);
          await sleep(200); // the connection's error arrives while no statement is running
          await tx.query('SELECT 1');
        })
        .catch((err: unknown) => err);
      // Reported as the retryable connection failure it is, not as the driver's "not queryable".
      expect(failure).toMatchObject({ code: 'unavailable', retryable: true, cause: { code: '57P01' } });
      expect((await small.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await small.close();
    }
  });

  it('reports an idle connection that died to onIdleError and replaces it', async () => {
    const idleErrors: Error[] = [];
    const small = createPgDatabase({ url: testDb.url!, max: 1, onIdleError: (err) => idleErrors.push(err) });
    try {
      const pid = (await small.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect.poll(() => idleErrors.length).toBe(1);
      // Only the error reaches the log, not the pg client with the backend's cancel key.
      expect(idleErrors[0]).toMatchObject({ code: '57P01' });
      expect(idleErrors[0]).not.toHaveProperty('client');
      expect((await small.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await small.close();
    }
  });

  it('discards a connection that died mid-transaction instead of pooling it', async () => {
    const small = createPgDatabase({ url: testDb.url!, max: 1 });
    try {
      await expect(
        small.transaction(async (tx) => {
          await tx.query('INSERT INTO counters VALUES ($1, $2)', [300, 0]);
          await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }),
      ).rejects.toMatchObject({ code: 'unavailable', retryable: true, cause: { code: '57P01' } });
      // With max 1, this only works if the dead connection was replaced.
      expect((await small.query('SELECT 1 FROM counters WHERE id = 300')).rowCount).toBe(0);
    } finally {
      await small.close();
    }
  });
});
