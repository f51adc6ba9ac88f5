import type { AppDefinition } from '@bounded/core';
import { addTask } from './tools/add-task.js';
import { deleteTask } from './tools/delete-task.js';
import { listTasks } from './tools/list-tasks.js';
import { notifyAssignee } from './tools/notify-assignee.js';

/** What every handler gets as `ctx.deps`: built once from the parsed config in main.ts. */
export interface TasksDeps {
  listBudgetChars: number;
}

export const tasksApp: AppDefinition<TasksDeps> = {
  name: 'tasks',
  version: '0.1.0',
  instructions: 'Keeps a team task list. Tools that write take an idempotency_key: reuse it only to retry.',
  tools: [addTask, listTasks, deleteTask, notifyAssignee],
};

export const tasksMigrations = new URL('./migrations/', import.meta.url);
