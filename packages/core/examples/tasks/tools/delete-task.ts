import { defineTool, idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';

export const deleteTask = defineTool({
  name: 'delete_task',
  description: 'Deletes a task for good, after the person confirms.',
  input: z.object({ task_id: z.string().regex(/^\d+$/), idempotency_key: idempotencyKey() }),
  output: z.object({ deleted: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  async handler(input, ctx) {
    // Asks the person through elicitation; a client that cannot ask gets confirmation_required.
    await ctx.confirm(`Delete task ${input.task_id} for good?`);
    const { rowCount } = await ctx.tx.query('DELETE FROM tasks WHERE id = $1', [input.task_id]);
    if (rowCount === 0) {
      throw new ToolError('not_found', `No task ${input.task_id}.`, { hint: 'Call list_tasks for ids.' });
    }
    return { data: { deleted: input.task_id }, text: `Deleted task ${input.task_id}.` };
  },
});
