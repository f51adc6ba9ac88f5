import { createHash } from 'node:crypto';
import type { Database, Queryable } from '@bounded/core';
import { filterConditions, parameterList, type SearchFilters } from './search.js';

/**
 * The table of one model's vectors at one size: a row per chunk, its vector null until the
 * endpoint has embedded it (the row is then the chunk's place in the queue, with a lease).
 *
 * The table has no foreign key to kb_chunks, on purpose: an embedded PGlite started without the
 * vector extension (embeddings switched off) cannot touch a table with a vector column, and a
 * cascade from kb_chunks would make every re-ingest and delete fail. Rows of deleted chunks are
 * ignored by every query (they join kb_chunks) and removed by the next fill.
 */
export interface VectorSpace {
  table: string;
  model: string;
  dimensions: number;
  /** The schema-qualified vector type and distance operator, wherever the extension lives. */
  vectorType: string;
  cosineDistance: string;
}

// HNSW indexes `vector` columns of at most 2,000 dimensions; larger ones are searched exactly.
const MAX_INDEXED_DIMENSIONS = 2000;
// Serializes the DDL of concurrent replicas (the extension, the table, its indexes).
const DDL_LOCK = 7_318_204_519;

/**
 * The schema of the vector extension, creating it (in public) where it is available but not yet
 * installed; undefined where it is not available. Throws when creating it fails (rights).
 */
export async function vectorExtension(db: Database): Promise<string | undefined> {
  const installed = await extensionSchema(db);
  if (installed) return installed;
  if (!(await vectorAvailable(db))) return undefined;
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
    await tx.query('CREATE EXTENSION IF NOT EXISTS vector SCHEMA public');
    return (await extensionSchema(tx)) ?? 'public';
  });
}

async function vectorAvailable(q: Queryable): Promise<boolean> {
  const { rows } = await q.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  return rows.length > 0;
}

async function extensionSchema(q: Queryable): Promise<string | undefined> {
  const { rows } = await q.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'vector'`,
  );
  return rows[0]?.schema;
}

/**
 * The space of `model` (at `dimensions`, or the most recent size recorded) if it was created,
 * without creating anything: safe inside any transaction. `extension` says whether the vector
 * extension is installed or at least available.
 */
export async function findVectorSpace(
  q: Queryable,
  model: string,
  dimensions: number | undefined,
): Promise<{ extension: boolean; space: VectorSpace | undefined }> {
  const schema = await extensionSchema(q);
  if (!schema) {
    return { extension: await vectorAvailable(q), space: undefined };
  }
  const size = dimensions ?? (await knownDimensions(q, model));
  if (size === undefined) return { extension: true, space: undefined };
  const space = spaceOf(schema, model, size);
  const { rows } = await q.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    space.table,
  ]);
  return { extension: true, space: rows[0]?.exists ? space : undefined };
}

/** The vector size already recorded for `model` (the most recent if several), if any. */
export async function knownDimensions(q: Queryable, model: string): Promise<number | undefined> {
  const { rows } = await q.query<{ dimensions: number }>(
    'SELECT dimensions FROM kb_embedding_spaces WHERE model = $1 ORDER BY created_at DESC LIMIT 1',
    [model],
  );
  return rows[0]?.dimensions;
}

function spaceOf(schema: string, model: string, dimensions: number): VectorSpace {
  const digest = createHash('sha256').update(`${model}\u0000${dimensions}`).digest('hex').slice(0, 12);
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  return {
    table: `kb_embeddings_${digest}`,
    model,
    dimensions,
    vectorType: `${quoted}.vector(${dimensions})`,
    cosineDistance: `OPERATOR(${quoted}.<=>)`,
  };
}

/** The space of `model` at `dimensions`: its table and indexes, created when missing. */
export async function openVectorSpace(
  db: Database,
  schema: string,
  model: string,
  dimensions: number,
): Promise<VectorSpace> {
  const space = spaceOf(schema, model, dimensions);
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${space.table} (
         chunk_id bigint PRIMARY KEY,
         embedding ${space.vectorType},
         attempts integer NOT NULL DEFAULT 0,
         leased_until timestamptz,
         last_error text)`,
    );
    await tx.query(
      `CREATE INDEX IF NOT EXISTS ${space.table}_pending ON ${space.table} (chunk_id) WHERE embedding IS NULL`,
    );
    if (dimensions <= MAX_INDEXED_DIMENSIONS) {
      await tx.query(
        `CREATE INDEX IF NOT EXISTS ${space.table}_hnsw ON ${space.table}
           USING hnsw (embedding ${quoted}.vector_cosine_ops)`,
      );
    }
    await tx.query(
      `INSERT INTO kb_embedding_spaces (table_name, model, dimensions) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [space.table, model, dimensions],
    );
  });
  return space;
}

/**
 * Queues every chunk that has no row yet (ingested while embeddings were off, or since the last
 * fill) and drops the rows of chunks that are gone.
 */
export async function syncEmbeddingQueue(q: Queryable, space: VectorSpace): Promise<void> {
  await q.query(
    `INSERT INTO ${space.table} (chunk_id)
     SELECT c.id FROM kb_chunks c WHERE NOT EXISTS (SELECT 1 FROM ${space.table} e WHERE e.chunk_id = c.id)
     ON CONFLICT DO NOTHING`,
  );
  await q.query(
    `DELETE FROM ${space.table} e WHERE NOT EXISTS (SELECT 1 FROM kb_chunks c WHERE c.id = e.chunk_id)`,
  );
}

export interface ChunkToEmbed {
  chunkId: string;
  title: string;
  headingPath: string[];
  body: string;
}

/**
 * Claims up to `limit` chunks waiting for a vector, leased for `leaseSeconds`: other replicas
 * skip them (SKIP LOCKED, then the lease), and a crash only delays them until the lease lapses.
 */
export async function claimChunksToEmbed(
  q: Queryable,
  space: VectorSpace,
  limit: number,
  leaseSeconds: number,
): Promise<ChunkToEmbed[]> {
  const { rows } = await q.query<{ chunk_id: string; title: string; heading_path: string[]; body: string }>(
    `WITH next AS (
       SELECT chunk_id FROM ${space.table}
        WHERE embedding IS NULL AND (leased_until IS NULL OR leased_until < now())
        ORDER BY chunk_id LIMIT $1 FOR UPDATE SKIP LOCKED),
     claimed AS (
       UPDATE ${space.table} e SET leased_until = now() + make_interval(secs => $2), attempts = e.attempts + 1
         FROM next WHERE e.chunk_id = next.chunk_id
       RETURNING e.chunk_id)
     SELECT c.id::text AS chunk_id, d.title, c.heading_path, c.body
       FROM claimed JOIN kb_chunks c ON c.id = claimed.chunk_id JOIN kb_documents d ON d.id = c.document_id
      ORDER BY c.id`,
    [limit, leaseSeconds],
  );
  return rows.map((r) => ({
    chunkId: r.chunk_id,
    title: r.title,
    headingPath: r.heading_path,
    body: r.body,
  }));
}

/** Stores the vectors of claimed chunks, ending their leases. */
export async function storeEmbeddings(
  q: Queryable,
  space: VectorSpace,
  chunkIds: readonly string[],
  vectors: readonly number[][],
): Promise<void> {
  await q.query(
    `UPDATE ${space.table} e SET embedding = v.embedding::${space.vectorType}, leased_until = NULL, last_error = NULL
       FROM unnest($1::bigint[], $2::text[]) AS v(chunk_id, embedding)
      WHERE e.chunk_id = v.chunk_id`,
    [chunkIds, vectors.map((v) => `[${v.join(',')}]`)],
  );
}

/** Gives claimed chunks back after a failed call, with the reason, for the next fill to retry. */
export async function releaseChunks(
  q: Queryable,
  space: VectorSpace,
  chunkIds: readonly string[],
  reason: string,
): Promise<void> {
  await q.query(
    `UPDATE ${space.table} SET leased_until = NULL, last_error = $2
      WHERE chunk_id = ANY($1::bigint[]) AND embedding IS NULL`,
    [chunkIds, reason.slice(0, 500)],
  );
}

/** Whether any chunk has a vector in this space. */
export async function anyEmbedded(q: Queryable, space: VectorSpace): Promise<boolean> {
  const { rows } = await q.query<{ any: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${space.table} e JOIN kb_chunks c ON c.id = e.chunk_id
                     WHERE e.embedding IS NOT NULL) AS any`,
  );
  return rows[0]?.any === true;
}

