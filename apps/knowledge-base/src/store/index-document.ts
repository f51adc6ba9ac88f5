import { randomBytes } from 'node:crypto';
import type { Queryable } from '@bounded/core';
import { TEXT_SEARCH_CONFIG } from '../domain/bm25.js';
import type { PreparedDocument } from '../domain/prepare-document.js';
import { countChunksIn, uncountChunksIn } from './term-stats.js';

export interface IndexOutcome {
  uri: string;
  documentId: string;
  status: 'created' | 'updated' | 'unchanged';
  chunks: number;
}

// Heading paths travel as one string per chunk (arrays of arrays do not unnest); headings never hold it.
const PATH_SEPARATOR = '\u001f';

/**
 * Creates or replaces the documents (by uri) with their chunks and term statistics; documents
 * whose hash is unchanged are left alone. A batch takes a fixed number of statements however many
 * documents it holds. Run it inside a transaction: readers see the old version of the batch or
 * the new one, never a mix. A uri may appear once per batch.
 */
export async function indexDocuments(
  q: Queryable,
  docs: readonly PreparedDocument[],
): Promise<IndexOutcome[]> {
  if (docs.length === 0) return [];
  const uris = docs.map((d) => d.uri);
  if (new Set(uris).size !== uris.length) throw new Error('indexDocuments: a uri appears twice in one batch');
  // Claims every uri first (new ones by inserting placeholders), in uri order, so concurrent
  // batches wait for each other instead of deadlocking or failing on the unique uri.
  const ids = docs.map(() => `doc_${randomBytes(8).toString('hex')}`);
  const { rows: existing } = await q.query<{
    id: string;
    uri: string;
    content_hash: string;
    chunk_count: number;
    fresh: boolean;
  }>(
    `WITH claimed AS (
       INSERT INTO kb_documents (id, uri, title, collection, content_type, content_hash, content, chunk_count)
       SELECT i.id, i.uri, 'pending', 'pending', 'text', '', '', 0
         FROM unnest($1::text[], $2::text[]) AS i(id, uri) ORDER BY i.uri
       ON CONFLICT (uri) DO NOTHING
       RETURNING id, uri)
     SELECT id, uri, '' AS content_hash, 0 AS chunk_count, true AS fresh FROM claimed
     UNION ALL
     SELECT d.id, d.uri, d.content_hash, d.chunk_count, false FROM kb_documents d
      WHERE d.uri = ANY($2::text[]) AND d.uri NOT IN (SELECT uri FROM claimed)`,
    [ids, uris],
  );
  // Rows that existed are locked here (the placeholder inserts above are ours already).
  await q.query('SELECT 1 FROM kb_documents WHERE uri = ANY($1::text[]) ORDER BY uri FOR UPDATE', [uris]);
  const byUri = new Map(existing.map((r) => [r.uri, r]));
  const outcomes: IndexOutcome[] = [];
  const changed: { doc: PreparedDocument; id: string }[] = [];
  for (const doc of docs) {
    const row = byUri.get(doc.uri)!;
    if (!row.fresh && row.content_hash === doc.contentHash) {
      outcomes.push({ uri: doc.uri, documentId: row.id, status: 'unchanged', chunks: row.chunk_count });
      continue;
    }
    changed.push({ doc, id: row.id });
    outcomes.push({
      uri: doc.uri,
      documentId: row.id,
      status: row.fresh ? 'created' : 'updated',
      chunks: doc.chunks.length,
    });
  }
  if (changed.length === 0) return outcomes;
  const changedIds = changed.map((c) => c.id);
  const replaced = changed.filter((c) => !byUri.get(c.doc.uri)!.fresh).map((c) => c.id);
  if (replaced.length > 0) {
    await uncountChunksIn(q, replaced);
    await q.query('DELETE FROM kb_chunks WHERE document_id = ANY($1::text[])', [replaced]);
  }
  await q.query(
    `UPDATE kb_documents d
        SET title = u.title, collection = u.collection, tags = string_to_array(u.tags, $8),
            content_type = u.content_type, content_hash = u.content_hash, content = u.content,
            chunk_count = u.chunk_count, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $9::int[])
            AS u(id, title, collection, tags, content_type, content_hash, content, chunk_count)
      WHERE d.id = u.id`,
    [
      changedIds,
      changed.map((c) => c.doc.title),
      changed.map((c) => c.doc.collection),
      changed.map((c) => c.doc.tags.join(PATH_SEPARATOR)),
      changed.map((c) => c.doc.contentType),
      changed.map((c) => c.doc.contentHash),
      changed.map((c) => c.doc.text),
      PATH_SEPARATOR,
      changed.map((c) => c.doc.chunks.length),
    ],
  );
  await insertChunks(q, changed);
  await countChunksIn(q, changedIds);
  return outcomes;
}

async function insertChunks(q: Queryable, changed: { doc: PreparedDocument; id: string }[]): Promise<void> {
  const rows = changed.flatMap(({ doc, id }) => doc.chunks.map((chunk) => ({ id, title: doc.title, chunk })));
  if (rows.length === 0) return;
  const cfg = TEXT_SEARCH_CONFIG;
  await q.query(
    `INSERT INTO kb_chunks (document_id, ordinal, heading_path, start_offset, end_offset, body, tsv, token_count)
     SELECT c.document_id, c.ordinal, string_to_array(c.path, $8), c.s, c.e, c.body, v.tsv,
            (SELECT coalesce(sum(cardinality(u.positions)), 0) FROM unnest(v.tsv) u)
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::int[], $7::text[])
            AS c(document_id, title, ordinal, path, s, e, body)
      CROSS JOIN LATERAL (
        SELECT setweight(to_tsvector('${cfg}', c.title), 'A')
            || setweight(to_tsvector('${cfg}', replace(c.path, $8, ' ')), 'B')
            || to_tsvector('${cfg}', c.body) AS tsv) v`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.title),
      rows.map((r) => r.chunk.ordinal),
      rows.map((r) => r.chunk.headingPath.map((h) => h.replaceAll(PATH_SEPARATOR, ' ')).join(PATH_SEPARATOR)),
      rows.map((r) => r.chunk.start),
      rows.map((r) => r.chunk.end),
      rows.map((r) => r.chunk.text),
      PATH_SEPARATOR,
    ],
  );
}

/** Deletes documents with their chunks and term statistics; returns what went. */
export async function deleteDocuments(
  q: Queryable,
  documentIds: readonly string[],
): Promise<{ documents: number; chunks: number }> {
  if (documentIds.length === 0) return { documents: 0, chunks: 0 };
  await uncountChunksIn(q, documentIds);
  const { rows } = await q.query<{ documents: number; chunks: number }>(
    `WITH gone AS (DELETE FROM kb_documents WHERE id = ANY($1::text[]) RETURNING chunk_count)
     SELECT count(*)::int AS documents, coalesce(sum(chunk_count), 0)::int AS chunks FROM gone`,
    [documentIds],
  );
  return rows[0] ?? { documents: 0, chunks: 0 };
}
