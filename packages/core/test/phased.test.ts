import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { migrate, type Migration } from '../src/db/migrate.js';
import { createPgliteDatabase } from '../src/db/pglite.js';
import { ToolError } from '../src/errors.js';
import { argsDigest, clientToken } from '../src/idempotency/digest.js';
import type { IdempotencyScope } from '../src/idempotency/run-once.js';
import { runPhased } from '../src/idempotency/run-phased.js';
import { idempotencyMigration } from '../src/idempotency/schema.js';
import type { Phase } from '../src/server/define.js';
import { createTestDatabase, hasRealPostgres, type TestDatabase } from '../src/testing/test-database.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = 'packages/core/test/fixtures/phased-crash-child.ts';

/** The "remote API": each step that really ran leaves a row, with the token it presented. */
const effectsMigration: Migration = {
  id: '0001_effects',
  sql: `create table effects (id serial primary key, key text not null, step text not null, client_token text not null)`,
};

async function migrateAll(database: Database): Promise<void> {
  await migrate(database, 'core', [idempotencyMigration]);
  await migrate(database, 'test', [effectsMigration]);
}

let test: TestDatabase;
let db: Database;

beforeAll(async () => {
  test = await createTestDatabase();
  db = test.db;
  await migrateAll(db);
});

afterAll(async () => {
  await test?.close();
});

function scopeFor(
  key: string,
  args: Record<string, unknown> = { instance_type: 't3.micro' },
): IdempotencyScope {
  return { principal: 'ops', tool: 'provision_environment', key, argsDigest: argsDigest(args) };
}

/** A phased handler that records each step as an effect row, counting the calls that really ran. */
function provisioning(database: Database, key: string, ran: string[] = []) {
  const effect = (phase: Phase, step: string, result: unknown) =>
    phase.step(step, async () => {
      ran.push(step);
      await database.query('insert into effects (key, step, client_token) values ($1, $2, $3)', [
        key,
        step,
        phase.clientToken,
      ]);
      return result;
    });
  return async (phase: Phase) => {
    const created = await effect(phase, 'create', { instance_id: 'i-0abc123' });
    await effect(phase, 'tag', { tagged: true });
    return { kind: 'success' as const, data: created, text: 'Provisioned i-0abc123' };
  };
}

async function effects(
  key: string,
  database: Database = db,
): Promise<{ step: string; client_token: string }[]> {
  const { rows } = await database.query<{ step: string; client_token: string }>(
    'select step, client_token from effects where key = $1 order by id',
    [key],
  );
  return rows;
}

async function row(key: string, database: Database = db) {
  const { rows } = await database.query<{
    status: string;
    phases: Record<string, { value?: unknown; recorded_at: string }>;
    lease_owner: string | null;
    lease_live: boolean | null;
    outcome: unknown;
  }>(
    `select status, phases, lease_owner, lease_expires_at > now() as lease_live, outcome
       from bounded_idempotency where key = $1`,
    [key],
  );
  return rows[0];
}

async function rejection(promise: Promise<unknown>): Promise<ToolError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    return error as ToolError;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Inserts a claim held by someone else, as another replica would have left it. */
async function foreignClaim(key: string, leaseFromNow: string, phases: Record<string, unknown> = {}) {
  await db.query(
    `insert into bounded_idempotency (principal, tool, key, args_digest, status, phases, lease_owner, lease_expires_at)
     values ('ops', 'provision_environment', $1, $2, 'running', $3::jsonb, 'another-replica', now() + $4::interval)`,
    [key, scopeFor(key).argsDigest, JSON.stringify(phases), leaseFromNow],
  );
}

