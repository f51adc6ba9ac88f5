import type { Queryable } from '@bounded/core';
import { BM25, TEXT_SEARCH_CONFIG } from '../domain/bm25.js';

/** Which documents a search looks in. */
export interface SearchFilters {
  collection?: string;
  /** Documents carrying every one of these tags. */
  tags?: string[];
  /** Documents whose uri starts with this. */
  source?: string;
}

/**
 * How candidates are matched (the GIN-indexed part):
 * - 'websearch': the user's query syntax (quotes, OR, -exclusion), all terms required;
 * - 'all' / 'any': these lexemes, all of them or any of them.
 */
export type Match = { kind: 'websearch'; query: string } | { kind: 'all' | 'any'; lexemes: string[] };

export type Ranking = 'bm25' | 'ts_rank_cd';

export interface RankedChunk {
  chunkId: string;
  documentId: string;
  title: string;
  uri: string;
  collection: string;
  headingPath: string[];
  start: number;
  end: number;
  score: number;
  body: string;
  /** ts_headline of the body with the matches marked «like this»; only when asked for. */
  snippet: string | null;
}

export interface RankOptions {
  match: Match;
  /** Lexemes BM25 scores (the query's own, or its corrected spelling). */
  lexemes: string[];
  filters: SearchFilters;
  limit: number;
  offset: number;
  ranking?: Ranking;
  /** Mark matches in a snippet of each returned chunk (done on the returned page only). */
  highlight?: boolean;
  signal?: AbortSignal;
}

const CFG = TEXT_SEARCH_CONFIG;
const HEADLINE = 'StartSel=«, StopSel=», MaxWords=40, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "';

async function corpusStats(q: Queryable): Promise<{ chunks: number; avgLength: number }> {
  const { rows } = await q.query<{ chunks: string; tokens: string }>(
    'SELECT chunk_count AS chunks, total_tokens AS tokens FROM kb_corpus_stats',
  );
  const chunks = Number(rows[0]?.chunks ?? 0);
  return { chunks, avgLength: Math.max(1, Number(rows[0]?.tokens ?? 0) / Math.max(1, chunks)) };
}

/** The query's lexemes under the search configuration (stemmed, stop words gone), sorted and distinct. */
export async function lexemesOf(q: Queryable, text: string): Promise<string[]> {
  const { rows } = await q.query<{ lexemes: string[] }>(
    `SELECT tsvector_to_array(to_tsvector('${CFG}', $1)) AS lexemes`,
    [text],
  );
  return rows[0]?.lexemes ?? [];
}

/** Which of these lexemes occur in the corpus. */
export async function knownLexemes(q: Queryable, lexemes: string[]): Promise<Set<string>> {
  const { rows } = await q.query<{ term: string }>('SELECT term FROM kb_terms WHERE term = ANY($1::text[])', [
    lexemes,
  ]);
  return new Set(rows.map((r) => r.term));
}

/**
 * The indexed term most similar to `lexeme` by trigrams (pg_trgm), if any is similar enough.
 * `indexed: false` scans the vocabulary with similarity() instead of the GIN-indexed `%`
 * operator: with PGlite's pgvector build loaded, `%` can hang the embedded database (see the README).
 */
export async function closestTerm(q: Queryable, lexeme: string, indexed = true): Promise<string | undefined> {
  const { rows } = await q.query<{ term: string }>(
    `SELECT term FROM kb_terms
      WHERE ${indexed ? 'term OPERATOR(public.%) $1' : `public.similarity(term, $1) >= ${TRIGRAM_THRESHOLD}`}
      ORDER BY public.similarity(term, $1) DESC, df DESC, term
      LIMIT 1`,
    [lexeme],
  );
  return rows[0]?.term;
}

// pg_trgm's default similarity threshold, which `%` applies.
const TRIGRAM_THRESHOLD = 0.3;

/**
 * Ranks chunks: candidates from the GIN-indexed tsvector match (and the filters), scored by BM25
 * in SQL from the postings (field-weighted term frequencies), the stored document frequencies and
 * chunk lengths (or by ts_rank_cd, the baseline the quality test compares against). Highlights
 * only the page returned.
 */
