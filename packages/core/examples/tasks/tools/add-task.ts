import { defineTool, idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';

export const addTask = defineTool({
  name: 'add_task',
  description: 'Adds a task for an assignee. Use one idempotency_key per task and reuse it to retry.',
  input: z.object({
    title: z.string().min(1).max(200),
    assignee: z.string().email(),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({ task_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  // The idempotency claim, this handler's writes and the audit row commit in one transaction.
  effects: 'transactional',
  async handler(input, ctx) {
    if (input.assignee.endsWith('@example.invalid')) {
      throw new ToolError('precondition_failed', `${input.assignee} cannot take tasks.`, {
        hint: 'Assign the task to someone on the team.',
      });
    }
    const { rows } = await ctx.tx.query<{ task_id: string }>(
      'INSERT INTO tasks (title, assignee) VALUES ($1, $2) RETURNING id::text AS task_id',
      [input.title, input.assignee],
    );
    return { data: { task_id: rows[0]!.task_id }, text: `Added task ${rows[0]!.task_id}.` };
  },
});
