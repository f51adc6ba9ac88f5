// knowledge-base-mcp: parse flags and env, pick the transport, run.
import { runApp } from '@bounded/core';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { KNOWLEDGE_BASE_FLAGS, KnowledgeBaseConfig } from './config.js';
import { seedDemo } from './seed-demo.js';
import { knowledgeBaseApp } from './server.js';
import { ingestAtStart } from './start-ingest.js';

await runApp({
  app: knowledgeBaseApp,
  migrations: new URL('../migrations/', import.meta.url),
  config: KnowledgeBaseConfig,
  flags: KNOWLEDGE_BASE_FLAGS,
  pgliteExtensions: { pg_trgm },
  deps: ({ config }) => ({ config }),
  atStart: (config) => {
    const path = config.KB_INGEST;
    return path === undefined ? undefined : ({ db, log }) => ingestAtStart(db, config, path, log);
  },
  seedDemo: async (db) => {
    await seedDemo(db);
  },
});
