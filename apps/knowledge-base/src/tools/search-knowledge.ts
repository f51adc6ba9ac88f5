import { DEFAULT_TEXT_BUDGET_CHARS, fitToBudget, pageInput, pageOutput } from '@bounded/core';
import { z } from 'zod';
import { rankPassages, type SearchMode } from '../hybrid/search-mode.js';
import type { ResolvedMatch } from '../store/retrieve.js';
import { defineKbTool, READ_SCOPES } from './define-kb-tool.js';
import {
  Citation,
  filterInput,
  filtersOf,
  headingLabel,
  matchLine,
  MatchOut,
  matchOut,
  modeInput,
} from './shapes.js';

export const SearchQuery = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(500, { error: 'at most 500 characters: use the distinctive words, not a whole text' });

const Result = z.object({
  rank: z.number().int(),
  score: z
    .number()
    .describe('BM25 score, or fused rank score in hybrid mode; comparable within one query only.'),
  snippet: z.string().describe('The passage around the matches, matches marked «like this».'),
  chunk_id: z.string(),
  citation: Citation,
});

// Snippets are short; a page of them stays far below the budget, which only guards odd cases.
const MAX_SNIPPET_CHARS = 700;
// Hybrid fuses each ranking's top this many: its pages end after at most twice as many results.
const HYBRID_DEPTH = 100;

export const searchKnowledge = defineKbTool({
  name: 'search_knowledge',
  title: 'Search the knowledge base',
  description:
    'Finds passages matching keywords, best first (BM25; titles and headings weigh more). Returns highlighted snippets with ' +
    'citations, not whole documents: read on with get_document, or use research_question for passages within a token budget. ' +
    'Syntax: words (all required), "phrases", OR, -word. If nothing matches, misspellings are corrected, then any word may ' +
    'match (see match.matched). Pages of 20 (max 100): pass next_cursor back with the same query and filters. match.mode says ' +
    `whether hybrid ranking ran (its pages end after ${2 * HYBRID_DEPTH} results).`,
  input: z.object({
    query: SearchQuery.describe('Keywords, e.g. useEffect cleanup "strict mode".'),
    ...filterInput,
    ...modeInput,
    ...pageInput,
  }),
  output: z.object({ results: z.array(Result), match: MatchOut, ...pageOutput }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  scopes: READ_SCOPES,
  async handler(input, ctx) {
    const filters = filtersOf(input);
    const binding = { tool: 'search_knowledge', query: input.query, filters, mode: input.mode ?? null };
    const position = input.cursor
      ? (ctx.cursors.decode(input.cursor, binding) as unknown as {
          offset: number;
          match: ResolvedMatch;
          ran?: SearchMode;
        })
      : undefined;
    const offset = position?.offset ?? 0;
    const { chunks, match, outcome } = await rankPassages(ctx.db, ctx.deps.semantic, input.query, {
      filters,
      limit: input.limit + 1,
      offset,
      prefer: 'all',
      highlight: true,
      signal: ctx.signal,
      // Later pages keep the ranking of the first.
      mode: position?.ran ?? input.mode,
      depth: HYBRID_DEPTH,
      ...(position ? { resolved: { ...position.match, query: input.query } } : {}),
    });
    const page = chunks.slice(0, input.limit).map((c, i) => ({
      rank: offset + i + 1,
      score: Math.round(c.score * 10_000) / 10_000,
      snippet: (c.snippet ?? c.body).slice(0, MAX_SNIPPET_CHARS),
      chunk_id: c.chunkId,
      citation: {
        document_id: c.documentId,
        title: c.title,
        uri: c.uri,
        heading_path: c.headingPath,
        start_offset: c.start,
        end_offset: c.end,
      },
    }));
    // Text and structured content carry the same snippets; each half gets half the budget.
    const fitted = fitToBudget(page, { maxChars: DEFAULT_TEXT_BUDGET_CHARS / 2 });
    const more = fitted.truncated || chunks.length > input.limit;
    const { query: _query, ...stored } = match;
    const next_cursor = more
      ? ctx.cursors.encode(
          { offset: offset + fitted.items.length, match: stored, ran: outcome.mode },
          binding,
        )
      : null;
    const lines = fitted.items.map(
      (r) =>
        `${r.rank}. ${r.citation.title} — ${headingLabel(r.citation.heading_path)} [${r.citation.document_id} @${r.citation.start_offset}]\n   ${r.snippet.replace(/\s+/g, ' ')}`,
    );
    const note = matchLine(match, outcome);
    const tail = next_cursor ? '\nMore results: call again with cursor = next_cursor.' : '';
    return {
      data: {
        results: fitted.items,
        match: matchOut(match, outcome),
        next_cursor,
        truncated: fitted.truncated,
      },
      text:
        fitted.items.length === 0
          ? 'No passages match. Try fewer or different words, or drop the filters.'
          : `${note ? `${note}\n` : ''}${lines.join('\n')}${tail}`,
    };
  },
});
