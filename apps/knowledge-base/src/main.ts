// knowledge-base-mcp: parse flags and env, pick the transport, run.
import { runApp } from '@bounded/core';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import {
  embeddingsConfigured,
  KNOWLEDGE_BASE_FLAGS,
  KnowledgeBaseConfig,
  knowledgeBaseDeps,
} from './config.js';
import { startEmbeddingFill } from './hybrid/fill-embeddings.js';
import { seedDemo } from './seed-demo.js';
import { knowledgeBaseApp } from './server.js';
import { ingestAtStart } from './start-ingest.js';

await runApp({
  app: knowledgeBaseApp,
  migrations: new URL('../migrations/', import.meta.url),
  config: KnowledgeBaseConfig,
  flags: KNOWLEDGE_BASE_FLAGS,
  // pgvector costs every open of the embedded database time and memory: loaded only for embeddings.
  pgliteExtensions: (config) => ({ pg_trgm, ...(embeddingsConfigured(config) ? { vector } : {}) }),
  deps: ({ config }) => knowledgeBaseDeps(config),
  startJobs: startEmbeddingFill,
  atStart: (config) => {
    const path = config.KB_INGEST;
    return path === undefined ? undefined : ({ db, log }) => ingestAtStart(db, config, path, log);
  },
  seedDemo: async (db) => {
    await seedDemo(db);
  },
});
