import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadMigrations } from '../src/index.js';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type TestClient,
  type TestDatabase,
  type TestEra,
} from '../src/testing/index.js';
import { notesApp, notesMigrations, type NotesDeps } from './fixtures/notes-app.js';

let testDb: TestDatabase;
let deps: NotesDeps;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb.close();
});

async function runtimeFor(
  options: Parameters<typeof createTestRuntime>[0]['options'] = {},
  extra: Partial<NotesDeps> = {},
) {
  deps = { listBudgetChars: 16_000, runs: {}, ...extra };
  return createTestRuntime({
    app: notesApp,
    db: testDb.db,
    deps,
    migrations: await loadMigrations(notesMigrations),
    options,
  });
}

let keySeq = 0;
const key = () => `test-key-${process.pid}-${Date.now()}-${++keySeq}`;

const ERAS: TestEra[] = ['modern', 'legacy', 'legacy-session', 'v1'];

describe.each(ERAS)('over the %s client', (era) => {
  let client: TestClient;
  beforeEach(async () => {
    client = await connectClient(await runtimeFor(), { era });
  });
  afterEach(async () => {
    await client.close();
  });

  it('negotiates the expected era', () => {
    expect(client.protocolEra()).toBe(era === 'modern' ? 'modern' : 'legacy');
  });

  it('lists tools with annotations and output schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'add_note',
      'count_effects',
      'delete_note',
      'list_notes',
      'publish_note',
      'sleep',
    ]);
    const add = tools.find((t) => t.name === 'add_note')!;
    expect(add.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect((add.outputSchema as { properties: Record<string, unknown> }).properties).toHaveProperty(
      'replayed',
    );
    expect((add.inputSchema as { required: string[] }).required).toContain('idempotency_key');
  });

  it('round-trips a tool call and replays a retry', async () => {
    const k = key();
    const first = await client.callTool('add_note', { title: 'hello', body: 'world', idempotency_key: k });
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent).toMatchObject({
      note: { title: 'hello', body: 'world' },
      replayed: false,
    });
    expect(first.content[0]!.text).toMatch(/^Saved note \d+: hello$/);
    const again = await client.callTool('add_note', { title: 'hello', body: 'world', idempotency_key: k });
    expect(again.structuredContent).toEqual({ ...first.structuredContent, replayed: true });
    expect(deps.runs.add_note).toBe(1);
  });

  it('rejects invalid arguments naming the field, writing nothing', async () => {
    const before = await count('notes');
    const result = await client.callTool('add_note', { title: '', body: 42, idempotency_key: key() });
    expect(result.isError).toBe(true);
    const error = result.structuredContent!.error as { code: string; message: string };
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('title');
    expect(error.message).toContain('body');
    expect(deps.runs.add_note ?? 0).toBe(0);
    expect(await count('notes')).toBe(before);
  });
});