describe('runPhased', () => {
  it('records each step, stores the outcome and frees the lease', async () => {
    const key = randomUUID();
    const ran: string[] = [];
    const result = await runPhased(db, scopeFor(key), provisioning(db, key, ran), {
      leaseMs: 5000,
      waitMs: 0,
    });
    expect(result).toEqual({
      outcome: { kind: 'success', data: { instance_id: 'i-0abc123' }, text: 'Provisioned i-0abc123' },
      replayed: false,
    });
    expect(ran).toEqual(['create', 'tag']);
    const stored = await row(key);
    expect(stored).toMatchObject({
      status: 'done',
      lease_owner: null,
      lease_live: null,
      outcome: result.outcome,
    });
    expect(stored!.phases.create!.value).toEqual({ instance_id: 'i-0abc123' });
    expect(stored!.phases.tag!.value).toEqual({ tagged: true });
    expect(typeof stored!.phases.create!.recorded_at).toBe('string');

    const token = clientToken('ops', 'provision_environment', key);
    expect((await effects(key)).map((effect) => effect.client_token)).toEqual([token, token]);
  });

  it('replays a finished call without running anything, and refuses other arguments', async () => {
    const key = randomUUID();
    const first = await runPhased(db, scopeFor(key), provisioning(db, key), { leaseMs: 5000, waitMs: 0 });
    const ran: string[] = [];
    const replay = await runPhased(db, scopeFor(key), provisioning(db, key, ran), {
      leaseMs: 5000,
      waitMs: 0,
    });
    expect(replay).toEqual({ outcome: first.outcome, replayed: true });
    expect(ran).toEqual([]);

    const reused = await rejection(
      runPhased(db, scopeFor(key, { instance_type: 'm5.large' }), provisioning(db, key, ran), {
        leaseMs: 5000,
        waitMs: 0,
      }),
    );
    expect(reused.code).toBe('idempotency_key_reused');
    expect(ran).toEqual([]);
    expect(await effects(key)).toHaveLength(2);
  });

  it('stores a deterministic ToolError and replays it', async () => {
    const key = randomUUID();
    const denied = async (): Promise<never> => {
      throw new ToolError('precondition_failed', 'Environment prod is protected.', {
        hint: 'Pick another name.',
      });
    };
    const first = await runPhased(db, scopeFor(key), denied, { leaseMs: 5000, waitMs: 0 });
    expect(first.outcome).toMatchObject({
      kind: 'error',
      error: { code: 'precondition_failed', retryable: false },
    });
    const ran: string[] = [];
    const replay = await runPhased(db, scopeFor(key), provisioning(db, key, ran), {
      leaseMs: 5000,
      waitMs: 0,
    });
    expect(replay).toEqual({ outcome: first.outcome, replayed: true });
    expect(ran).toEqual([]);
  });

  it('on an internal failure keeps recorded steps, frees the lease at once, and a retry resumes', async () => {
    const key = randomUUID();
    const outage = new ToolError('unavailable', 'EC2 is throttling.');
    const error = await rejection(
      runPhased(
        db,
        scopeFor(key),
        async (phase) => {
          await phase.step('create', async () => 'i-0abc123');
          throw outage;
        },
        { leaseMs: 60_000, waitMs: 0 },
      ),
    );
    expect(error).toBe(outage);
    expect(await row(key)).toMatchObject({ status: 'running', lease_live: false, outcome: null });

    const ran: string[] = [];
    const retry = await runPhased(
      db,
      scopeFor(key),
      async (phase) => {
        const id = await phase.step('create', async () => {
          ran.push('create');
          return 'i-other';
        });
        await phase.step('tag', async () => ran.push('tag'));
        return { kind: 'success', data: { id }, text: `Provisioned ${id}` };
      },
      { leaseMs: 60_000, waitMs: 0 },
    );
    expect(ran).toEqual(['tag']);
    expect(retry).toMatchObject({ replayed: false, outcome: { kind: 'success', data: { id: 'i-0abc123' } } });
  });

  it('gives a step that returned undefined back as undefined on resume', async () => {
    const key = randomUUID();
    await rejection(
      runPhased(
        db,
        scopeFor(key),
        async (phase) => {
          await phase.step('noop', async () => undefined);
          throw new ToolError('timeout', 'took too long');
        },
        { leaseMs: 60_000, waitMs: 0 },
      ),
    );
    let resumed: unknown = 'not called';
    let ranAgain = false;
    await runPhased(
      db,
      scopeFor(key),
      async (phase) => {
        resumed = await phase.step('noop', async () => {
          ranAgain = true;
        });
        return { kind: 'success', data: {}, text: 'ok' };
      },
      { leaseMs: 60_000, waitMs: 0 },
    );
    expect(ranAgain).toBe(false);
    expect(resumed).toBeUndefined();
  });

  it('a live lease held by another owner makes a duplicate wait, then fail with idempotency_in_progress', async () => {
    const key = randomUUID();
    await foreignClaim(key, '1 minute');
    const ran: string[] = [];
    const startedAt = Date.now();
    const error = await rejection(
      runPhased(db, scopeFor(key), provisioning(db, key, ran), { leaseMs: 5000, waitMs: 400 }),
    );
    const waited = Date.now() - startedAt;
    expect(error.code).toBe('idempotency_in_progress');
    expect(error.retryable).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(380);
    expect(ran).toEqual([]);
    expect(await row(key)).toMatchObject({ lease_owner: 'another-replica', status: 'running' });
  });

  it('a duplicate that waits while the holder finishes gets the holder’s outcome as a replay', async () => {
    const key = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holder = runPhased(
      db,
      scopeFor(key),
      async (phase) => {
        await phase.step('create', async () => 'i-0abc123');
        entered();
        await gate;
        return { kind: 'success', data: { id: 'i-0abc123' }, text: 'done' };
      },
      { leaseMs: 5000, waitMs: 0 },
    );
    await inside;
    const ran: string[] = [];
    const waiter = runPhased(db, scopeFor(key), provisioning(db, key, ran), {
      leaseMs: 5000,
      waitMs: 10_000,
    });
    setTimeout(release, 200);
    const [first, second] = await Promise.all([holder, waiter]);
    expect(second).toEqual({ outcome: first.outcome, replayed: true });
    expect(ran).toEqual([]);
  });

  it('takes over an expired lease and resumes after the recorded steps', async () => {
    const key = randomUUID();
    await foreignClaim(key, '-1 second', {
      create: { value: { instance_id: 'i-from-before' }, recorded_at: 'x' },
    });
    const ran: string[] = [];
    const result = await runPhased(db, scopeFor(key), provisioning(db, key, ran), {
      leaseMs: 5000,
      waitMs: 0,
    });
    expect(ran).toEqual(['tag']);
    expect(result.outcome).toMatchObject({ kind: 'success', data: { instance_id: 'i-from-before' } });
    expect(await row(key)).toMatchObject({ status: 'done', lease_owner: null });
  });

  it('concurrent retries of an abandoned claim: exactly one takes over, the others replay its outcome', async () => {
    const key = randomUUID();
    await foreignClaim(key, '-1 second', {
      create: { value: { instance_id: 'i-from-before' }, recorded_at: 'x' },
    });
    const ran: string[] = [];
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        runPhased(db, scopeFor(key), provisioning(db, key, ran), { leaseMs: 5000, waitMs: 10_000 }),
      ),
    );
    expect(ran).toEqual(['tag']);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    for (const result of results) expect(result.outcome).toEqual(results[0]!.outcome);
    expect((await effects(key)).map((effect) => effect.step)).toEqual(['tag']);
  });

  it('renews the lease while the handler runs longer than leaseMs', async () => {
    const key = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const options = { leaseMs: 3_000, waitMs: 0 };
    const holder = runPhased(
      db,
      scopeFor(key),
      async () => {
        await gate;
        return { kind: 'success', data: {}, text: 'slow but done' };
      },
      options,
    );
    // Watch the row rather than a clock: wait until the first lease would have lapsed and the
    // claim is still live, which only renewal can do, however slowly this machine runs.
    const expiry = async () =>
      (
        await db.query<{ expires: string }>(
          'select lease_expires_at::text as expires from bounded_idempotency where key = $1',
          [key],
        )
      ).rows[0]?.expires;
    let first: string | undefined;
    for (let i = 0; i < 200 && !(first = await expiry()); i++) await sleep(50);
    expect(first).toBeDefined();
    let renewed = false;
    for (let i = 0; i < 200 && !renewed; i++) {
      const { rows } = await db.query<{ renewed: boolean }>(
        `select now() > $2::timestamptz and lease_expires_at > now() as renewed
           from bounded_idempotency where key = $1`,
        [key, first],
      );
      renewed = rows[0]!.renewed;
      if (!renewed) await sleep(100);
    }
    expect(renewed).toBe(true);
    const duplicate = await rejection(runPhased(db, scopeFor(key), provisioning(db, key), options));
    expect(duplicate.code).toBe('idempotency_in_progress');
    release();
    expect((await holder).replayed).toBe(false);
  });

  it('a holder whose lease was taken over stops before its next step', async () => {
    const key = randomUUID();
    const ran: string[] = [];
    const error = await rejection(
      runPhased(
        db,
        scopeFor(key),
        async (phase) => {
          await phase.step('create', async () => ran.push('create'));
          // Another replica decided we were dead and took the claim.
          await db.query(
            "update bounded_idempotency set lease_owner = 'thief', lease_expires_at = now() + interval '1 minute' where key = $1",
            [key],
          );
          await phase.step('tag', async () => ran.push('tag'));
          return { kind: 'success', data: {}, text: 'unreachable' };
        },
        { leaseMs: 60_000, waitMs: 0 },
      ),
    );
    expect(error.code).toBe('idempotency_in_progress');
    // 'tag' ran its remote call but could not record it; the new holder repeats it with the same
    // clientToken, which is what lets the remote API deduplicate.
    expect(ran).toEqual(['create', 'tag']);
    expect(await row(key)).toMatchObject({ lease_owner: 'thief', status: 'running' });
    expect(Object.keys((await row(key))!.phases)).toEqual(['create']);
  });

  it('stops waiting when the signal aborts', async () => {
    const key = randomUUID();
    await foreignClaim(key, '1 minute');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client cancelled')), 100);
    await expect(
      runPhased(db, scopeFor(key), provisioning(db, key), {
        leaseMs: 5000,
        waitMs: 10_000,
        signal: controller.signal,
      }),
    ).rejects.toThrow('client cancelled');
  });
});

