import { ToolError, type Queryable } from '@bounded/core';
import {
  closestTerm,
  knownLexemes,
  lexemesOf,
  rankChunks,
  type Match,
  type RankedChunk,
  type Ranking,
  type SearchFilters,
} from './search.js';

/**
 * How the query was matched, so a page after the first repeats it and results can say:
 * all terms (the user's query syntax), any term, or with misspelt terms corrected.
 */
export interface ResolvedMatch {
  mode: 'all_terms' | 'any_term' | 'spelling_corrected';
  /** Lexemes scored (after correction). */
  lexemes: string[];
  /** How candidates were matched: the query's own syntax, or all / any of the lexemes. */
  operator: 'websearch' | 'all' | 'any';
  /** For 'websearch': the query as the user wrote it. */
  query?: string;
  corrections: { from: string; to: string }[];
}

export interface RetrieveOptions {
  filters: SearchFilters;
  limit: number;
  offset: number;
  /** 'all': the query's syntax first (search); 'any': any term (a question in prose). */
  prefer: 'all' | 'any';
  highlight: boolean;
  /** BM25 unless the baseline is being measured. */
  ranking?: Ranking;
  /** A match resolved by an earlier page; skips the fallbacks. */
  resolved?: ResolvedMatch;
  /** Spelling correction without pg_trgm's `%` operator (see closestTerm). */
  avoidTrigramOperator?: boolean;
  signal?: AbortSignal;
}

/**
 * Keyword retrieval with fallbacks: the query's own terms first; when nothing matches, misspelt
 * terms (unknown to the corpus) are corrected by trigram similarity; then any single term may match.
 */
export async function retrieve(
  q: Queryable,
  query: string,
  options: RetrieveOptions,
): Promise<{ chunks: RankedChunk[]; match: ResolvedMatch }> {
  const run = (match: Match, lexemes: string[]) =>
    rankChunks(q, {
      match,
      lexemes,
      filters: options.filters,
      limit: options.limit,
      offset: options.offset,
      highlight: options.highlight,
      ranking: options.ranking ?? 'bm25',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  if (options.resolved) {
    const r = options.resolved;
    return { chunks: await run(matchOf(r), r.lexemes), match: r };
  }

  const lexemes = await lexemesOf(q, query);
  if (lexemes.length === 0) {
    throw new ToolError(
      'invalid_argument',
      'The query has no searchable words (only stop words or punctuation).',
      {
        hint: 'Ask with the distinctive words of what you are looking for, e.g. "useEffect cleanup function".',
        details: { field: 'query' },
      },
    );
  }
  if (options.prefer === 'all') {
    const chunks = await run({ kind: 'websearch', query }, lexemes);
    if (chunks.length > 0)
      return { chunks, match: { mode: 'all_terms', operator: 'websearch', lexemes, query, corrections: [] } };
  }
  const known = await knownLexemes(q, lexemes);
  const corrections: { from: string; to: string }[] = [];
  const corrected: string[] = [];
  for (const lexeme of lexemes) {
    if (known.has(lexeme)) {
      corrected.push(lexeme);
      continue;
    }
    const to = await closestTerm(q, lexeme, !options.avoidTrigramOperator);
    if (to !== undefined) {
      corrections.push({ from: lexeme, to });
      corrected.push(to);
    }
  }
  const scored = [...new Set(corrected)];
  if (corrections.length > 0) {
    const kind = options.prefer === 'all' ? 'all' : 'any';
    const chunks = await run({ kind, lexemes: scored }, scored);
    if (chunks.length > 0)
      return { chunks, match: { mode: 'spelling_corrected', operator: kind, lexemes: scored, corrections } };
  }
  const anyLexemes = scored.length > 0 ? scored : lexemes;
  const chunks = await run({ kind: 'any', lexemes: anyLexemes }, anyLexemes);
  return { chunks, match: { mode: 'any_term', operator: 'any', lexemes: anyLexemes, corrections } };
}

/** The candidate match a resolved match stands for (to repeat it, or to highlight with it). */
export function matchOf(resolved: ResolvedMatch): Match {
  return resolved.operator === 'websearch'
    ? { kind: 'websearch', query: resolved.query ?? '' }
    : { kind: resolved.operator, lexemes: resolved.lexemes };
}