async function count(table: string): Promise<number> {
  const { rows } = await testDb.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

describe('errors', () => {
  let client: TestClient;
  beforeEach(async () => {
    client = await connectClient(await runtimeFor(), { era: 'modern' });
  });
  afterEach(async () => {
    await client.close();
  });

  it('turns an exception into internal with a correlation id, leaks nothing, and keeps serving', async () => {
    const k = key();
    const result = await client.callTool('add_note', { title: 'explode', body: '', idempotency_key: k });
    expect(result.isError).toBe(true);
    const error = result.structuredContent!.error as Record<string, unknown>;
    expect(error.code).toBe('internal');
    expect(error.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/SELECT|vault|\.ts:\d+|at .*\(/);
    // Not stored: the same key runs the handler again.
    await client.callTool('add_note', { title: 'explode', body: '', idempotency_key: k });
    expect(deps.runs.add_note).toBe(2);
    const ok = await client.callTool('add_note', { title: 'fine', body: '', idempotency_key: key() });
    expect(ok.isError).toBeFalsy();
  });

  it('refuses ctx.db inside a transactional handler, so no write escapes the call', async () => {
    const result = await client.callTool('add_note', { title: 'via-pool', body: '', idempotency_key: key() });
    expect(result.structuredContent!.error).toMatchObject({
      code: 'precondition_failed',
      message: expect.stringMatching(/use ctx\.tx, not ctx\.db/),
    });
    const { rows } = await testDb.db.query(`SELECT 1 FROM notes WHERE title = 'via-pool'`);
    expect(rows).toHaveLength(0);
    const ok = await client.callTool('add_note', { title: 'after', body: '', idempotency_key: key() });
    expect(ok.isError).toBeFalsy();
  });

  it('stores a business error and replays it, flagged, without running the handler again', async () => {
    const k = key();
    const first = await client.callTool('add_note', { title: 'forbidden', body: '', idempotency_key: k });
    expect(first.structuredContent).toMatchObject({
      error: { code: 'precondition_failed', hint: 'Pick another title.', retryable: false },
      replayed: false,
    });
    const second = await client.callTool('add_note', { title: 'forbidden', body: '', idempotency_key: k });
    expect(second.structuredContent).toEqual({ ...first.structuredContent, replayed: true });
    expect(deps.runs.add_note).toBe(1);
  });

  it('refuses a reused key with different arguments', async () => {
    const k = key();
    await client.callTool('add_note', { title: 'a', body: '', idempotency_key: k });
    const reused = await client.callTool('add_note', { title: 'b', body: '', idempotency_key: k });
    expect(reused.structuredContent!.error).toMatchObject({ code: 'idempotency_key_reused' });
    expect(deps.runs.add_note).toBe(1);
  });
});

describe('pagination through the protocol', () => {
  it('cuts a list larger than the budget, continues with next_cursor, and refuses bad cursors', async () => {
    const client = await connectClient(await runtimeFor({}, { listBudgetChars: 300 }), { era: 'modern' });
    try {
      for (let i = 0; i < 12; i++) {
        await client.callTool('add_note', {
          title: `page-${i}`,
          body: 'x'.repeat(40),
          idempotency_key: key(),
        });
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let truncatedPages = 0;
      for (let guard = 0; guard < 20; guard++) {
        const page = await client.callTool('list_notes', {
          title_prefix: 'page-',
          limit: 10,
          ...(cursor ? { cursor } : {}),
        });
        expect(page.isError, JSON.stringify(page)).toBeFalsy();
        const data = page.structuredContent as {
          notes: { title: string }[];
          next_cursor: string | null;
          truncated: boolean;
        };
        if (data.truncated) truncatedPages += 1;
        seen.push(...data.notes.map((n) => n.title));
        if (!data.next_cursor) break;
        cursor = data.next_cursor;
      }
      expect(truncatedPages).toBeGreaterThan(0);
      expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `page-${i}`));

      const first = await client.callTool('list_notes', { title_prefix: 'page-', limit: 2 });
      const next = (first.structuredContent as { next_cursor: string }).next_cursor;
      const tampered = `${next.slice(0, -3)}${next.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
      const bad = await client.callTool('list_notes', { title_prefix: 'page-', limit: 2, cursor: tampered });
      expect(bad.structuredContent!.error).toMatchObject({ code: 'invalid_argument' });
      const foreign = await client.callTool('list_notes', { title_prefix: 'other', limit: 2, cursor: next });
      expect(foreign.structuredContent!.error).toMatchObject({
        code: 'invalid_argument',
        details: { reason: 'foreign_query' },
      });
    } finally {
      await client.close();
    }
  });
});

describe('confirmation of destructive tools', () => {
  async function addNote(client: TestClient): Promise<string> {
    const added = await client.callTool('add_note', { title: 'doomed', body: '', idempotency_key: key() });
    return (added.structuredContent as { note: { id: string } }).note.id;
  }

  // 2025-11-25 clients over HTTP ('legacy', 'v1') can be asked only when the server keeps sessions.
  it.each([
    ['modern', false],
    ['legacy-session', false],
    ['legacy', true],
    ['v1', true],
  ] as Array<[TestEra, boolean]>)(
    'asks the person over %s (legacy HTTP sessions: %s) and acts on accept',
    async (era, legacySessions) => {
      const asked: string[] = [];
      const client = await connectClient(await runtimeFor(), {
        era,
        legacySessions,
        onElicit: (message) => {
          asked.push(message);
          return { action: 'accept', content: { confirm: true } };
        },
      });
      try {
        const id = await addNote(client);
        const result = await client.callTool('delete_note', { id, idempotency_key: key() });
        expect(result.structuredContent).toMatchObject({ deleted: id, replayed: false });
        expect(asked).toEqual([`Delete note ${id}?`]);
      } finally {
        await client.close();
      }
    },
  );

  it.each(['legacy', 'v1'] as TestEra[])(
    'tells a 2025-11-25 client over stateless HTTP (%s) what the operator can do',
    async (era) => {
      const client = await connectClient(await runtimeFor(), {
        era,
        onElicit: () => ({ action: 'accept', content: { confirm: true } }),
      });
      try {
        const id = await addNote(client);
        const result = await client.callTool('delete_note', { id, idempotency_key: key() });
        expect(result.structuredContent!.error).toMatchObject({
          code: 'confirmation_required',
          message: expect.stringContaining('MCP 2025-11-25 client over stateless HTTP'),
          hint: expect.stringContaining('LEGACY_HTTP_SESSIONS=true'),
        });
        const { rows } = await testDb.db.query('SELECT 1 FROM notes WHERE id = $1', [id]);
        expect(rows).toHaveLength(1);
      } finally {
        await client.close();
      }
    },
  );

  it('does nothing when the person declines', async () => {
    const client = await connectClient(await runtimeFor(), {
      era: 'modern',
      onElicit: () => ({ action: 'decline' }),
    });
    try {
      const id = await addNote(client);
      const result = await client.callTool('delete_note', { id, idempotency_key: key() });
      expect(result.structuredContent!.error).toMatchObject({ code: 'permission_denied' });
      const { rows } = await testDb.db.query('SELECT 1 FROM notes WHERE id = $1', [id]);
      expect(rows).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('answers confirmation_required to a client that cannot ask, unless the operator allows model confirmation', async () => {
    const strict = await connectClient(await runtimeFor(), { era: 'modern' });
    const id = await addNote(strict);
    const refused = await strict.callTool('delete_note', { id, idempotency_key: key(), confirmed: true });
    expect(refused.structuredContent!.error).toMatchObject({ code: 'confirmation_required' });
    await strict.close();

    const lenient = await connectClient(await runtimeFor({ allowModelConfirmation: true }), {
      era: 'legacy',
    });
    const unconfirmed = await lenient.callTool('delete_note', { id, idempotency_key: key() });
    expect(unconfirmed.structuredContent!.error).toMatchObject({ code: 'confirmation_required' });
    const done = await lenient.callTool('delete_note', { id, idempotency_key: key(), confirmed: true });
    expect(done.structuredContent).toMatchObject({ deleted: id });
    await lenient.close();
  });
});

describe('server options, progress, resources and prompts', () => {
  it('--read-only registers read-only tools only; --tools narrows further', async () => {
    const readOnly = await connectClient(await runtimeFor({ readOnly: true }), { era: 'modern' });
    expect((await readOnly.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'count_effects',
      'list_notes',
      'sleep',
    ]);
    await readOnly.close();
    const narrowed = await connectClient(await runtimeFor({ tools: ['add_note'] }), { era: 'legacy' });
    expect((await narrowed.listTools()).tools.map((t) => t.name)).toEqual(['add_note']);
    await narrowed.close();
  });

  it.each(['modern', 'legacy-session'] as TestEra[])('reports progress over %s', async (era) => {
    const client = await connectClient(await runtimeFor(), { era });
    try {
      const updates: unknown[] = [];
      const result = await client.callTool('sleep', { ms: 350 }, { onprogress: (p) => updates.push(p) });
      expect(result.isError).toBeFalsy();
      expect(updates.length).toBeGreaterThanOrEqual(3);
      expect(updates.at(-1)).toMatchObject({ progress: 350, total: 350 });
    } finally {
      await client.close();
    }
  });

  it('reads a resource template and renders a prompt', async () => {
    const client = await connectClient(await runtimeFor(), { era: 'modern' });
    try {
      const added = await client.callTool('add_note', {
        title: 'res',
        body: 'body text',
        idempotency_key: key(),
      });
      const id = (added.structuredContent as { note: { id: string } }).note.id;
      const read = await client.readResource(`notes://notes/${id}`);
      expect(read.contents[0]!.text).toBe('# res\n\nbody text');
      await expect(client.readResource('notes://notes/999999999')).rejects.toThrow(/not found/i);
      const prompt = await client.getPrompt('summarize_notes', { topic: 'billing' });
      expect(prompt.messages[0]!.content.text).toBe('Summarize my notes about billing.');
    } finally {
      await client.close();
    }
  });
});

describe('deadlines and scopes', () => {
  it('times out a slow transactional call, rolls it back, and keeps serving', async () => {
    const client = await connectClient(await runtimeFor({ toolTimeoutMs: 800 }, { addDelayMs: 3_000 }), {
      era: 'modern',
    });
    try {
      // A first call readies the runtime, so the deadline falls while the handler sleeps.
      expect((await client.callTool('list_notes', {})).isError).toBeFalsy();
      const result = await client.callTool('add_note', {
        title: 'too slow',
        body: '',
        idempotency_key: key(),
      });
      // The answer came at the deadline, not when the handler finished sleeping.
      expect(deps.runs.add_note_slept).toBeUndefined();
      expect(result.structuredContent!.error).toMatchObject({ code: 'timeout', retryable: true });
      expect((result.structuredContent!.error as { message: string }).message).toMatch(/rolled back/);
      const { rows } = await testDb.db.query(`SELECT 1 FROM notes WHERE title = 'too slow'`);
      expect(rows).toHaveLength(0);
      // The handler's own timer runs out later; wait for it so nothing leaks into other tests.
      await vi.waitFor(() => expect(deps.runs.add_note_slept).toBe(1), { timeout: 10_000, interval: 50 });
      expect((await testDb.db.query(`SELECT 1 FROM notes WHERE title = 'too slow'`)).rows).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('asks again on a retry after the person declined', async () => {
    const answers: Array<'decline' | 'accept'> = ['decline', 'accept'];
    const client = await connectClient(await runtimeFor(), {
      era: 'modern',
      onElicit: () =>
        answers.shift() === 'accept'
          ? { action: 'accept', content: { confirm: true } }
          : { action: 'decline' },
    });
    try {
      const added = await client.callTool('add_note', {
        title: 'second thoughts',
        body: '',
        idempotency_key: key(),
      });
      const id = (added.structuredContent as { note: { id: string } }).note.id;
      const k = key();
      const declined = await client.callTool('delete_note', { id, idempotency_key: k });
      expect(declined.structuredContent!.error).toMatchObject({ code: 'permission_denied' });
      const accepted = await client.callTool('delete_note', { id, idempotency_key: k });
      expect(accepted.structuredContent).toMatchObject({ deleted: id, replayed: false });
      expect(answers).toEqual([]);
    } finally {
      await client.close();
    }
  });

  const authInfo = (scopes: string[], sub = 'scoped-user') => ({
    token: 't',
    clientId: 'c',
    scopes,
    extra: { sub },
  });
  const auditRows = async (principal: string) =>
    (
      await testDb.db.query<{ tool: string; outcome: string; idempotency_key: string | null }>(
        'SELECT tool, outcome, idempotency_key FROM bounded_audit WHERE principal = $1 ORDER BY id',
        [principal],
      )
    ).rows;

  it('answers a token without the scope over HTTP with 403 insufficient_scope, and audits the attempt', async () => {
    const sub = `scoped-${key()}`;
    const without = await connectClient(await runtimeFor({ allowModelConfirmation: true }), {
      era: 'modern',
      authInfo: authInfo(['notes:read'], sub),
    });
    const k = key();
    try {
      await expect(
        without.callTool('delete_note', { id: '1', idempotency_key: k, confirmed: true }),
      ).rejects.toThrow(/403|insufficient_scope|Insufficient scope/i);
      expect(await auditRows(sub)).toEqual([
        { tool: 'delete_note', outcome: 'permission_denied', idempotency_key: k },
      ]);
    } finally {
      await without.close();
    }
    const withScope = await connectClient(await runtimeFor({ allowModelConfirmation: true }), {
      era: 'modern',
      authInfo: authInfo(['notes:write']),
    });
    try {
      const allowed = await withScope.callTool('delete_note', {
        id: '999999',
        idempotency_key: key(),
        confirmed: true,
      });
      expect(allowed.structuredContent!.error).toMatchObject({ code: 'not_found' });
    } finally {
      await withScope.close();
    }
  });

  it('refuses with a clear tool error, audited, where no HTTP challenge can be sent', async () => {
    const sub = `session-${key()}`;
    const client = await connectClient(await runtimeFor({ allowModelConfirmation: true }), {
      era: 'legacy-session',
      authInfo: authInfo(['notes:read'], sub),
    });
    try {
      const k = key();
      const denied = await client.callTool('delete_note', { id: '1', idempotency_key: k, confirmed: true });
      expect(denied.structuredContent!.error).toMatchObject({
        code: 'permission_denied',
        message: expect.stringMatching(/notes:write/),
      });
      expect(await auditRows(sub)).toEqual([
        { tool: 'delete_note', outcome: 'permission_denied', idempotency_key: k },
      ]);
    } finally {
      await client.close();
    }
  });

  it.each(['modern', 'legacy-session'] as const)(
    'guards resources and prompts with their scopes (%s)',
    async (era) => {
      const without = await connectClient(await runtimeFor(), { era, authInfo: authInfo(['notes:write']) });
      try {
        await expect(without.readResource('notes://notes/1')).rejects.toThrow(/notes:read|403|scope/i);
        await expect(without.getPrompt('summarize_notes', { topic: 'x' })).rejects.toThrow(
          /notes:read|403|scope/i,
        );
      } finally {
        await without.close();
      }
      const reader = await connectClient(await runtimeFor(), { era, authInfo: authInfo(['notes:read']) });
      try {
        const prompt = await reader.getPrompt('summarize_notes', { topic: 'x' });
        expect(prompt.messages[0]!.content.text).toBe('Summarize my notes about x.');
        await expect(reader.readResource('notes://notes/999999')).rejects.toThrow(/not found/i);
      } finally {
        await reader.close();
      }
    },
  );

  it("grants nothing for a token's '*' unless the operator allows it", async () => {
    const strict = await connectClient(await runtimeFor(), {
      era: 'legacy-session',
      authInfo: authInfo(['*']),
    });
    try {
      const denied = await strict.callTool('delete_note', { id: '1', idempotency_key: key() });
      expect(denied.structuredContent!.error).toMatchObject({ code: 'permission_denied' });
    } finally {
      await strict.close();
    }
    const lenient = await connectClient(
      await runtimeFor({ allowWildcardScope: true, allowModelConfirmation: true }),
      {
        era: 'legacy-session',
        authInfo: authInfo(['*']),
      },
    );
    try {
      const allowed = await lenient.callTool('delete_note', {
        id: '999999',
        idempotency_key: key(),
        confirmed: true,
      });
      expect(allowed.structuredContent!.error).toMatchObject({ code: 'not_found' });
    } finally {
      await lenient.close();
    }
  });
});