/** Chunks of the knowledge base that have no vector in this space yet. */
export async function pendingEmbeddings(q: Queryable, space: VectorSpace): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM kb_chunks c
      WHERE NOT EXISTS (SELECT 1 FROM ${space.table} e WHERE e.chunk_id = c.id AND e.embedding IS NOT NULL)`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * The `limit` chunks nearest to `vector` by cosine distance (below 1), within the filters, nearest first.
 * HNSW with iterative scans (pgvector 0.8), so that filters that exclude most neighbours still
 * fill the list.
 */
export async function nearestChunks(
  db: Database,
  space: VectorSpace,
  vector: readonly number[],
  filters: SearchFilters,
  limit: number,
): Promise<{ chunkId: string; distance: number }[]> {
  const params: unknown[] = [];
  const param = parameterList(params);
  const target = `${param(`[${vector.join(',')}]`)}::${space.vectorType}`;
  const where = ['e.embedding IS NOT NULL', ...filterConditions(filters, param)];
  const joinDocuments = where.length > 1 ? 'JOIN kb_documents d ON d.id = c.document_id' : '';
  const sql = `SELECT e.chunk_id::text AS chunk_id, (e.embedding ${space.cosineDistance} ${target})::float8 AS distance
       FROM ${space.table} e JOIN kb_chunks c ON c.id = e.chunk_id ${joinDocuments}
      WHERE ${where.join(' AND ')}
      ORDER BY e.embedding ${space.cosineDistance} ${target}
      LIMIT ${param(limit)}`;
  const rows = await db.transaction(async (tx) => {
    await tx.query(
      "SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)",
      [String(Math.max(40, Math.min(1000, limit)))],
    );
    return (await tx.query<{ chunk_id: string; distance: number }>(sql, params)).rows;
  });
  // Relaxed order may return neighbours slightly out of order. A chunk at distance 1 or more has
  // nothing in common with the query (cosine similarity 0 or below): it is no neighbour at all.
  return rows
    .map((r) => ({ chunkId: r.chunk_id, distance: Number(r.distance) }))
    .filter((r) => r.distance < 1)
    .sort((a, b) => a.distance - b.distance);
}
