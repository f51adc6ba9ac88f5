import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { ToolError } from '../src/errors.js';
import { argsDigest, clientToken } from '../src/idempotency/digest.js';
import { idempotencyKey } from '../src/idempotency/key-schema.js';
import type { StoredOutcome } from '../src/idempotency/outcome.js';
import { reapIdempotencyKeys, startIdempotencyReaper } from '../src/idempotency/reaper.js';
import { runOnce, type IdempotencyScope } from '../src/idempotency/run-once.js';
import { idempotencyMigration } from '../src/idempotency/schema.js';
import { createTestDatabase, hasRealPostgres, type TestDatabase } from '../src/testing/test-database.js';

let test: TestDatabase;
let db: Database;

beforeAll(async () => {
  test = await createTestDatabase();
  db = test.db;
  await migrate(db, 'core', [idempotencyMigration]);
  await migrate(db, 'test', [
    {
      id: '0002_test_tables',
      sql: `create table ledger (id serial primary key, key text not null, note text);
            create table audit (id serial primary key, key text not null, outcome_kind text not null, replayed boolean not null);
            create table unique_things (name text primary key);`,
    },
  ]);
});

afterAll(async () => {
  await test?.close();
});

function scopeFor(
  key: string,
  args: Record<string, unknown> = { amount: 1 },
  principal = 'alice',
): IdempotencyScope {
  return { principal, tool: 'issue_refund', key, argsDigest: argsDigest({ ...args, idempotency_key: key }) };
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from (${sql}) s`, params);
  return rows[0]!.n;
}

const ledgerRows = (key: string) => count('select 1 from ledger where key = $1', [key]);
const keyRows = (key: string) => count('select 1 from bounded_idempotency where key = $1', [key]);

/** A handler that writes one ledger row, so "ran exactly once" is checked in the database, not in JS. */
function writingHandler(key: string, note = 'refund') {
  return async (tx: Queryable) => {
    const { rows } = await tx.query<{ id: number }>(
      'insert into ledger (key, note) values ($1, $2) returning id',
      [key, note],
    );
    return { kind: 'success' as const, data: { ledger_id: rows[0]!.id, note }, text: `Recorded ${note}` };
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

describe('argsDigest and clientToken', () => {
  it('ignores idempotency_key and key order, but not values', () => {
    const a = argsDigest({ payment_id: 'p1', amount: 5, idempotency_key: 'key-aaaaaaaa' });
    const b = argsDigest({ idempotency_key: 'key-bbbbbbbb', amount: 5, payment_id: 'p1' });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(argsDigest({ payment_id: 'p1', amount: 6 })).not.toBe(a);
    expect(argsDigest({ payment_id: 'p1', amount: 5, nested: { x: 1, y: 2 } })).toBe(
      argsDigest({ nested: { y: 2, x: 1 }, amount: 5, payment_id: 'p1' }),
    );
  });

  it('gives a stable, short, ASCII client token that tells its parts apart', () => {
    const token = clientToken('alice', 'run_instances', 'k-12345678');
    expect(token).toBe(clientToken('alice', 'run_instances', 'k-12345678'));
    expect(token.length).toBeLessThanOrEqual(64);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(clientToken('bob', 'run_instances', 'k-12345678')).not.toBe(token);
    expect(clientToken('alice', 'other_tool', 'k-12345678')).not.toBe(token);
    // No separator games: moving a character between parts changes the token.
    expect(clientToken('ab', 'c', 'key')).not.toBe(clientToken('a', 'bc', 'key'));
  });
});

describe('idempotencyKey schema', () => {
  const schema = idempotencyKey();

  it('accepts a UUID and rejects keys that are too short, too long, non-ASCII or spaced', () => {
    expect(schema.safeParse(randomUUID()).success).toBe(true);
    expect(schema.safeParse('a'.repeat(255)).success).toBe(true);
    expect(schema.safeParse('1234567').success).toBe(false);
    expect(schema.safeParse('a'.repeat(256)).success).toBe(false);
    expect(schema.safeParse('clé-unique-42').success).toBe(false);
    expect(schema.safeParse('my key 12345').success).toBe(false);
    expect(schema.safeParse('tab\there-1234').success).toBe(false);
  });

  it('tells the model to generate one key per operation and reuse it only for retries', () => {
    const description = schema.description ?? '';
    expect(description).toMatch(/UUID/);
    expect(description).toMatch(/retry/i);
    expect(description).toMatch(/never reuse/i);
  });
});

describe('runOnce', () => {
  it('runs once, stores the outcome and replays it with replayed: true; onSettled sees both', async () => {
    const key = randomUUID();
    const onSettled = async (tx: Queryable, outcome: StoredOutcome, replayed: boolean) => {
      await tx.query('insert into audit (key, outcome_kind, replayed) values ($1, $2, $3)', [
        key,
        outcome.kind,
        replayed,
      ]);
    };
    const first = await runOnce(db, scopeFor(key), writingHandler(key), { waitMs: 1000, onSettled });
    expect(first.replayed).toBe(false);
    expect(first.outcome).toMatchObject({ kind: 'success', text: 'Recorded refund' });

    const second = await runOnce(db, scopeFor(key), writingHandler(key, 'second'), {
      waitMs: 1000,
      onSettled,
    });
    expect(second).toEqual({ outcome: first.outcome, replayed: true });
    expect(await ledgerRows(key)).toBe(1);

    const { rows: audit } = await db.query<{ replayed: boolean }>(
      'select replayed from audit where key = $1 order by id',
      [key],
    );
    expect(audit.map((row) => row.replayed)).toEqual([false, true]);

    const { rows } = await db.query<{ status: string; completed_at: Date | null; args_digest: string }>(
      'select status, completed_at, args_digest from bounded_idempotency where key = $1',
      [key],
    );
    expect(rows[0]).toMatchObject({ status: 'done', args_digest: scopeFor(key).argsDigest });
    expect(rows[0]!.completed_at).not.toBeNull();
  });

  it('scopes keys per principal: the same key from another principal is a new operation', async () => {
    const key = randomUUID();
    await runOnce(db, scopeFor(key, { amount: 1 }, 'alice'), writingHandler(key), { waitMs: 1000 });
    const other = await runOnce(db, scopeFor(key, { amount: 2 }, 'bob'), writingHandler(key), {
      waitMs: 1000,
    });
    expect(other.replayed).toBe(false);
    expect(await ledgerRows(key)).toBe(2);
  });

  it('refuses the same key with different arguments and writes nothing', async () => {
    const key = randomUUID();
    await runOnce(db, scopeFor(key, { amount: 1 }), writingHandler(key), { waitMs: 1000 });
    let called = false;
    const error = await rejection(
      runOnce(
        db,
        scopeFor(key, { amount: 2 }),
        async (tx) => {
          called = true;
          return writingHandler(key)(tx);
        },
        {
          waitMs: 1000,
          onSettled: async (tx) => {
            await tx.query("insert into audit (key, outcome_kind, replayed) values ($1, 'x', false)", [key]);
          },
        },
      ),
    );
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('idempotency_key_reused');
    expect((error as ToolError).retryable).toBe(false);
    expect((error as ToolError).hint).toMatch(/new idempotency_key/);
    expect(called).toBe(false);
    expect(await ledgerRows(key)).toBe(1);
    expect(await count('select 1 from audit where key = $1', [key])).toBe(0);
    const { rows } = await db.query<{ args_digest: string }>(
      'select args_digest from bounded_idempotency where key = $1',
      [key],
    );
    expect(rows).toEqual([{ args_digest: scopeFor(key, { amount: 1 }).argsDigest }]);
  });

  it('stores a deterministic ToolError without its writes and replays it', async () => {
    const key = randomUUID();
    const fail = async (tx: Queryable): Promise<never> => {
      await writingHandler(key)(tx);
      throw new ToolError('not_found', 'Payment p1 does not exist.', { hint: 'List payments first.' });
    };
    const first = await runOnce(db, scopeFor(key), fail, { waitMs: 1000 });
    expect(first.replayed).toBe(false);
    expect(first.outcome).toEqual({
      kind: 'error',
      error: {
        code: 'not_found',
        message: 'Payment p1 does not exist.',
        hint: 'List payments first.',
        retryable: false,
      },
    });
    expect(await ledgerRows(key)).toBe(0);

    let ranAgain = false;
    const replay = await runOnce(
      db,
      scopeFor(key),
      async (tx) => {
        ranAgain = true;
        return writingHandler(key)(tx);
      },
      { waitMs: 1000 },
    );
    expect(replay).toEqual({ outcome: first.outcome, replayed: true });
    expect(ranAgain).toBe(false);
    expect(await ledgerRows(key)).toBe(0);
  });

  it('stores a business error raised after a failed statement left the transaction aborted', async () => {
    const name = `thing-${randomUUID()}`;
    await db.query('insert into unique_things (name) values ($1)', [name]);
    const key = randomUUID();
    const result = await runOnce(
      db,
      scopeFor(key),
      async (tx) => {
        await writingHandler(key)(tx);
        try {
          await tx.query('insert into unique_things (name) values ($1)', [name]);
        } catch (error) {
          throw new ToolError('conflict', `A thing named ${name} already exists.`, { cause: error });
        }
        return { kind: 'success', data: {}, text: 'created' };
      },
      { waitMs: 1000 },
    );
    expect(result.outcome).toMatchObject({ kind: 'error', error: { code: 'conflict' } });
    expect(await ledgerRows(key)).toBe(0);
    expect(await keyRows(key)).toBe(1);
  });

  it('does not store an internal failure: rethrows it unchanged, and a retry runs again and succeeds', async () => {
    const key = randomUUID();
    const boom = new Error('connection reset by peer');
    const error = await rejection(
      runOnce(
        db,
        scopeFor(key),
        async (tx) => {
          await writingHandler(key)(tx);
          throw boom;
        },
        { waitMs: 1000 },
      ),
    );
    expect(error).toBe(boom);
    expect(await keyRows(key)).toBe(0);
    expect(await ledgerRows(key)).toBe(0);

    const retry = await runOnce(db, scopeFor(key), writingHandler(key), { waitMs: 1000 });
    expect(retry.replayed).toBe(false);
    expect(retry.outcome.kind).toBe('success');
    expect(await ledgerRows(key)).toBe(1);
  });

  it('does not store transient ToolErrors (unavailable, invalid_argument)', async () => {
    for (const code of ['unavailable', 'invalid_argument'] as const) {
      const key = randomUUID();
      const thrown = new ToolError(code, 'not now');
      const error = await rejection(
        runOnce(
          db,
          scopeFor(key),
          async () => {
            throw thrown;
          },
          { waitMs: 1000 },
        ),
      );
      expect(error).toBe(thrown);
      expect(await keyRows(key)).toBe(0);
    }
  });

  it('restores lock_timeout after the claim, so the handler is not bounded by waitMs', async () => {
    const key = randomUUID();
    const { rows: before } = await db.query<{ v: string }>("select current_setting('lock_timeout') as v");
    let seen: string | undefined;
    await runOnce(
      db,
      scopeFor(key),
      async (tx) => {
        const { rows } = await tx.query<{ v: string }>("select current_setting('lock_timeout') as v");
        seen = rows[0]!.v;
        return { kind: 'success', data: {}, text: 'ok' };
      },
      { waitMs: 50 },
    );
    expect(seen).toBe(before[0]!.v);
  });

  it.skipIf(!hasRealPostgres())(
    'acceptance (real PostgreSQL): 50 concurrent calls with one key run the handler once and agree',
    async () => {
      expect(db.kind).toBe('postgres');
      const key = randomUUID();
      let started = 0;
      const calls = Array.from({ length: 50 }, () =>
        runOnce(
          db,
          scopeFor(key),
          async (tx) => {
            started += 1;
            // Hold the claim long enough for every duplicate to pile up on the row lock.
            await tx.query('select pg_sleep(0.2)');
            return writingHandler(key)(tx);
          },
          { waitMs: 20_000 },
        ),
      );
      const results = await Promise.all(calls);
      expect(await ledgerRows(key)).toBe(1);
      expect(started).toBe(1);
      expect(results.filter((result) => !result.replayed)).toHaveLength(1);
      expect(results.filter((result) => result.replayed)).toHaveLength(49);
      for (const result of results) expect(result.outcome).toEqual(results[0]!.outcome);
    },
  );

  it.skipIf(!hasRealPostgres())(
    'a duplicate held past waitMs gets idempotency_in_progress; after the first commits it replays',
    async () => {
      const key = randomUUID();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      const first = runOnce(
        db,
        scopeFor(key),
        async (tx) => {
          entered();
          await gate; // the claim row stays uncommitted while we wait here
          return writingHandler(key)(tx);
        },
        { waitMs: 1000 },
      );
      await inside;

      const startedAt = Date.now();
      const error = await rejection(runOnce(db, scopeFor(key), writingHandler(key), { waitMs: 300 }));
      const waited = Date.now() - startedAt;
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).code).toBe('idempotency_in_progress');
      expect((error as ToolError).retryable).toBe(true);
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(5000);

      release();
      const firstResult = await first;
      const retry = await runOnce(db, scopeFor(key), writingHandler(key), { waitMs: 300 });
      expect(retry).toEqual({ outcome: firstResult.outcome, replayed: true });
      expect(await ledgerRows(key)).toBe(1);
    },
  );

  it.skipIf(!hasRealPostgres())(
    'a deadlock retried by the database port re-runs the whole claim and handler, each effect once',
    async () => {
      await db.query(`create table if not exists lock_rows (id int primary key, n int not null default 0)`);
      await db.query(`insert into lock_rows (id) values (1), (2) on conflict do nothing`);
      const [keyA, keyB] = [randomUUID(), randomUUID()];
      let invocations = 0;
      const failures: string[] = []; // the SQLSTATE of every handler run that failed
      let lockedA!: () => void;
      let lockedB!: () => void;
      const aHolds = new Promise<void>((resolve) => (lockedA = resolve));
      const bHolds = new Promise<void>((resolve) => (lockedB = resolve));
      // Opposite lock order: PostgreSQL aborts one with a deadlock (40P01) and the port retries it.
      const crossing =
        (key: string, mine: number, theirs: number, holding: () => void, other: Promise<void>) =>
        async (tx: Queryable) => {
          invocations += 1;
          try {
            await tx.query('update lock_rows set n = n + 1 where id = $1', [mine]);
            holding();
            await other;
            await tx.query('update lock_rows set n = n + 1 where id = $1', [theirs]);
            return await writingHandler(key)(tx);
          } catch (error) {
            failures.push(String((error as { code?: unknown }).code));
            throw error;
          }
        };
      const [a, b] = await Promise.all([
        runOnce(db, scopeFor(keyA), crossing(keyA, 1, 2, lockedA, bHolds), { waitMs: 10_000 }),
        runOnce(db, scopeFor(keyB), crossing(keyB, 2, 1, lockedB, aHolds), { waitMs: 10_000 }),
      ]);
      // One deadlock at least; on a loaded machine a re-run may meet another conflict and run again.
      // Every run beyond the first two followed a failure the port retries, and nothing else failed.
      expect(failures).toContain('40P01');
      expect(failures.every((code) => code === '40P01' || code === '40001')).toBe(true);
      expect(invocations).toBe(2 + failures.length);
      expect([a.replayed, b.replayed]).toEqual([false, false]);
      expect(await ledgerRows(keyA)).toBe(1);
      expect(await ledgerRows(keyB)).toBe(1);
      expect(await keyRows(keyA)).toBe(1);
      expect(await keyRows(keyB)).toBe(1);
    },
  );
});

describe('reaper', () => {
  const insertRow = (
    key: string,
    status: 'done' | 'running',
    completedAgo: string | null,
    leaseAgo: string | null,
  ) =>
    db.query(
      `insert into bounded_idempotency (principal, tool, key, args_digest, status, outcome, lease_owner, lease_expires_at, created_at, completed_at)
       values ('reaper', 't', $1, 'd', $2,
               case when $2 = 'done' then '{"kind":"success","data":{},"text":""}'::jsonb end,
               case when $4::text is not null then 'owner' end,
               now() - $4::interval, now() - interval '30 days', now() - $3::interval)`,
      [key, status, completedAgo, leaseAgo],
    );

  it('deletes only done rows and abandoned claims older than retention', async () => {
    await db.query("delete from bounded_idempotency where principal = 'reaper'");
    await insertRow('done-25h', 'done', '25 hours', null);
    await insertRow('done-23h', 'done', '23 hours', null);
    await insertRow('running-expired-25h', 'running', null, '25 hours');
    await insertRow('running-expired-1h', 'running', null, '1 hour');
    await insertRow('running-live', 'running', null, '-10 minutes');
    await insertRow('done-47h', 'done', '47 hours', null);

    expect(await reapIdempotencyKeys(db, { retentionHours: 48 })).toBe(0);
    expect(await reapIdempotencyKeys(db)).toBe(3);
    const { rows } = await db.query<{ key: string }>(
      "select key from bounded_idempotency where principal = 'reaper' order by key",
    );
    expect(rows.map((row) => row.key)).toEqual(['done-23h', 'running-expired-1h', 'running-live']);
  });

  it('never goes below 24 hours of retention', async () => {
    await expect(reapIdempotencyKeys(db, { retentionHours: 23 })).rejects.toThrow(RangeError);
    expect(() =>
      startIdempotencyReaper(db, { intervalMs: 1000, retentionHours: 1, log: silentLog() }),
    ).toThrow(RangeError);
  });

  it('runs in the background, logs what it deleted, and logs failures instead of throwing', async () => {
    await db.query("delete from bounded_idempotency where principal = 'reaper'");
    await insertRow('bg-old', 'done', '30 hours', null);
    const log = silentLog();
    const stop = startIdempotencyReaper(db, { intervalMs: 60_000, log });
    await until(() => log.infos.length > 0);
    stop();
    expect(log.infos[0]).toMatchObject({ deleted: 1 });
    expect(await count("select 1 from bounded_idempotency where key = 'bg-old'")).toBe(0);

    const closed = await createTestDatabase();
    await closed.close();
    const failing = silentLog();
    const stopFailing = startIdempotencyReaper(closed.db, { intervalMs: 60_000, log: failing });
    await until(() => failing.errors.length > 0);
    stopFailing();
    expect(failing.errors[0]).toHaveProperty('err');
  });
});

function silentLog() {
  const infos: unknown[] = [];
  const errors: unknown[] = [];
  return {
    infos,
    errors,
    info: (obj: unknown) => void infos.push(obj),
    error: (obj: unknown) => void errors.push(obj),
  } as unknown as { infos: unknown[]; errors: unknown[]; info: () => void; error: () => void };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
