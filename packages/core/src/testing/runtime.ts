import type { Database } from '../db/database.js';
import type { Migration } from '../db/migrate.js';
import { createLogger, type LogLevel } from '../logging.js';
import type { AppDefinition } from '../server/app.js';
import { createRuntime } from '../server/create-runtime.js';
import type { Runtime, RuntimeOptions } from '../server/runtime.js';

/** A runtime for in-process tests: quiet logs, short waits, everything else as in production. */
export function createTestRuntime<Deps>(setup: {
  app: AppDefinition<Deps>;
  db: Database;
  deps: Deps;
  migrations?: Migration[];
  options?: Partial<RuntimeOptions>;
  logLevel?: LogLevel;
  maxConcurrentCalls?: number;
}): Runtime<Deps> {
  return createRuntime({
    app: setup.app,
    db: setup.db,
    migrations: setup.migrations ?? [],
    deps: setup.deps,
    log: createLogger({
      name: `${setup.app.name}-test`,
      level: setup.logLevel ?? (process.env.TEST_LOG_LEVEL as LogLevel | undefined) ?? 'silent',
    }),
    ...(setup.maxConcurrentCalls ? { maxConcurrentCalls: setup.maxConcurrentCalls } : {}),
    options: {
      readOnly: false,
      tools: undefined,
      toolTimeoutMs: 30_000,
      idempotencyWaitMs: 10_000,
      leaseMs: 30_000,
      allowModelConfirmation: false,
      allowWildcardScope: false,
      operator: 'test-operator',
      ...setup.options,
    },
  });
}
