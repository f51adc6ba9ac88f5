import { defineTool, idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';

export const notifyAssignee = defineTool({
  name: 'notify_assignee',
  description:
    "Sends the task to its assignee's inbox. Reuse the idempotency_key to retry; it never sends twice.",
  input: z.object({ task_id: z.string().regex(/^\d+$/), idempotency_key: idempotencyKey() }),
  output: z.object({ sent_to: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // External effects: each step is recorded, and a retry after a crash resumes after the last one.
  effects: 'phased',
  async handler(input, ctx) {
    const phase = ctx.phase!;
    const assignee = await phase.step('look_up', async () => {
      const { rows } = await ctx.db.query<{ assignee: string }>('SELECT assignee FROM tasks WHERE id = $1', [
        input.task_id,
      ]);
      if (!rows[0]) throw new ToolError('not_found', `No task ${input.task_id}.`);
      return rows[0].assignee;
    });
    await phase.step('send', async () => {
      // A real API gets phase.clientToken as its own idempotency token, so it dedupes a resent call.
      await ctx.db.query('INSERT INTO outbox (client_token, task_id, sent_to) VALUES ($1, $2, $3)', [
        phase.clientToken,
        input.task_id,
        assignee,
      ]);
    });
    return { data: { sent_to: assignee }, text: `Sent task ${input.task_id} to ${assignee}.` };
  },
});
