// Hybrid search end to end through a real MCP client: PGlite with its pgvector build, and an
// OpenAI-compatible embeddings endpoint served by the test (a bag-of-words stand-in for a model,
// see support/embeddings-server.ts). It shows the plumbing and the fusion work; it does not
// measure how well a real model ranks.
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { connectClient, createTestRuntime, type TestClient } from '@bounded/core/testing';
import { createLogger } from '@bounded/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeBaseConfig, knowledgeBaseDeps } from '../src/config.js';
import { fillEmbeddings, startEmbeddingFill } from '../src/hybrid/fill-embeddings.js';
import { startEmbeddingsServer, type TestEmbeddingsServer } from './support/embeddings-server.js';
import { key, setupKnowledgeBase, type KnowledgeBase } from './support/knowledge-base.js';
import { vectorInstallable } from './support/vector.js';

const installable = await vectorInstallable();
if (!installable) {
  console.warn(
    'hybrid search tests skipped: the vector extension (pgvector) is not available on TEST_DATABASE_URL; ' +
      'test/search-fallback.test.ts checks that search falls back to keyword there',
  );
}

const KEY = 'test-embeddings-key';
const DOCS = [
  {
    uri: 'mem://car-care',
    collection: 'garage',
    content:
      '# Car care\n\nRegular maintenance keeps a car on the road: change the oil, check the tyres and service the engine every year.',
  },
  {
    uri: 'mem://bicycle',
    collection: 'garage',
    content:
      '# Bicycle repair\n\nPatch a punctured tube: find the hole, roughen the rubber, apply glue, press the patch.',
  },
  {
    uri: 'mem://roses',
    collection: 'garden',
    content: '# Roses\n\nPrune roses in late winter, just above an outward-facing bud.',
  },
];

type Match = { mode: string; fallback: string | null; pending_embeddings: number | null };
type Search = { results: { citation: { uri: string }; snippet: string; score: number }[]; match: Match };

