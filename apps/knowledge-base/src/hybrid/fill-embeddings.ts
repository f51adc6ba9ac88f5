import type { Database, Logger } from '@bounded/core';
import type { KnowledgeBaseDeps } from '../config.js';
import {
  claimChunksToEmbed,
  pendingEmbeddings,
  releaseChunks,
  storeEmbeddings,
  syncEmbeddingQueue,
  type ChunkToEmbed,
} from '../store/embeddings.js';
import type { SemanticSearch } from './semantic-search.js';

// What a chunk is embedded as: where it sits, then its text, cut to what any model takes.
const MAX_EMBEDDED_CHARS = 8000;

export function embeddingText(chunk: Pick<ChunkToEmbed, 'title' | 'headingPath' | 'body'>): string {
  const path = chunk.headingPath.length > 0 ? `\n${chunk.headingPath.join(' › ')}` : '';
  return `${chunk.title}${path}\n\n${chunk.body}`.slice(0, MAX_EMBEDDED_CHARS);
}

// Tries of one batch before the fill gives up until its next round.
const EMBED_ATTEMPTS = 4;

export interface FillOutcome {
  /** Chunks embedded by this fill. */
  embedded: number;
  /** Chunks still without a vector afterwards; null when there is no vector space. */
  pending: number | null;
}

/**
 * Embeds the chunks that wait for a vector, batch by batch, until none is left or `maxBatches`
 * ran. Safe in every replica at once and after a crash (claims are leased). Throws when the
 * endpoint fails; the claimed batch is given back for the next fill.
 */
export async function fillEmbeddings(
  db: Database,
  semantic: SemanticSearch,
  options: { signal?: AbortSignal; maxBatches?: number; attempts?: number } = {},
): Promise<FillOutcome> {
  const endpoint = semantic.endpoint;
  if (!endpoint) return { embedded: 0, pending: null };
  const state = await semantic.space(db, options.signal);
  if (!('space' in state)) {
    if (state.unavailable === 'endpoint_failed') throw new Error(state.detail);
    return { embedded: 0, pending: null };
  }
  const { space } = state;
  await db.transaction((tx) => syncEmbeddingQueue(tx, space));
  // A lease outlives every try of one call and the waits between them; a crashed replica's
  // claims come back after it lapses.
  const leaseSeconds =
    Math.ceil((EMBED_ATTEMPTS * endpoint.timeoutMs + (EMBED_ATTEMPTS - 1) * 30_000) / 1000) + 60;
  let embedded = 0;
  for (let batch = 0; batch < (options.maxBatches ?? Infinity); batch += 1) {
    options.signal?.throwIfAborted();
    const chunks = await claimChunksToEmbed(db, space, endpoint.batchSize, leaseSeconds);
    if (chunks.length === 0) break;
    const ids = chunks.map((c) => c.chunkId);
    let vectors: number[][];
    try {
      vectors = await endpoint.embed(chunks.map(embeddingText), {
        attempts: options.attempts ?? EMBED_ATTEMPTS,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      await releaseChunks(db, space, ids, (error as Error).message);
      throw error;
    }
    await storeEmbeddings(db, space, ids, vectors);
    embedded += chunks.length;
  }
  return { embedded, pending: await pendingEmbeddings(db, space) };
}

/** How long the fill waits between looks when nothing wakes it, and its longest backoff after failures. */
const IDLE_MS = 30_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Fills missing embeddings in the background: at start, when an ingest wakes it, and every 30 s;
 * after a failure (endpoint down) it waits longer each time, up to 5 minutes. Nothing to do
 * without an embeddings endpoint. Returns what stops it (and cancels a call in flight).
 */
export function startEmbeddingFill(context: {
  db: Database;
  deps: KnowledgeBaseDeps;
  log: Logger;
}): () => void {
  const { db, log } = context;
  const semantic = context.deps.semantic;
  if (!semantic.endpoint) return () => {};
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let failures = 0;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (stop.signal.aborted) return;
    timer = setTimeout(() => void sweep(), ms);
    timer.unref();
  };
  const sweep = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    try {
      const outcome = await fillEmbeddings(db, semantic, { signal: stop.signal });
      if (failures > 0) log.info('embeddings endpoint reachable again');
      failures = 0;
      if (outcome.embedded > 0) log.info(outcome, 'chunks embedded');
      schedule(again ? 0 : IDLE_MS);
    } catch (error) {
      if (stop.signal.aborted) return;
      failures += 1;
      const wait = Math.min(MAX_BACKOFF_MS, 5_000 * 2 ** (failures - 1));
      // The message names the endpoint and its answer; the key never appears in it.
      log.warn(
        { err: (error as Error).message, retry_in_ms: wait },
        'embedding chunks failed; keyword search is unaffected',
      );
      schedule(wait);
    } finally {
      running = false;
    }
  };
  // An ingest wakes the fill once its transaction has had time to commit; a sweep in progress runs again.
  semantic.onWake = () => {
    if (running) again = true;
    else if (failures === 0) schedule(500);
  };
  schedule(0);
  return () => {
    stop.abort();
    clearTimeout(timer);
    semantic.onWake = undefined;
  };
}
