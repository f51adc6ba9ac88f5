import { z } from 'zod';
import type { ResolvedMatch } from '../store/retrieve.js';
import type { SearchFilters } from '../store/search.js';

export const collectionName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.:-]+$/, { error: 'letters, digits and . _ : - only' });

export const tagName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.:/-]+$/, { error: 'letters, digits and . _ : / - only' });

export const documentUri = z.string().min(1).max(2048);

/** Filters shared by search_knowledge and research_question. */
export const filterInput = {
  collection: collectionName.optional().describe('Only documents in this collection.'),
  tags: z.array(tagName).max(10).optional().describe('Only documents carrying all of these tags.'),
  source: z.string().min(1).max(2048).optional().describe('Only documents whose uri starts with this.'),
};

export function filtersOf(input: {
  collection?: string | undefined;
  tags?: string[] | undefined;
  source?: string | undefined;
}): SearchFilters {
  return {
    ...(input.collection !== undefined && { collection: input.collection }),
    ...(input.tags !== undefined && { tags: input.tags }),
    ...(input.source !== undefined && { source: input.source }),
  };
}

export const Citation = z.object({
  document_id: z.string(),
  title: z.string(),
  uri: z.string(),
  heading_path: z.array(z.string()).describe('Headings from the top of the document down to the passage.'),
  start_offset: z
    .number()
    .int()
    .describe('Character offset of the passage in the document text (get_document).'),
  end_offset: z.number().int(),
});

export const MatchOut = z.object({
  mode: z.enum(['keyword']).describe('keyword: BM25 full-text ranking (no embeddings are configured).'),
  matched: z
    .enum(['all_terms', 'any_term', 'spelling_corrected'])
    .describe('all_terms: every term matched; any_term: some did; spelling_corrected: see corrections.'),
  corrections: z.array(z.object({ from: z.string(), to: z.string() })),
});

export function matchOut(match: ResolvedMatch): z.input<typeof MatchOut> {
  return { mode: 'keyword', matched: match.mode, corrections: match.corrections };
}

/** One line saying how the query matched, for the text result. */
export function matchLine(match: ResolvedMatch): string {
  if (match.mode === 'spelling_corrected') {
    return `Nothing matched as written; searched for ${match.corrections.map((c) => `"${c.to}" instead of "${c.from}"`).join(', ')}.`;
  }
  if (match.mode === 'any_term') return 'No passage has every term; these have some of them.';
  return '';
}

export function headingLabel(path: readonly string[]): string {
  return path.length > 0 ? path.join(' › ') : '(top)';
}
