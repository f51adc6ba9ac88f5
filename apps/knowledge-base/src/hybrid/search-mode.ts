import type { Database } from '@bounded/core';
import { fuseRanks } from '../domain/rank-fusion.js';
import { anyEmbedded, nearestChunks, pendingEmbeddings } from '../store/embeddings.js';
import { matchOf, retrieve, type ResolvedMatch, type RetrieveOptions } from '../store/retrieve.js';
import { chunksByIds, type RankedChunk } from '../store/search.js';
import { EmbeddingsFailed } from './embeddings-endpoint.js';
import type { FallbackReason, SemanticSearch } from './semantic-search.js';

export type SearchMode = 'keyword' | 'hybrid';

/** Which ranking ran, and why keyword ran when hybrid was wanted. */
export interface ModeOutcome {
  mode: SearchMode;
  fallback: FallbackReason | null;
  /** Chunks without a vector yet (hybrid ranks them by keywords only); null without a vector space. */
  pendingEmbeddings: number | null;
}

export interface RankOptions extends RetrieveOptions {
  /** Asked for; hybrid (the default) falls back to keyword with a reason when it cannot run. */
  mode: SearchMode | undefined;
  /** How deep each ranking goes before fusion: the fused list holds at most twice this. */
  depth: number;
}

/**
 * Ranked chunks for `query`: BM25 alone (keyword), or BM25's top `depth` and the embedding
 * neighbours' top `depth` under the same filters, fused by reciprocal rank (hybrid), paged by
 * `offset` and `limit` over the fused list. Hybrid falls back to keyword, saying why, when there
 * is no endpoint, no vector extension, no answer from the endpoint for this query, or no chunk
 * embedded yet.
 */
export async function rankPassages(
  db: Database,
  semantic: SemanticSearch,
  query: string,
  options: RankOptions,
): Promise<{ chunks: RankedChunk[]; match: ResolvedMatch; outcome: ModeOutcome }> {
  // The embedded database loads pgvector when embeddings are configured; then `%` is avoided.
  if (db.kind === 'pglite' && semantic.endpoint) options = { ...options, avoidTrigramOperator: true };
  const keyword = async (fallback: FallbackReason | null, pending: number | null = null) => ({
    ...(await retrieve(db, query, options)),
    outcome: { mode: 'keyword' as const, fallback, pendingEmbeddings: pending },
  });
  if (options.mode === 'keyword') return keyword(null);
  const state = await semantic.space(db, options.signal);
  if (!('space' in state)) return keyword(state.unavailable);
  const { space } = state;
  let vector: number[];
  try {
    // A query waits for one retry at most: keyword results now beat hybrid ones later.
    [vector] = (await semantic.endpoint!.embed([query], { signal: options.signal, attempts: 2 })) as [
      number[],
    ];
  } catch (error) {
    if (!(error instanceof EmbeddingsFailed)) throw error;
    return keyword('endpoint_failed');
  }
  const nearest = await nearestChunks(db, space, vector, options.filters, options.depth);
  const pending = await pendingEmbeddings(db, space);
  // No neighbour at all may just mean nothing is like the query; it means "not yet" only when no
  // chunk has a vector.
  if (nearest.length === 0 && pending > 0 && !(await anyEmbedded(db, space))) {
    return keyword('embeddings_pending', pending);
  }
  const ranked = await retrieve(db, query, {
    ...options,
    limit: options.depth,
    offset: 0,
    highlight: false,
  });
  const fused = fuseRanks([ranked.chunks.map((c) => c.chunkId), nearest.map((n) => n.chunkId)]).slice(
    options.offset,
    options.offset + options.limit,
  );
  const chunks = await chunksByIds(
    db,
    fused.map((f) => ({ id: f.id, score: f.score })),
    options.highlight ? matchOf(ranked.match) : undefined,
  );
  return {
    chunks,
    match: ranked.match,
    outcome: { mode: 'hybrid', fallback: null, pendingEmbeddings: pending },
  };
}
