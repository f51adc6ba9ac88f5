import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMigrations } from '@bounded/core';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type ConnectOptions,
  type TestClient,
} from '@bounded/core/testing';
import type { PgliteExtension, RuntimeOptions } from '@bounded/core';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { KnowledgeBaseConfig, knowledgeBaseDeps, type KnowledgeBaseDeps } from '../../src/config.js';
import { knowledgeBaseApp } from '../../src/server.js';

export const MIGRATIONS = new URL('../../migrations/', import.meta.url);

/**
 * The React docs corpus, read in place: ../shared/corpora/react-docs beside the checkout, or
 * REACT_DOCS_DIR (a checkout elsewhere); undefined where it is absent. Its real path: the server
 * resolves symlinks before it reads, so document uris name the real path even when ../shared is a
 * link.
 */
export const CORPUS_DIR: string | undefined = (() => {
  const beside = fileURLToPath(new URL('../../../../../shared/corpora/react-docs', import.meta.url));
  const dir = process.env.REACT_DOCS_DIR ?? beside;
  return existsSync(dir) ? realpathSync(dir) : undefined;
})();

export const NO_CORPUS_MESSAGE =
  'the React docs corpus is not at ../shared/corpora/react-docs beside the checkout (nor REACT_DOCS_DIR); corpus tests are skipped';

/** A migrated knowledge-base database, a runtime over it, and a way to connect real clients. */
export async function setupKnowledgeBase(
  env: Record<string, string> = {},
  options: Partial<RuntimeOptions> = {},
  setup: { pgliteExtensions?: Readonly<Record<string, PgliteExtension>> } = {},
) {
  const testDb = await createTestDatabase({ pgliteExtensions: setup.pgliteExtensions ?? { pg_trgm } });
  const deps: KnowledgeBaseDeps = knowledgeBaseDeps(KnowledgeBaseConfig.parse(env));
  const runtime = createTestRuntime({
    app: knowledgeBaseApp,
    db: testDb.db,
    deps,
    migrations: await loadMigrations(MIGRATIONS),
    options,
  });
  await runtime.ready();
  return {
    db: runtime.db,
    runtime,
    deps,
    testDb,
    connect: (connectOptions: Partial<ConnectOptions> = {}): Promise<TestClient> =>
      connectClient(runtime, { era: 'modern', ...connectOptions }),
    close: () => testDb.close(),
  };
}

export type KnowledgeBase = Awaited<ReturnType<typeof setupKnowledgeBase>>;

let counter = 0;
/** A fresh idempotency key. */
export const key = (): string => `kb-test-${process.pid}-${Date.now()}-${(counter += 1)}`;

/** Statistics that must always equal what the chunks say: BM25 is only right while they do. */
export async function statsDrift(q: KnowledgeBase['db']): Promise<unknown[]> {
  const { rows: terms } = await q.query(
    `WITH actual AS (
       SELECT lexeme AS term, count(*)::int AS df FROM kb_chunks c, unnest(tsvector_to_array(c.tsv)) lexeme GROUP BY lexeme)
     SELECT coalesce(a.term, t.term) AS term, a.df AS actual, t.df AS stored
       FROM actual a FULL JOIN kb_terms t ON t.term = a.term
      WHERE a.df IS DISTINCT FROM t.df LIMIT 5`,
  );
  const { rows: corpus } = await q.query(
    `SELECT s.chunk_count::int AS stored_chunks, x.n AS actual_chunks, s.total_tokens::int AS stored_tokens, x.t AS actual_tokens
       FROM kb_corpus_stats s,
            (SELECT count(*)::int AS n, coalesce(sum(token_count), 0)::int AS t FROM kb_chunks) x
      WHERE s.chunk_count <> x.n OR s.total_tokens <> x.t`,
  );
  return [...terms, ...corpus];
}