describe.skipIf(!installable)('hybrid search on PGlite with pgvector', () => {
  let endpoint: TestEmbeddingsServer;
  let kb: KnowledgeBase;
  let client: TestClient;

  const search = async (args: Record<string, unknown>, on: TestClient = client) => {
    const result = await on.callTool('search_knowledge', args);
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    return { ...(result.structuredContent as Search), text: (result.content as { text: string }[])[0]!.text };
  };
  const uris = (s: Search) => s.results.map((r) => r.citation.uri);

  beforeAll(async () => {
    endpoint = await startEmbeddingsServer({ key: KEY });
    kb = await setupKnowledgeBase(
      { KB_EMBEDDINGS_URL: endpoint.url, KB_EMBEDDINGS_MODEL: 'test-embed', KB_EMBEDDINGS_KEY: KEY },
      {},
      { pgliteExtensions: { pg_trgm, vector } },
    );
    client = await kb.connect();
  });
  afterAll(async () => {
    await client?.close();
    await kb?.close();
    await endpoint?.close();
  });

  it('embeds every chunk, then finds by meaning a passage that shares no word with the query', async () => {
    const ingested = await client.callTool('ingest_documents', { documents: DOCS, idempotency_key: key() });
    expect(ingested.isError, JSON.stringify(ingested)).toBeFalsy();
    // Nothing is embedded inside the ingest: it never waits for the endpoint.
    expect(ingested.structuredContent).toMatchObject({ chunks: 3, embeddings_pending: 3 });
    expect((ingested.content as { text: string }[])[0]!.text).toContain('3 passage(s) wait for embeddings');

    const early = await search({ query: 'automobile repair' });
    expect(early.match).toMatchObject({
      mode: 'keyword',
      fallback: 'embeddings_pending',
      pending_embeddings: 3,
    });
    expect(early.text).toContain('no passage is embedded yet');

    expect(await fillEmbeddings(kb.db, kb.deps.semantic)).toEqual({ embedded: 3, pending: 0 });
    const { rows } = await kb.db.query<{ table_name: string; model: string; dimensions: number }>(
      'SELECT table_name, model, dimensions FROM kb_embedding_spaces',
    );
    expect(rows).toEqual([expect.objectContaining({ model: 'test-embed', dimensions: 256 })]);
    const stored = await kb.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${rows[0]!.table_name} WHERE embedding IS NOT NULL`,
    );
    expect(stored.rows[0]!.n).toBe(3);
    // Chunks go to the endpoint with their title and headings, in one batch.
    expect(endpoint.requests.at(-1)!.input).toHaveLength(3);
    expect(endpoint.requests.at(-1)!.input.join('\n')).toContain('Car care\n\nRegular maintenance');

    const keyword = await search({ query: 'automobile repair', mode: 'keyword' });
    expect(keyword.match).toMatchObject({ mode: 'keyword', fallback: null });
    expect(uris(keyword)).toEqual(['mem://bicycle']);

    const hybrid = await search({ query: 'automobile repair' });
    expect(hybrid.match).toEqual(
      expect.objectContaining({ mode: 'hybrid', fallback: null, pending_embeddings: 0 }),
    );
    expect(uris(hybrid)).toContain('mem://car-care');
    expect(uris(hybrid)).not.toContain('mem://roses');
    // The passage found by both rankings comes first: fused scores add up.
    expect(uris(hybrid)[0]).toBe('mem://bicycle');
    expect(hybrid.text).toContain('Ranked by keywords and meaning (hybrid).');
    const car = hybrid.results.find((r) => r.citation.uri === 'mem://car-care')!;
    expect(car.snippet).toContain('Regular maintenance');
    // Nearest by meaning, absent from the keyword ranking: 1 / (60 + 1).
    expect(car.score).toBeCloseTo(1 / 61, 4);

    const research = await client.callTool('research_question', { question: 'How do I fix my automobile?' });
    const found = research.structuredContent as { documents: { uri: string }[]; match: Match };
    expect(found.match).toMatchObject({ mode: 'hybrid', fallback: null });
    expect(found.documents.map((d) => d.uri)).toContain('mem://car-care');
    const keywordOnly = await client.callTool('research_question', {
      question: 'How do I fix my automobile?',
      mode: 'keyword',
    });
    expect((keywordOnly.structuredContent as { documents: unknown[] }).documents).toEqual([]);
  });

  it('applies the filters to the embedding ranking too', async () => {
    const garden = await search({ query: 'automobile repair', collection: 'garden' });
    expect(garden.match.mode).toBe('hybrid');
    expect(uris(garden)).not.toContain('mem://car-care');
    const source = await search({ query: 'vehicle servicing', source: 'mem://car' });
    expect(uris(source)).toEqual(['mem://car-care']);
  });

  it('keeps keyword search working while the endpoint is down, and fills the embeddings once it is back', async () => {
    endpoint.down = true;
    try {
      const ingested = await client.callTool('ingest_documents', {
        documents: [
          {
            uri: 'mem://engine',
            collection: 'garage',
            content: '# Engines\n\nA motor that knocks needs new spark plugs.',
          },
        ],
        idempotency_key: key(),
      });
      expect(ingested.isError, JSON.stringify(ingested)).toBeFalsy();
      expect(ingested.structuredContent).toMatchObject({ created: 1, embeddings_pending: 1 });

      // The query cannot be embedded: keyword results at once, with the reason.
      const during = await search({ query: 'spark plugs' });
      expect(during.match).toMatchObject({ mode: 'keyword', fallback: 'endpoint_failed' });
      expect(uris(during)).toEqual(['mem://engine']);
      expect(during.text).toContain('the embeddings endpoint did not answer');

      await expect(fillEmbeddings(kb.db, kb.deps.semantic, { attempts: 1 })).rejects.toThrow(/answered 503/);
      expect(await kb.deps.semantic.pendingIn(kb.db)).toBe(1);
    } finally {
      endpoint.down = false;
    }
    expect(await fillEmbeddings(kb.db, kb.deps.semantic)).toEqual({ embedded: 1, pending: 0 });
    const after = await search({ query: 'engine' });
    expect(after.match).toMatchObject({ mode: 'hybrid', pending_embeddings: 0 });
    // "engine" is not a word of the new passage ("motor" is): the embedding ranking found it.
    expect(uris(after)).toContain('mem://engine');
  });

  it('fills embeddings in the background after an ingest wakes it', async () => {
    const stop = startEmbeddingFill({
      db: kb.db,
      deps: kb.deps,
      log: createLogger({ name: 'test', level: 'silent' }),
    });
    try {
      const ingested = await client.callTool('ingest_documents', {
        documents: [
          {
            uri: 'mem://wheels',
            collection: 'garage',
            content: '# Wheels\n\nRotate the tires twice a year.',
          },
        ],
        idempotency_key: key(),
      });
      expect(ingested.isError, JSON.stringify(ingested)).toBeFalsy();
      await expect.poll(() => kb.deps.semantic.pendingIn(kb.db), { timeout: 10_000 }).toBe(0);
    } finally {
      stop();
    }
  });

  it('never mixes vectors of two models: another model gets its own space and starts empty', async () => {
    const deps = knowledgeBaseDeps(
      KnowledgeBaseConfig.parse({
        KB_EMBEDDINGS_URL: endpoint.url,
        KB_EMBEDDINGS_MODEL: 'test-embed-2',
        KB_EMBEDDINGS_KEY: KEY,
        KB_EMBEDDINGS_DIMENSIONS: '128',
      }),
    );
    const other = await connectClient(createTestRuntime({ app: kb.runtime.app, db: kb.db, deps }), {
      era: 'modern',
    });
    try {
      const before = await search({ query: 'automobile repair' }, other);
      expect(before.match).toMatchObject({
        mode: 'keyword',
        fallback: 'embeddings_pending',
        pending_embeddings: 5,
      });
      expect(await fillEmbeddings(kb.db, deps.semantic)).toEqual({ embedded: 5, pending: 0 });
      const spaces = await kb.db.query<{ model: string; dimensions: number }>(
        'SELECT model, dimensions FROM kb_embedding_spaces ORDER BY model',
      );
      expect(spaces.rows).toEqual([
        expect.objectContaining({ model: 'test-embed', dimensions: 256 }),
        expect.objectContaining({ model: 'test-embed-2', dimensions: 128 }),
      ]);
      expect(uris(await search({ query: 'automobile repair' }, other))).toContain('mem://car-care');
    } finally {
      await other.close();
    }
  });

  it('forgets the vectors of deleted documents', async () => {
    const person = await kb.connect({ onElicit: () => ({ action: 'accept', content: { confirm: true } }) });
    try {
      const deleted = await person.callTool('delete_documents', {
        uris: ['mem://car-care'],
        idempotency_key: key(),
      });
      expect(deleted.isError, JSON.stringify(deleted)).toBeFalsy();
    } finally {
      await person.close();
    }
    expect(uris(await search({ query: 'automobile repair' }))).not.toContain('mem://car-care');
    expect(await fillEmbeddings(kb.db, kb.deps.semantic)).toEqual({ embedded: 0, pending: 0 });
  });
});
