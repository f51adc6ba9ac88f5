// SIGTERM with calls in flight over HTTP, through the official client: a call that committed
// has its reply, every other call gets a retryable error, and the process exits 0 in time.
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { hasRealPostgres, spawnServerProcess, type ServerProcess } from '../src/testing/index.js';
import { CORE_DIR, NOTES_NODE_ARGS, useServerDatabase } from './support/notes-process.js';

const servers = useServerDatabase();
const CALLS = 20;
const DRAIN_MS = 6_000;

interface Answer {
  title: string;
  ok: boolean;
  code?: string;
  retryable?: boolean;
  /** HTTP status of a request the server refused (503 while shutting down), if that is what happened. */
  status?: number;
  thrown?: string;
}

let server: ServerProcess | undefined;
let lockHolder: pg.Client | undefined;
afterEach(async () => {
  server?.child.kill('SIGKILL');
  await lockHolder?.end().catch(() => {});
  server = lockHolder = undefined;
});

/** Starts the notes server over HTTP and connects the official client to it. */
async function startServer(
  appName: string,
  drainMs = DRAIN_MS,
): Promise<{ client: Client; server: ServerProcess }> {
  server = spawnServerProcess(process.execPath, [...NOTES_NODE_ARGS, '--http', '--port', '0'], {
    cwd: CORE_DIR,
    env: servers.env({
      LOG_LEVEL: 'info',
      PGAPPNAME: appName,
      DB_POOL_MAX: '4',
      MAX_CONCURRENT_CALLS: '12',
      DRAIN_TIMEOUT_MS: String(drainMs),
      TOOL_TIMEOUT_MS: '60000',
    }),
  });
  const [, url] = await server.waitForStderr(/serving MCP on (http:\/\/\S+)/);
  const client = new Client(
    { name: 'drain-test', version: '0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(url!)));
  return { client, server };
}

/**
 * Starts the server, blocks every note insert behind a table lock held by this test, and sends
 * CALLS add_note calls: some wait on the lock, some for a pool connection, some for a slot.
 */
async function startBlockedCalls(run: string) {
  const appName = `drain-${randomBytes(6).toString('hex')}`;
  const { client } = await startServer(appName);
  // Migrations ran before the lock is taken, so only the inserts wait.
  expect((await client.callTool({ name: 'list_notes', arguments: {} })).isError).toBeFalsy();

  lockHolder = new pg.Client({ connectionString: servers.db().url });
  await lockHolder.connect();
  await lockHolder.query('BEGIN');
  await lockHolder.query('LOCK TABLE notes IN EXCLUSIVE MODE');

  const answers = Array.from({ length: CALLS }, async (_, i): Promise<Answer> => {
    const title = `drain-${run}-${i}`;
    try {
      const result = (await client.callTool({
        name: 'add_note',
        arguments: { title, body: '', idempotency_key: title },
      })) as { isError?: boolean; structuredContent?: { error?: { code: string; retryable: boolean } } };
      const error = result.structuredContent?.error;
      return error
        ? { title, ok: false, code: error.code, retryable: error.retryable }
        : { title, ok: !result.isError };
    } catch (error) {
      const status = (error as { data?: { status?: unknown } }).data?.status;
      return typeof status === 'number'
        ? { title, ok: false, status }
        : { title, ok: false, thrown: (error as Error).message };
    }
  });
  // Every pooled connection is waiting on the lock: the calls are in flight.
  // Asked outside the lock holder's transaction, which would keep seeing its first snapshot.
  const waitingOnLock = async () =>
    (
      await servers.db().db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [appName],
      )
    ).rows[0]!.n;
  for (const giveUpAt = Date.now() + 20_000; (await waitingOnLock()) < 4;) {
    if (Date.now() > giveUpAt) throw new Error('the calls never reached the lock');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { client, answers: Promise.all(answers), server: server! };
}

async function committedTitles(run: string): Promise<Set<string>> {
  const { rows } = await servers
    .db()
    .db.query<{ title: string }>(`SELECT title FROM notes WHERE title LIKE $1`, [`drain-${run}-%`]);
  return new Set(rows.map((r) => r.title));
}

/** A retryable tool error, or a 503 for a request that reached the server only after the signal. */
function expectRetryable(answer: Answer): void {
  if (answer.status !== undefined) expect(answer.status).toBe(503);
  else expect(answer).toMatchObject({ ok: false, code: 'unavailable', retryable: true });
}

function summary(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.ok ? 'ok' : (a.code ?? (a.status ? `HTTP ${a.status}` : `thrown: ${a.thrown}`));
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// PGlite runs inside the server process: no outside lock can hold its calls in flight.
describe.skipIf(!hasRealPostgres())('SIGTERM with calls in flight over HTTP (PostgreSQL only)', () => {
  it('answers every call: the ones that committed with their result, the rest with a retryable error', async () => {
    const run = randomBytes(4).toString('hex');
    const { client, answers, server } = await startBlockedCalls(run);
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    // The lock goes away well within the drain: the calls holding a slot commit during it.
    await new Promise((r) => setTimeout(r, 1_000));
    await lockHolder!.query('COMMIT');

    const answered = await answers;
    const code = await server.exited;
    const shutdownMs = Date.now() - signalled;
    const committed = await committedTitles(run);
    console.info(
      `SIGTERM, lock released after 1 s: ${CALLS} calls, answers ${JSON.stringify(summary(answered))}, ${committed.size} committed, exit ${code} after ${shutdownMs} ms (drain ${DRAIN_MS} ms)`,
    );
    for (const answer of answered) {
      if (committed.has(answer.title)) expect(answer).toMatchObject({ ok: true });
      else expectRetryable(answer);
    }
    // At least the calls already waiting on the lock finish; calls queued for a slot (12 run at
    // once) are turned away at once.
    expect(committed.size).toBeGreaterThanOrEqual(4);
    expect(committed.size).toBeLessThanOrEqual(12);
    expect(code).toBe(0);
    expect(shutdownMs).toBeLessThan(DRAIN_MS + 2_000);
    await client.close();

    // Retried with the same keys on a fresh process, every operation lands exactly once.
    const restarted = await startServer(`drain-${randomBytes(6).toString('hex')}`);
    for (const answer of answered.filter((a) => !a.ok)) {
      const retried = await restarted.client.callTool({
        name: 'add_note',
        arguments: { title: answer.title, body: '', idempotency_key: answer.title },
      });
      expect(retried.structuredContent).toMatchObject({ replayed: false });
    }
    const { rows } = await servers
      .db()
      .db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notes WHERE title LIKE $1 GROUP BY title`, [
        `drain-${run}-%`,
      ]);
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: CALLS }, () => 1));
    await restarted.client.close();
  }, 90_000);

  it('stops calls still blocked at the deadline, answers them, and exits 0 within it', async () => {
    const run = randomBytes(4).toString('hex');
    const { client, answers, server } = await startBlockedCalls(run);
    const signalled = Date.now();
    server.child.kill('SIGTERM');

    const answered = await answers;
    const code = await server.exited;
    const shutdownMs = Date.now() - signalled;
    await lockHolder!.query('COMMIT');
    const committed = await committedTitles(run);
    console.info(
      `SIGTERM, lock held past the drain: ${CALLS} calls, answers ${JSON.stringify(summary(answered))}, ${committed.size} committed, exit ${code} after ${shutdownMs} ms (drain ${DRAIN_MS} ms)`,
    );
    expect(committed.size).toBe(0);
    for (const answer of answered) expectRetryable(answer);
    expect(code).toBe(0);
    expect(shutdownMs).toBeLessThan(DRAIN_MS + 2_000);
    await client.close();
  }, 60_000);
});

describe('SIGTERM with a subscriptions/listen stream open over HTTP', () => {
  it('does not wait out the drain for a stream that carries no call', async () => {
    // Long enough that waiting it out cannot pass for a prompt exit, however slow the machine.
    const drainMs = 120_000;
    const { client, server } = await startServer(`drain-${randomBytes(6).toString('hex')}`, drainMs);
    const subscription = await client.listen({ toolsListChanged: true });
    server.child.kill('SIGTERM');

    const outcome = await Promise.race([
      server.exited.then((code) => ({ code })),
      new Promise<'still running'>((r) => setTimeout(() => r('still running'), drainMs / 4)),
    ]);
    expect(outcome).toEqual({ code: 0 });
    // Nothing was in flight, so the drain never had to stop a call.
    expect(server.stderr.join('\n')).not.toContain('stopping the calls still running');
    expect(['graceful', 'remote']).toContain(await subscription.closed);
    await client.close();
  }, 60_000);
});