describe('crash recovery (acceptance)', () => {
  it('a phased call killed mid-flight resumes from its recovery point on retry', async () => {
    const key = randomUUID();
    const scope = scopeFor(key);
    // Long enough to outlast reopening the database after the crash, short enough to wait out.
    const leaseMs = 4000;
    const crash = await openCrashDatabase();
    try {
      const child = await runChild({
        ...crash.env,
        BOUNDED_CRASH_SCOPE: JSON.stringify(scope),
        BOUNDED_CRASH_LEASE_MS: `${leaseMs}`,
      });
      expect(child.signal, `child exited with ${child.code}: ${child.stderr}`).toBe('SIGKILL');
      expect(child.stdout).toContain('i-0abc123');

      const database = await crash.reopen();
      const left = await row(key, database);
      expect(left).toMatchObject({ status: 'running', lease_live: true });
      expect(Object.keys(left!.phases)).toEqual(['create']);

      // The dead holder's lease is still live: an impatient retry is told to come back.
      const early = await rejection(
        runPhased(database, scope, provisioning(database, key), { leaseMs, waitMs: 0 }),
      );
      expect(early.code).toBe('idempotency_in_progress');

      // A patient retry waits for the lease to run out, takes over and resumes after 'create'.
      const ran: string[] = [];
      const result = await runPhased(database, scope, provisioning(database, key, ran), {
        leaseMs,
        waitMs: 3 * leaseMs,
      });
      expect(ran).toEqual(['tag']);
      expect(result).toEqual({
        outcome: { kind: 'success', data: { instance_id: 'i-0abc123' }, text: 'Provisioned i-0abc123' },
        replayed: false,
      });
      const done = await effects(key, database);
      expect(done.map((effect) => effect.step)).toEqual(['create', 'tag']);
      // Both attempts presented the same token to the "remote API".
      expect(new Set(done.map((effect) => effect.client_token))).toEqual(
        new Set([clientToken(scope.principal, scope.tool, key)]),
      );
      expect(await row(key, database)).toMatchObject({ status: 'done', lease_owner: null });
    } finally {
      await crash.close();
    }
  });
});

interface CrashDatabase {
  env: Record<string, string>;
  /** The database as the parent sees it once the child is gone. */
  reopen(): Promise<Database>;
  close(): Promise<void>;
}

/**
 * Real PostgreSQL: the child connects to this file's schema while we stay connected. PGlite: one
 * process at a time may open a data directory, so we hand ours to the child and reopen it after.
 */
async function openCrashDatabase(): Promise<CrashDatabase> {
  if (hasRealPostgres()) {
    return {
      env: { BOUNDED_CRASH_PG_URL: test.url! },
      reopen: async () => db,
      close: async () => undefined,
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bounded-crash-'));
  const setup = createPgliteDatabase({ dataDir });
  await migrateAll(setup);
  await setup.close();
  let reopened: Database | undefined;
  return {
    env: { BOUNDED_CRASH_DATA_DIR: dataDir },
    reopen: async () => (reopened = createPgliteDatabase({ dataDir })),
    close: async () => {
      await reopened?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function runChild(
  env: Record<string, string>,
): Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@bounded/source', '--import', 'tsx', CHILD], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
