// Test kit for servers built on @bounded/core: real clients, real databases, real processes.
export {
  connectClient,
  type ConnectOptions,
  type ElicitAnswer,
  type TestClient,
  type TestEra,
  type ToolCallResult,
} from './connect.js';
export { createTestDatabase, hasRealPostgres, type TestDatabase } from './test-database.js';
export { copyPgliteTemplate, pgliteTemplate } from './pglite-template.js';
export { createTestRuntime } from './runtime.js';
export { spawnServerProcess, type ServerProcess } from './stdio-process.js';
export { startupFiles } from './startup-files.js';
