import {
  defineTool,
  fitToBudget,
  keysetAfter,
  orderBy,
  pageInput,
  pageOutput,
  takePage,
  type ToolContext,
} from '@bounded/core';
import { z } from 'zod';
import type { TasksDeps } from '../app.js';

const Task = z.object({ task_id: z.string(), title: z.string(), assignee: z.string() });
const SORT = [{ column: 'id', direction: 'asc' as const }];

export const listTasks = defineTool({
  name: 'list_tasks',
  description: 'Lists tasks, oldest first, optionally for one assignee. Paginated: pass next_cursor back.',
  input: z.object({ assignee: z.string().optional(), ...pageInput }),
  output: z.object({ tasks: z.array(Task), ...pageOutput }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  async handler(input, ctx: ToolContext<TasksDeps>) {
    // A cursor only works with the filters it was issued for.
    const binding = { tool: 'list_tasks', assignee: input.assignee ?? null };
    const position = input.cursor ? ctx.cursors.decode(input.cursor, binding) : undefined;
    const after = keysetAfter(SORT, position, 2);
    const { rows } = await ctx.db.query<{ id: string; title: string; assignee: string }>(
      `SELECT id::text AS id, title, assignee FROM tasks
        WHERE ($1::text IS NULL OR assignee = $1) AND ${after.sql}
        ${orderBy(SORT)} LIMIT ${input.limit + 1}`,
      [input.assignee ?? null, ...after.params],
    );
    const page = takePage(rows, input.limit, (row) => ({ id: Number(row.id) }));
    const tasks = page.items.map((row) => ({ task_id: row.id, title: row.title, assignee: row.assignee }));
    // Cut the page to what the model can afford; the cursor continues after the last task kept.
    const fitted = fitToBudget(tasks, { maxChars: ctx.deps.listBudgetChars });
    const last = fitted.items.at(-1);
    const next = fitted.truncated && last ? { id: Number(last.task_id) } : page.nextPosition;
    return {
      data: {
        tasks: fitted.items,
        next_cursor: next ? ctx.cursors.encode(next, binding) : null,
        truncated: fitted.truncated,
      },
      text: `${fitted.items.length} task(s)${next ? '; more with next_cursor' : ''}.`,
    };
  },
});
