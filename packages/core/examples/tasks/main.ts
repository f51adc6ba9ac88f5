// The whole CLI: flags and env parsed (core's settings plus these), stdio or --http, drain on exit.
import { runApp } from '@bounded/core';
import { z } from 'zod';
import { tasksApp, tasksMigrations } from './app.js';

await runApp({
  app: tasksApp,
  migrations: tasksMigrations,
  // A bad value stops start-up with one line naming the variable.
  config: z.object({ TASKS_LIST_BUDGET_CHARS: z.coerce.number().int().min(500).default(16_000) }),
  deps: ({ config }) => ({ listBudgetChars: config.TASKS_LIST_BUDGET_CHARS }),
});
