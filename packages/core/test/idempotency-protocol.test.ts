import { expect, it } from 'vitest';
import { loadMigrations } from '../src/index.js';
import { connectClient, createTestRuntime } from '../src/testing/index.js';
import { notesApp, notesMigrations, type NotesDeps } from './fixtures/notes-app.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();

it('runs the handler once for 50 concurrent calls with one key, and all get the same result', async () => {
  const deps: NotesDeps = { listBudgetChars: 16_000, runs: {}, addDelayMs: 100 };
  const runtime = createTestRuntime({
    app: notesApp,
    db: database(),
    deps,
    migrations: await loadMigrations(notesMigrations),
  });
  const client = await connectClient(runtime, { era: 'modern' });
  try {
    const args = { title: 'once', body: 'exactly', idempotency_key: `concurrent-${Date.now()}` };
    const results = await Promise.all(Array.from({ length: 50 }, () => client.callTool('add_note', args)));
    for (const r of results) expect(r.isError, JSON.stringify(r)).toBeFalsy();
    const ids = new Set(results.map((r) => (r.structuredContent as { note: { id: string } }).note.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.structuredContent!.replayed === false)).toHaveLength(1);
    expect(deps.runs.add_note).toBe(1);
    const { rows } = await database().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM notes WHERE title = 'once'`,
    );
    expect(rows[0]!.n).toBe(1);
    const audit = await database().query<{ n: number; replays: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE replayed)::int AS replays FROM bounded_audit WHERE idempotency_key = $1`,
      [args.idempotency_key],
    );
    expect(audit.rows[0]).toEqual({ n: 50, replays: 49 });
  } finally {
    await client.close();
  }
});

it('does not claim the key of a call refused for confirmation, so the confirmed retry with that key runs', async () => {
  const runtime = createTestRuntime({
    app: notesApp,
    db: database(),
    deps: { listBudgetChars: 16_000, runs: {} },
    migrations: await loadMigrations(notesMigrations),
    options: { allowModelConfirmation: true },
  });
  const client = await connectClient(runtime, { era: 'modern' });
  try {
    const added = await client.callTool('add_note', {
      title: 'to delete',
      body: '',
      idempotency_key: `confirm-add-${Date.now()}`,
    });
    const id = (added.structuredContent as { note: { id: string } }).note.id;
    const key = `confirm-delete-${Date.now()}`;
    const refused = await client.callTool('delete_note', { id, idempotency_key: key });
    expect(refused.structuredContent!.error).toMatchObject({ code: 'confirmation_required' });
    const claims = () =>
      database().query('SELECT 1 FROM bounded_idempotency WHERE tool = $1 AND key = $2', [
        'delete_note',
        key,
      ]);
    expect((await claims()).rowCount).toBe(0);

    // The hint says to call again with confirmed: true and the same key; the arguments differ,
    // so a claimed key would answer idempotency_key_reused.
    const confirmed = await client.callTool('delete_note', { id, idempotency_key: key, confirmed: true });
    expect(confirmed.structuredContent).toMatchObject({ deleted: id, replayed: false });
    expect((await claims()).rowCount).toBe(1);
  } finally {
    await client.close();
  }
});

it('audits a key reused with other arguments: the refused attempt is on record', async () => {
  const runtime = createTestRuntime({
    app: notesApp,
    db: database(),
    deps: { listBudgetChars: 16_000, runs: {} },
    migrations: await loadMigrations(notesMigrations),
  });
  const client = await connectClient(runtime, { era: 'modern' });
  try {
    const k = `reused-${Date.now()}`;
    await client.callTool('add_note', { title: 'first', body: '', idempotency_key: k });
    const reused = await client.callTool('add_note', { title: 'other', body: '', idempotency_key: k });
    expect(reused.structuredContent!.error).toMatchObject({ code: 'idempotency_key_reused' });
    const { rows } = await database().query<{ outcome: string }>(
      'SELECT outcome FROM bounded_audit WHERE idempotency_key = $1 ORDER BY id',
      [k],
    );
    expect(rows.map((r) => r.outcome)).toEqual(['ok', 'idempotency_key_reused']);
  } finally {
    await client.close();
  }
});

it('refuses text with an unpaired surrogate as invalid_argument naming the field, before claiming the key', async () => {
  const deps: NotesDeps = { listBudgetChars: 16_000, runs: {}, addDelayMs: 0 };
  const runtime = createTestRuntime({
    app: notesApp,
    db: database(),
    deps,
    migrations: await loadMigrations(notesMigrations),
  });
  const client = await connectClient(runtime, { era: 'modern' });
  try {
    const args = {
      title: 'broken',
      body: 'half a pair: \ud83d.',
      idempotency_key: `surrogate-${Date.now()}`,
    };
    const result = await client.callTool('add_note', args);
    expect(result.structuredContent!.error).toMatchObject({
      code: 'invalid_argument',
      details: { issues: [{ field: 'body', problem: 'not well-formed Unicode' }] },
    });
    expect(deps.runs.add_note ?? 0).toBe(0);
    const retried = await client.callTool('add_note', { ...args, body: 'whole: \ud83d\ude00.' });
    expect(retried.isError, JSON.stringify(retried)).toBeFalsy();
  } finally {
    await client.close();
  }
});