export async function rankChunks(q: Queryable, options: RankOptions): Promise<RankedChunk[]> {
  const params: unknown[] = [];
  const param = parameterList(params);
  const tsquery = tsqueryOf(options.match, param);
  const where: string[] = ['c.tsv @@ m.query', ...filterConditions(options.filters, param)];
  const bm25 = options.ranking !== 'ts_rank_cd';
  const { k1, b } = BM25;
  // The corpus size and average length go in as values: the planner then sees a handful of terms
  // and probes their postings, where a join to the statistics row misleads it into scanning them all.
  const corpus = bm25 ? await corpusStats(q) : undefined;
  const terms = corpus
    ? `terms AS (
      SELECT t.term, ln(1 + (${param(corpus.chunks)}::float8 - t.df + 0.5) / (t.df + 0.5)) AS idf
        FROM kb_terms t WHERE t.term = ANY(${param(options.lexemes)}::text[])),`
    : '';
  const avgdl = corpus ? param(corpus.avgLength) : '';
  // Any-term matching without filters is exactly "has a posting for a query term": the postings
  // alone are the candidates, and scoring reads nothing but their index.
  const postingsOnly = bm25 && options.match.kind === 'any' && where.length === 1;
  const candidates = postingsOnly
    ? ''
    : `candidates AS (
      SELECT c.id FROM kb_chunks c ${where.length > 1 ? 'JOIN kb_documents d ON d.id = c.document_id' : ''}, m
       WHERE ${where.join(' AND ')}),`;
  const score = !bm25
    ? 'SELECT c.id, ts_rank_cd(c.tsv, m.query)::float8 AS score FROM candidates cand JOIN kb_chunks c ON c.id = cand.id, m'
    : `SELECT p.chunk_id AS id,
                sum(t.idf * p.tf * ${k1 + 1} / (p.tf + ${k1} * (${1 - b} + ${b} * p.chunk_tokens / ${avgdl}::float8)))::float8 AS score
           FROM terms t JOIN kb_postings p ON p.term = t.term
          ${postingsOnly ? '' : 'WHERE p.chunk_id IN (SELECT id FROM candidates)'}
          GROUP BY p.chunk_id`;
  const snippet = options.highlight ? `ts_headline('${CFG}', c.body, m.query, '${HEADLINE}')` : 'NULL::text';
  const sql = `
    WITH m AS (SELECT ${tsquery} AS query),
    ${terms}
    ${candidates}
    scored AS (${score}),
    page AS (SELECT id, score FROM scored ORDER BY score DESC, id LIMIT ${param(options.limit)} OFFSET ${param(options.offset)})
    SELECT c.id::text AS chunk_id, d.id AS document_id, d.title, d.uri, d.collection, c.heading_path,
           c.start_offset, c.end_offset, p.score, c.body, ${snippet} AS snippet
      FROM page p JOIN kb_chunks c ON c.id = p.id JOIN kb_documents d ON d.id = c.document_id, m
     ORDER BY p.score DESC, p.id`;
  options.signal?.throwIfAborted();
  const { rows } = await q.query<ChunkRow & { score: number }>(sql, params);
  return rows.map((r) => chunkOf(r, Number(r.score)));
}

/**
 * These chunks (by id, in the order given, with the score given), snippets highlighted for
 * `highlight` when it is set: the page of a ranking made elsewhere (hybrid fusion).
 */
export async function chunksByIds(
  q: Queryable,
  ranked: readonly { id: string; score: number }[],
  highlight: Match | undefined,
): Promise<RankedChunk[]> {
  if (ranked.length === 0) return [];
  const params: unknown[] = [];
  const param = parameterList(params);
  const ids = param(ranked.map((r) => r.id));
  const snippet = highlight
    ? `ts_headline('${CFG}', c.body, ${tsqueryOf(highlight, param)}, '${HEADLINE}')`
    : 'NULL::text';
  const { rows } = await q.query<ChunkRow>(
    `SELECT c.id::text AS chunk_id, d.id AS document_id, d.title, d.uri, d.collection, c.heading_path,
            c.start_offset, c.end_offset, c.body, ${snippet} AS snippet
       FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id
      WHERE c.id = ANY(${ids}::bigint[])`,
    params,
  );
  const byId = new Map(rows.map((r) => [r.chunk_id, r]));
  // A chunk deleted since it was ranked is left out.
  return ranked.flatMap((r) => {
    const row = byId.get(r.id);
    return row ? [chunkOf(row, r.score)] : [];
  });
}

/** SQL conditions on the document (aliased `d`) for these filters, values bound through `param`. */
export function filterConditions(filters: SearchFilters, param: (value: unknown) => string): string[] {
  const where: string[] = [];
  const { collection, tags, source } = filters;
  if (collection !== undefined) where.push(`d.collection = ${param(collection)}`);
  if (tags !== undefined && tags.length > 0) where.push(`d.tags @> ${param(tags)}::text[]`);
  if (source !== undefined) where.push(`starts_with(d.uri, ${param(source)})`);
  return where;
}

/** Binds values as $1, $2, … in `params`, returning each placeholder. */
export function parameterList(params: unknown[]): (value: unknown) => string {
  return (value) => {
    params.push(value);
    return `$${params.length}`;
  };
}

function tsqueryOf(match: Match, param: (value: unknown) => string): string {
  return match.kind === 'websearch'
    ? `websearch_to_tsquery('${CFG}', ${param(match.query)})`
    : `array_to_string(ARRAY(SELECT quote_literal(l) FROM unnest(${param(match.lexemes)}::text[]) l), ${param(
        match.kind === 'all' ? ' & ' : ' | ',
      )})::tsquery`;
}

interface ChunkRow {
  chunk_id: string;
  document_id: string;
  title: string;
  uri: string;
  collection: string;
  heading_path: string[];
  start_offset: number;
  end_offset: number;
  body: string;
  snippet: string | null;
}

function chunkOf(r: ChunkRow, score: number): RankedChunk {
  return {
    chunkId: r.chunk_id,
    documentId: r.document_id,
    title: r.title,
    uri: r.uri,
    collection: r.collection,
    headingPath: r.heading_path,
    start: r.start_offset,
    end: r.end_offset,
    score,
    body: r.body,
    snippet: r.snippet,
  };
}
