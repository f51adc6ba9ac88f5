// The server through a real MCP client: its tool contract, and a write that happens once per key.
import { loadMigrations } from '@bounded/core';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type TestClient,
  type TestDatabase,
  type TestEra,
} from '@bounded/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { __camel__App } from '../src/server.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase(); // PGlite, or a fresh schema on TEST_DATABASE_URL
});
afterAll(async () => testDb.close());

async function connect(era: TestEra): Promise<TestClient> {
  const runtime = createTestRuntime({
    app: __camel__App,
    db: testDb.db,
    deps: {},
    migrations: await loadMigrations(new URL('../migrations/', import.meta.url)),
  });
  await runtime.ready();
  return connectClient(runtime, { era });
}

async function countNotes(): Promise<number> {
  const { rows } = await testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notes');
  return rows[0]!.n;
}

it('lists its tools as recorded in the snapshot', async () => {
  const client = await connect('modern');
  try {
    const { tools } = await client.listTools();
    await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('__snapshots__/tools-list.json');
  } finally {
    await client.close();
  }
});

describe.each<TestEra>(['modern', 'legacy', 'v1'])('add_note over the %s protocol', (era) => {
  it('saves a note once per idempotency key, and replays it on retry', async () => {
    const client = await connect(era);
    try {
      const before = await countNotes();
      const args = {
        title: `Groceries (${era})`,
        body: 'Milk, bread.',
        idempotency_key: `add-note-${era}-1`,
      };
      const first = await client.callTool('add_note', args);
      expect(first.isError, JSON.stringify(first)).toBeFalsy();
      const again = await client.callTool('add_note', args);
      expect(again.structuredContent).toEqual({ ...first.structuredContent, replayed: true });
      expect(await countNotes()).toBe(before + 1);
    } finally {
      await client.close();
    }
  });

  it('refuses bad input with an actionable error and saves nothing', async () => {
    const client = await connect(era);
    try {
      const before = await countNotes();
      const result = await client.callTool('add_note', {
        title: '',
        body: 'x',
        idempotency_key: `bad-${era}-1`,
      });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/title/);
      expect(await countNotes()).toBe(before);
    } finally {
      await client.close();
    }
  });
});
