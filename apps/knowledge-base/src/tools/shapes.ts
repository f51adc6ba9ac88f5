import { z } from 'zod';
import type { ModeOutcome } from '../hybrid/search-mode.js';
import type { FallbackReason } from '../hybrid/semantic-search.js';
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

/** Search mode, shared by search_knowledge and research_question. */
export const modeInput = {
  mode: z
    .enum(['keyword', 'hybrid'])
    .optional()
    .describe(
      'hybrid (default where embeddings are set up): keyword and embedding ranks fused, finds passages worded differently; keyword: BM25 only.',
    ),
};

export const MatchOut = z.object({
  mode: z.enum(['keyword', 'hybrid']).describe('The ranking that ran.'),
  fallback: z
    .enum(['no_embeddings_endpoint', 'no_vector_extension', 'endpoint_failed', 'embeddings_pending'])
    .nullable()
    .describe('Why keyword ran instead of hybrid; null when the mode ran as asked.'),
  pending_embeddings: z
    .number()
    .int()
    .nullable()
    .describe('Passages not embedded yet (ranked by keywords only).'),
  matched: z
    .enum(['all_terms', 'any_term', 'spelling_corrected'])
    .describe('Keywords: all_terms matched, any_term: some did, spelling_corrected: see corrections.'),
  corrections: z.array(z.object({ from: z.string(), to: z.string() })),
});

export function matchOut(match: ResolvedMatch, outcome: ModeOutcome): z.input<typeof MatchOut> {
  return {
    mode: outcome.mode,
    fallback: outcome.fallback,
    pending_embeddings: outcome.pendingEmbeddings,
    matched: match.mode,
    corrections: match.corrections,
  };
}

const FALLBACK_LINES: Record<FallbackReason, string> = {
  no_embeddings_endpoint: '',
  no_vector_extension: 'Keyword ranking only: the database has no vector extension.',
  endpoint_failed: 'Keyword ranking only: the embeddings endpoint did not answer for this query.',
  embeddings_pending: 'Keyword ranking only: no passage is embedded yet.',
};

/** Lines saying which ranking ran and how the query matched, for the text result. */
export function matchLine(match: ResolvedMatch, outcome: ModeOutcome): string {
  const lines: string[] = [];
  if (outcome.mode === 'hybrid') {
    const pending = outcome.pendingEmbeddings ?? 0;
    lines.push(
      `Ranked by keywords and meaning (hybrid)${pending > 0 ? `; ${pending} passage(s) not embedded yet` : ''}.`,
    );
  } else if (outcome.fallback) {
    lines.push(FALLBACK_LINES[outcome.fallback]);
  }
  if (match.mode === 'spelling_corrected') {
    lines.push(
      `Nothing matched as written; searched for ${match.corrections.map((c) => `"${c.to}" instead of "${c.from}"`).join(', ')}.`,
    );
  } else if (match.mode === 'any_term' && outcome.mode === 'keyword') {
    lines.push('No passage has every term; these have some of them.');
  }
  return lines.filter(Boolean).join('\n');
}

/** What ingest tools say of the embeddings still to come. */
export const embeddingsPending = z
  .number()
  .int()
  .nullable()
  .describe(
    'Passages of the knowledge base waiting for embeddings (filled in the background); null without them.',
  );

export function pendingLine(pending: number | null): string {
  return pending ? ` ${pending} passage(s) wait for embeddings (keyword search has them already).` : '';
}

export function headingLabel(path: readonly string[]): string {
  return path.length > 0 ? path.join(' › ') : '(top)';
}
