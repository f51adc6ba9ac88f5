import type { Database, Queryable } from '@bounded/core';
import type { KnowledgeBaseConfigValues } from '../config.js';
import {
  findVectorSpace,
  knownDimensions,
  openVectorSpace,
  pendingEmbeddings,
  vectorExtension,
  type VectorSpace,
} from '../store/embeddings.js';
import {
  createEmbeddingsEndpoint,
  EmbeddingsFailed,
  type EmbeddingsEndpoint,
} from './embeddings-endpoint.js';

/** Why a search ran on keywords alone when hybrid was wanted. */
export type FallbackReason =
  'no_embeddings_endpoint' | 'no_vector_extension' | 'endpoint_failed' | 'embeddings_pending';

export type SpaceState = { space: VectorSpace } | { unavailable: FallbackReason; detail: string };

/** Embeddings and vector search as configured: the endpoint, and the vector space once known. */
export interface SemanticSearch {
  readonly endpoint: EmbeddingsEndpoint | undefined;
  /**
   * The vector space of the configured model, created on first use (the extension and table
   * where they are missing), or why there is none. Runs statements of its own: call it outside
   * a transaction.
   */
  space(db: Database, signal?: AbortSignal): Promise<SpaceState>;
  /**
   * Chunks without a vector yet, counted without creating anything (safe inside a transaction);
   * null without an endpoint or a vector extension.
   */
  pendingIn(q: Queryable): Promise<number | null>;
  /** Asks the background fill to look for new chunks now. */
  wake(): void;
  /** Called on wake(); the fill job sets it. */
  onWake: (() => void) | undefined;
}

// A database without the extension is asked again after this long (an operator may install it).
const RECHECK_EXTENSION_MS = 10 * 60_000;

export function createSemanticSearch(config: KnowledgeBaseConfigValues): SemanticSearch {
  const endpoint =
    config.KB_EMBEDDINGS_URL && config.KB_EMBEDDINGS_MODEL
      ? createEmbeddingsEndpoint({
          url: config.KB_EMBEDDINGS_URL,
          model: config.KB_EMBEDDINGS_MODEL,
          key: config.KB_EMBEDDINGS_KEY,
          dimensions: config.KB_EMBEDDINGS_DIMENSIONS,
          timeoutMs: config.KB_EMBEDDINGS_TIMEOUT_MS,
          batchSize: config.KB_EMBEDDINGS_BATCH,
        })
      : undefined;
  let found: VectorSpace | undefined;
  let noExtension: { until: number; detail: string } | undefined;
  let pending: Promise<SpaceState> | undefined;

  async function resolve(db: Database, ep: EmbeddingsEndpoint, signal?: AbortSignal): Promise<SpaceState> {
    if (noExtension && noExtension.until > Date.now()) {
      return { unavailable: 'no_vector_extension', detail: noExtension.detail };
    }
    let schema: string | undefined;
    let detail = 'the database has no vector extension (pgvector) available';
    try {
      schema = await vectorExtension(db);
    } catch (error) {
      detail = `the vector extension could not be created: ${(error as Error).message}`;
    }
    if (!schema) {
      noExtension = { until: Date.now() + RECHECK_EXTENSION_MS, detail };
      return { unavailable: 'no_vector_extension', detail };
    }
    let dimensions = ep.dimensions ?? (await knownDimensions(db, ep.model));
    if (dimensions === undefined) {
      // The model's vector size is learnt from one answer, once per database.
      try {
        dimensions = (await ep.embed(['dimensions'], { ...(signal ? { signal } : {}), attempts: 1 }))[0]!
          .length;
      } catch (error) {
        if (!(error instanceof EmbeddingsFailed)) throw error;
        return { unavailable: 'endpoint_failed', detail: error.message };
      }
    }
    found = await openVectorSpace(db, schema, ep.model, dimensions);
    return { space: found };
  }

  const semantic: SemanticSearch = {
    endpoint,
    async pendingIn(q) {
      if (!endpoint) return null;
      const known = found
        ? { extension: true, space: found }
        : await findVectorSpace(q, endpoint.model, endpoint.dimensions);
      if (known.space) return pendingEmbeddings(q, known.space);
      if (!known.extension) return null;
      // No space yet: nothing is embedded.
      const { rows } = await q.query<{ n: string }>('SELECT chunk_count AS n FROM kb_corpus_stats');
      return Number(rows[0]?.n ?? 0);
    },
    async space(db, signal) {
      if (!endpoint) {
        return { unavailable: 'no_embeddings_endpoint', detail: 'no embeddings endpoint is configured' };
      }
      if (found) return { space: found };
      // Concurrent first calls share one resolution.
      pending ??= resolve(db, endpoint, signal).finally(() => {
        pending = undefined;
      });
      return pending;
    },
    wake() {
      semantic.onWake?.();
    },
    onWake: undefined,
  };
  return semantic;
}
