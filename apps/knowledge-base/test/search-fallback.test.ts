// Where hybrid search cannot run, search runs on keywords and says why; half an embeddings
// configuration stops start-up. Runs on PGlite (without its pgvector build) and on PostgreSQL.
import { parseConfig } from '@bounded/core';
import { hasRealPostgres } from '@bounded/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeBaseConfig } from '../src/config.js';
import { startEmbeddingsServer, type TestEmbeddingsServer } from './support/embeddings-server.js';
import { key, setupKnowledgeBase, type KnowledgeBase } from './support/knowledge-base.js';
import { vectorInstallable } from './support/vector.js';

// On PGlite the extension is simply not loaded here; on PostgreSQL this needs a server without pgvector.
const noVector = !hasRealPostgres() || !(await vectorInstallable());
if (!noVector)
  console.warn('fallback test for a database without pgvector skipped: TEST_DATABASE_URL has pgvector');

type Match = { mode: string; fallback: string | null; pending_embeddings: number | null };
const DOC = { uri: 'mem://runbook', content: '# Runbook\n\nRestart the quokka service with care.' };

describe.skipIf(!noVector)('a database without the vector extension', () => {
  let endpoint: TestEmbeddingsServer;
  let kb: KnowledgeBase;
  beforeAll(async () => {
    endpoint = await startEmbeddingsServer();
    kb = await setupKnowledgeBase({ KB_EMBEDDINGS_URL: endpoint.url, KB_EMBEDDINGS_MODEL: 'test-embed' });
  });
  afterAll(async () => {
    await kb?.close();
    await endpoint?.close();
  });

  it('serves keyword results, saying hybrid search has no vector extension, and never calls the endpoint', async () => {
    const client = await kb.connect();
    try {
      const ingested = await client.callTool('ingest_documents', {
        documents: [DOC],
        idempotency_key: key(),
      });
      expect(ingested.structuredContent).toMatchObject({ created: 1, embeddings_pending: null });
      for (const mode of [undefined, 'hybrid']) {
        const found = await client.callTool('search_knowledge', {
          query: 'quokka restart',
          ...(mode && { mode }),
        });
        const result = found.structuredContent as { results: unknown[]; match: Match };
        expect(result.match).toMatchObject({
          mode: 'keyword',
          fallback: 'no_vector_extension',
          pending_embeddings: null,
        });
        expect(result.results).toHaveLength(1);
        expect((found.content as { text: string }[])[0]!.text).toContain(
          'Keyword ranking only: the database has no vector extension.',
        );
      }
      const research = await client.callTool('research_question', {
        question: 'How do I restart the quokka?',
      });
      expect((research.structuredContent as { match: Match }).match).toMatchObject({
        mode: 'keyword',
        fallback: 'no_vector_extension',
      });
      expect(endpoint.requests).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('without an embeddings endpoint', () => {
  let kb: KnowledgeBase;
  beforeAll(async () => {
    kb = await setupKnowledgeBase();
  });
  afterAll(async () => kb?.close());

  it('runs keyword search, even when hybrid is asked for, and says there is no endpoint', async () => {
    const client = await kb.connect();
    try {
      const ingested = await client.callTool('ingest_documents', {
        documents: [DOC],
        idempotency_key: key(),
      });
      expect(ingested.structuredContent).toMatchObject({ embeddings_pending: null });
      const found = await client.callTool('search_knowledge', { query: 'quokka', mode: 'hybrid' });
      expect((found.structuredContent as { match: Match }).match).toMatchObject({
        mode: 'keyword',
        fallback: 'no_embeddings_endpoint',
      });
      const asked = await client.callTool('search_knowledge', { query: 'quokka', mode: 'keyword' });
      expect((asked.structuredContent as { match: Match }).match).toMatchObject({
        mode: 'keyword',
        fallback: null,
      });
    } finally {
      await client.close();
    }
  });
});

describe('embeddings configuration', () => {
  const parse = (env: Record<string, string>) => () => parseConfig(KnowledgeBaseConfig, { argv: [], env });

  it('refuses half a configuration with one line naming the missing variable', () => {
    expect(parse({ KB_EMBEDDINGS_URL: 'http://127.0.0.1:1/v1' })).toThrow(
      /^Invalid KB_EMBEDDINGS_MODEL: required with KB_EMBEDDINGS_URL$/,
    );
    expect(parse({ KB_EMBEDDINGS_MODEL: 'm' })).toThrow(
      /^Invalid KB_EMBEDDINGS_URL: required with KB_EMBEDDINGS_MODEL$/,
    );
    expect(parse({ KB_EMBEDDINGS_KEY: 'secret-key' })).toThrow(
      /^Invalid KB_EMBEDDINGS_URL: required with KB_EMBEDDINGS_KEY$/,
    );
    expect(parse({ KB_EMBEDDINGS_URL: 'not a url', KB_EMBEDDINGS_MODEL: 'm' })).toThrow(
      /^Invalid KB_EMBEDDINGS_URL: /,
    );
    expect(
      parse({ KB_EMBEDDINGS_URL: 'http://h/v1', KB_EMBEDDINGS_MODEL: 'm', KB_EMBEDDINGS_DIMENSIONS: '0' }),
    ).toThrow(/^Invalid KB_EMBEDDINGS_DIMENSIONS: /);
  });

  it('takes a whole configuration, with defaults for batch size and timeout', () => {
    expect(parse({ KB_EMBEDDINGS_URL: 'http://h/v1', KB_EMBEDDINGS_MODEL: 'm' })()).toMatchObject({
      KB_EMBEDDINGS_BATCH: 64,
      KB_EMBEDDINGS_TIMEOUT_MS: 30_000,
    });
  });
});
