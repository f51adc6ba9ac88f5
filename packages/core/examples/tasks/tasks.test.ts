import { loadMigrations } from '@bounded/core';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type TestDatabase,
} from '@bounded/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tasksApp, tasksMigrations } from './app.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase(); // PGlite, or a fresh schema on TEST_DATABASE_URL
});
afterAll(async () => testDb.close());

async function connect(onElicit?: () => { action: 'accept'; content: Record<string, boolean> }) {
  const runtime = createTestRuntime({
    app: tasksApp,
    db: testDb.db,
    deps: { listBudgetChars: 16_000 },
    migrations: await loadMigrations(tasksMigrations),
  });
  await runtime.ready();
  // A real client, in any era: 'modern', 'legacy', 'legacy-session' (can be asked to confirm) or 'v1'.
  return connectClient(runtime, onElicit ? { era: 'legacy-session', onElicit } : { era: 'modern' });
}

it('adds a task once per key, pages through tasks, and sends each task once', async () => {
  const client = await connect();
  const args = {
    title: 'Renew the TLS certificate',
    assignee: 'ops@example.com',
    idempotency_key: 'task-0001',
  };
  const added = await client.callTool('add_task', args);
  const retried = await client.callTool('add_task', args);
  expect(retried.structuredContent).toEqual({ ...added.structuredContent, replayed: true });
  await client.callTool('add_task', { ...args, title: 'Rotate keys', idempotency_key: 'task-0002' });

  const first = await client.callTool('list_tasks', { limit: 1 });
  const { next_cursor } = first.structuredContent as { next_cursor: string };
  const second = await client.callTool('list_tasks', { limit: 1, cursor: next_cursor });
  expect(second.structuredContent).toMatchObject({ tasks: [{ title: 'Rotate keys' }], next_cursor: null });

  const { task_id } = added.structuredContent as { task_id: string };
  const notify = { task_id, idempotency_key: 'notify-0001' };
  await client.callTool('notify_assignee', notify);
  const again = await client.callTool('notify_assignee', notify);
  expect(again.structuredContent).toMatchObject({ sent_to: 'ops@example.com', replayed: true });
  const { rows } = await testDb.db.query('SELECT * FROM outbox');
  expect(rows).toHaveLength(1);
  await client.close();
});

it('deletes only after the person confirms', async () => {
  const cannotAsk = await connect();
  const { task_id } = (
    await cannotAsk.callTool('add_task', {
      title: 'Old',
      assignee: 'a@example.com',
      idempotency_key: 'task-0003',
    })
  ).structuredContent as { task_id: string };
  const refused = await cannotAsk.callTool('delete_task', { task_id, idempotency_key: 'delete-0001' });
  expect(refused.structuredContent).toMatchObject({ error: { code: 'confirmation_required' } });
  await cannotAsk.close();

  const asks = await connect(() => ({ action: 'accept', content: { confirm: true } }));
  const deleted = await asks.callTool('delete_task', { task_id, idempotency_key: 'delete-0002' });
  expect(deleted.structuredContent).toMatchObject({ deleted: task_id });
  await asks.close();
});
