import type { Queryable } from '@bounded/core';
import type { ContentType } from '../domain/document-text.js';
import type { DocumentMetadata } from '../domain/prepare-document.js';

export interface StoredDocument extends DocumentMetadata {
  id: string;
  content: string;
  chunkCount: number;
  updatedAt: Date;
}

const COLUMNS = `id, uri, title, collection, tags, content_type, content_hash, content, chunk_count, updated_at`;

interface Row {
  id: string;
  uri: string;
  title: string;
  collection: string;
  tags: string[];
  content_type: ContentType;
  content_hash: string;
  content: string;
  chunk_count: number;
  updated_at: Date;
}

function fromRow(r: Row): StoredDocument {
  return {
    id: r.id,
    uri: r.uri,
    title: r.title,
    collection: r.collection,
    tags: r.tags,
    contentType: r.content_type,
    contentHash: r.content_hash,
    content: r.content,
    chunkCount: r.chunk_count,
    updatedAt: new Date(r.updated_at),
  };
}

/** One document by id or by uri. */
export async function findDocument(
  q: Queryable,
  by: { id: string } | { uri: string },
): Promise<StoredDocument | undefined> {
  const [column, value] = 'id' in by ? ['id', by.id] : ['uri', by.uri];
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM kb_documents WHERE ${column} = $1`, [value]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Recently updated documents, for resource listings. */
export async function recentDocuments(q: Queryable, limit: number): Promise<{ id: string; title: string }[]> {
  const { rows } = await q.query<{ id: string; title: string }>(
    'SELECT id, title FROM kb_documents ORDER BY updated_at DESC, id LIMIT $1',
    [limit],
  );
  return rows;
}

/** Ids of the documents a delete names: by uri, or a whole collection. Locked until the transaction ends. */
export async function documentsToDelete(
  q: Queryable,
  target: { uris: string[] } | { collection: string },
): Promise<{ id: string; uri: string; chunk_count: number }[]> {
  const [where, value] =
    'uris' in target ? ['uri = ANY($1::text[])', target.uris] : ['collection = $1', target.collection];
  const { rows } = await q.query<{ id: string; uri: string; chunk_count: number }>(
    `SELECT id, uri, chunk_count FROM kb_documents WHERE ${where} ORDER BY id FOR UPDATE`,
    [value],
  );
  return rows;
}

export interface CollectionSummary {
  collection: string;
  documents: number;
  chunks: number;
  lastUpdated: Date;
}

/** Collections in name order, after `after` (keyset), at most `limit` + 1 to tell whether more follow. */
export async function listCollections(
  q: Queryable,
  after: string | undefined,
  limit: number,
): Promise<CollectionSummary[]> {
  const { rows } = await q.query<{
    collection: string;
    documents: number;
    chunks: number;
    last_updated: Date;
  }>(
    `SELECT collection, count(*)::int AS documents, coalesce(sum(chunk_count), 0)::int AS chunks,
            max(updated_at) AS last_updated
       FROM kb_documents
      WHERE $1::text IS NULL OR collection > $1
      GROUP BY collection ORDER BY collection LIMIT $2`,
    [after ?? null, limit + 1],
  );
  return rows.map((r) => ({
    collection: r.collection,
    documents: r.documents,
    chunks: r.chunks,
    lastUpdated: new Date(r.last_updated),
  }));
}
