// A real server process on PostgreSQL while its database connections are terminated under load:
// it must stay up, answer every lost call with a retryable `unavailable`, and apply each retried
// operation exactly once.
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { hasRealPostgres, spawnServerProcess } from '../src/testing/index.js';
import { CORE_DIR, NOTES_NODE_ARGS, useServerDatabase } from './support/notes-process.js';

const servers = useServerDatabase();
const OPERATIONS = 240;
const WORKERS = 16;
// Rounds of termination, 0.4 s apart: a bounded number, so a slow machine cannot starve an operation.
const ROUNDS = 10;
const MAX_ATTEMPTS = ROUNDS + 2;

interface CallOutcome {
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

// PGlite has no connections to terminate: this runs in the PostgreSQL leg (TEST_DATABASE_URL).
describe.skipIf(!hasRealPostgres())('database connections terminated under load (PostgreSQL only)', () => {
  it('keeps serving, answers lost calls with unavailable, and applies every operation once', async () => {
    // Our own application_name, so only this server's backends are terminated.
    const appName = `faults-${randomBytes(6).toString('hex')}`;
    const server = spawnServerProcess(process.execPath, [...NOTES_NODE_ARGS, '--http', '--port', '0'], {
      cwd: CORE_DIR,
      env: servers.env({ LOG_LEVEL: 'warn', PGAPPNAME: appName, IDEMPOTENCY_WAIT_MS: '2000' }),
    });
    const [, url] = await server.waitForStderr(/serving MCP on (http:\/\/\S+)/);
    const client = new Client(
      { name: 'faults-test', version: '0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url!)));

    const admin = new pg.Client({ connectionString: servers.db().url });
    await admin.connect();
    let terminated = 0;
    let loading = true;
    const terminator = (async () => {
      for (let round = 0; round < ROUNDS && loading; round++) {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n
             FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`,
          [appName],
        );
        terminated += rows[0]!.n;
        await new Promise((r) => setTimeout(r, 400));
      }
    })();

    const failures: Record<string, number> = {};
    const unexpected: unknown[] = [];
    let calls = 0;
    const run = Date.now().toString(36);
    const add = (i: number): Promise<CallOutcome> =>
      client.callTool({
        name: 'add_note',
        arguments: { title: `fault-${run}-${i}`, body: '', idempotency_key: `fault-${run}-${i}` },
      }) as Promise<CallOutcome>;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < OPERATIONS; i = next++) {
        for (let attempt = 1; ; attempt++) {
          calls += 1;
          const result = await add(i);
          if (!result.isError) break;
          const error = result.structuredContent?.error as { code: string; retryable: boolean };
          failures[error.code] = (failures[error.code] ?? 0) + 1;
          if (error.code !== 'unavailable' || !error.retryable) unexpected.push(error);
          if (attempt === MAX_ATTEMPTS) throw new Error(`operation ${i} failed ${attempt} times`);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: WORKERS }, worker));
    } finally {
      loading = false;
      await terminator;
      await admin.end();
    }

    // The process is still up and serves once the database is left alone.
    expect(server.child.exitCode).toBeNull();
    const after = (await add(OPERATIONS)) as CallOutcome;
    expect(after.structuredContent).toMatchObject({ replayed: false });

    const { rows } = await servers
      .db()
      .db.query<{ title: string; n: number }>(
        `SELECT title, count(*)::int AS n FROM notes WHERE title LIKE $1 GROUP BY title`,
        [`fault-${run}-%`],
      );
    const counts = rows.map((r) => r.n);
    console.info(
      `terminate under load: ${calls + 1} calls for ${OPERATIONS + 1} operations, ${terminated} backends terminated, failures by code: ${JSON.stringify(failures)}`,
    );

    expect(terminated).toBeGreaterThan(0);
    expect(unexpected).toEqual([]);
    expect(rows).toHaveLength(OPERATIONS + 1);
    expect(new Set(counts)).toEqual(new Set([1]));

    await client.close();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const stderr = server.stderr.join('\n');
    expect(stderr).not.toMatch(/Unhandled 'error' event/);
    // Warnings about dropped idle connections carry the error, not the pg client and its cancel key.
    expect(stderr).not.toMatch(/secretKey/);
  }, 120_000);
});
