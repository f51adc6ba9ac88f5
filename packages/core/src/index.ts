// The public entry point of @bounded/core: everything an app may import.
export * from './errors.js';
export type { Database, Queryable, QueryResult, TransactionOptions } from './db/database.js';
export { loadMigrations, migrate, type Migration } from './db/migrate.js';
export { openDatabase } from './db/open.js';
export { createPgDatabase } from './db/pg.js';
export { createPgliteDatabase, type PgliteExtension } from './db/pglite.js';
export { DataDirLockedError, LOCK_FILE } from './db/data-dir-lock.js';
export * from './server/define.js';
export type { AppDefinition } from './server/app.js';
export { idempotencyKey } from './idempotency/key-schema.js';
export type { CursorCodec } from './pagination/cursor.js';
export { keysetAfter, orderBy, takePage, type SortColumn, type KeysetPosition } from './pagination/keyset.js';
export {
  fitToBudget,
  truncateText,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  DEFAULT_TEXT_BUDGET_CHARS,
} from './pagination/budget.js';
export { pageInput, pageOutput } from './pagination/page-schema.js';
export { parseConfig, CoreConfig, ConfigError, type AppFlags, type CoreConfigValues } from './config.js';
export { createLogger, type Logger, type LogLevel } from './logging.js';
export { runApp, type AppMain } from './server/run-app.js';
export { createServerFactory, selectTools } from './server/factory.js';
export { createRuntime, type RuntimeSetup } from './server/create-runtime.js';
export type { Runtime, RuntimeOptions } from './server/runtime.js';
export { runStdio } from './server/run-stdio.js';
export { runHttp, type HttpOptions, type HttpHandle } from './server/run-http-lazy.js';
export { createBearerVerifier, type AuthSettings } from './server/auth.js';
export { argsDigest } from './idempotency/digest.js';
export { recordAudit, type AuditEntry } from './audit/record.js';
