import type { Queryable } from '@bounded/core';
import { BM25 } from '../domain/bm25.js';

// BM25's statistics move with the chunks, in the same transaction: document frequencies per
// lexeme, and the corpus's chunk count and total length. Rows are touched in lexeme order, so
// concurrent ingests take their locks in one order.

/** Adds the chunks of these documents to the postings and term statistics (call after inserting them). */
export async function countChunksIn(q: Queryable, documentIds: readonly string[]): Promise<void> {
  const { title, heading, body } = BM25.weights;
  await q.query(
    `INSERT INTO kb_postings (chunk_id, term, tf, chunk_tokens)
     SELECT c.id, u.lexeme,
            (SELECT sum(CASE w WHEN 'A' THEN ${title} WHEN 'B' THEN ${heading} ELSE ${body} END) FROM unnest(u.weights) w),
            c.token_count
       FROM kb_chunks c, unnest(c.tsv) u
      WHERE c.document_id = ANY($1::text[])`,
    [documentIds],
  );
  await q.query(
    `WITH added AS (
       SELECT lexeme, count(*)::int AS n
         FROM kb_chunks c, unnest(tsvector_to_array(c.tsv)) AS lexeme
        WHERE c.document_id = ANY($1::text[])
        GROUP BY lexeme)
     INSERT INTO kb_terms (term, df)
     SELECT lexeme, n FROM added ORDER BY lexeme
     ON CONFLICT (term) DO UPDATE SET df = kb_terms.df + EXCLUDED.df`,
    [documentIds],
  );
  await q.query(
    `UPDATE kb_corpus_stats s
        SET chunk_count = s.chunk_count + x.n, total_tokens = s.total_tokens + x.t
       FROM (SELECT count(*) AS n, coalesce(sum(token_count), 0) AS t
               FROM kb_chunks WHERE document_id = ANY($1::text[])) x`,
    [documentIds],
  );
}

/** Removes the chunks of these documents from the term statistics (call before deleting them; postings go with the chunks). */
export async function uncountChunksIn(q: Queryable, documentIds: readonly string[]): Promise<void> {
  await q.query(
    `WITH gone AS (
       SELECT lexeme, count(*)::int AS n
         FROM kb_chunks c, unnest(tsvector_to_array(c.tsv)) AS lexeme
        WHERE c.document_id = ANY($1::text[])
        GROUP BY lexeme),
     locked AS (
       SELECT t.term, t.df, g.n FROM kb_terms t JOIN gone g ON g.lexeme = t.term
        ORDER BY t.term FOR UPDATE OF t),
     lowered AS (
       UPDATE kb_terms t SET df = t.df - l.n FROM locked l WHERE t.term = l.term AND l.df > l.n)
     DELETE FROM kb_terms t USING locked l WHERE t.term = l.term AND l.df <= l.n`,
    [documentIds],
  );
  await q.query(
    `UPDATE kb_corpus_stats s
        SET chunk_count = s.chunk_count - x.n, total_tokens = s.total_tokens - x.t
       FROM (SELECT count(*) AS n, coalesce(sum(token_count), 0) AS t
               FROM kb_chunks WHERE document_id = ANY($1::text[])) x`,
    [documentIds],
  );
}

/**
 * Refreshes the planner's statistics of the index tables after a large change. PostgreSQL's
 * autovacuum would get there eventually; PGlite has none, and with stale statistics the scoring
 * query's plan is many times slower.
 */
export async function refreshPlannerStatistics(q: Queryable): Promise<void> {
  await q.query('ANALYZE kb_documents, kb_chunks, kb_postings, kb_terms, kb_corpus_stats');
}

/** Chunks written in one call above which refreshPlannerStatistics is worth its cost. */
export const REFRESH_STATISTICS_AFTER_CHUNKS = 500;
