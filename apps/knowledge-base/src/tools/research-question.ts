import { z } from 'zod';
import { RESEARCH_CANDIDATES } from '../domain/bm25.js';
import { packPassages, type Pack } from '../domain/research-pack.js';
import { charsForTokens, estimateTokens, RESEARCH_BUDGET } from '../domain/token-budget.js';
import { rankPassages } from '../hybrid/search-mode.js';
import { defineKbTool, READ_SCOPES } from './define-kb-tool.js';
import { filterInput, filtersOf, headingLabel, matchLine, MatchOut, matchOut, modeInput } from './shapes.js';

const Passage = z.object({
  heading_path: z.array(z.string()),
  start_offset: z.number().int(),
  end_offset: z.number().int(),
  text: z.string(),
  score: z.number(),
  truncated: z.boolean().describe('true when the passage was cut to fit the budget.'),
});

const DocumentPassages = z.object({
  ref: z.number().int().describe('Citation number used in the text result: [ref].'),
  document_id: z.string(),
  title: z.string(),
  uri: z.string(),
  passages: z.array(Passage),
});

// Characters a passage costs beyond its text, twice over (text and structured content): citation, headings, offsets.
const PASSAGE_OVERHEAD_CHARS = 240;

export const researchQuestion = defineKbTool({
  name: 'research_question',
  title: 'Gather passages that answer a question',
  description:
    'Answers "what do the documents say about X?" in one call: ranks passages for a question written in plain language, then ' +
    'returns the best ones grouped by document, duplicates removed and adjacent passages merged, with citations, within ' +
    `token_budget (default ${RESEARCH_BUDGET.default}, ${RESEARCH_BUDGET.min} to ${RESEARCH_BUDGET.max}; about 4 characters a token, counting ` +
    'the text and the structured result each). Cite passages as [ref] with title and uri. Use search_knowledge instead to browse ' +
    'matches as snippets, and get_document to read a document section by section.',
  input: z.object({
    question: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(1000, { error: 'at most 1000 characters' })
      .describe('The question, in plain language.'),
    token_budget: z
      .number()
      .int()
      .min(RESEARCH_BUDGET.min)
      .max(RESEARCH_BUDGET.max)
      .default(RESEARCH_BUDGET.default)
      .describe('Most tokens the result may use.'),
    ...filterInput,
    ...modeInput,
  }),
  output: z.object({
    documents: z.array(DocumentPassages),
    match: MatchOut,
    used_tokens: z.number().int().describe('Estimated tokens of the passages returned.'),
    token_budget: z.number().int(),
    omitted_passages: z.number().int().describe('Relevant passages left out for want of budget.'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  scopes: READ_SCOPES,
  async handler(input, ctx) {
    const { chunks, match, outcome } = await rankPassages(ctx.db, ctx.deps.semantic, input.question, {
      filters: filtersOf(input),
      limit: RESEARCH_CANDIDATES,
      offset: 0,
      prefer: 'any',
      highlight: false,
      signal: ctx.signal,
      mode: input.mode,
      depth: RESEARCH_CANDIDATES,
    });
    // Room for the header, the match note and the per-document lines, then passages.
    const room = charsForTokens(input.token_budget) - 400;
    const pack = packPassages(
      chunks.map((c) => ({
        chunkId: c.chunkId,
        documentId: c.documentId,
        title: c.title,
        uri: c.uri,
        headingPath: c.headingPath,
        start: c.start,
        end: c.end,
        text: c.body,
        score: Math.round(c.score * 10_000) / 10_000,
      })),
      room,
      PASSAGE_OVERHEAD_CHARS,
    );
    const documents = pack.documents.map((d, i) => ({
      ref: i + 1,
      document_id: d.documentId,
      title: d.title,
      uri: d.uri,
      passages: d.passages.map((p) => ({
        heading_path: p.headingPath,
        start_offset: p.start,
        end_offset: p.end,
        text: p.text,
        score: p.score,
        truncated: p.truncated,
      })),
    }));
    return {
      data: {
        documents,
        match: matchOut(match, outcome),
        used_tokens: estimateTokens(pack.usedChars),
        token_budget: input.token_budget,
        omitted_passages: pack.omitted,
      },
      text: renderPack(pack, matchLine(match, outcome)),
    };
  },
});

function renderPack(pack: Pack, note: string): string {
  if (pack.documents.length === 0)
    return 'No passages match this question. Try other words, or drop the filters.';
  const parts = [note, `Passages from ${pack.documents.length} document(s), best first; cite them as [n].`];
  pack.documents.forEach((doc, i) => {
    parts.push(`\n[${i + 1}] ${doc.title} — ${doc.uri} (${doc.documentId})`);
    for (const p of doc.passages) {
      parts.push(
        `§ ${headingLabel(p.headingPath)} @${p.start}-${p.end}${p.truncated ? ' (cut to fit)' : ''}\n${p.text.trim()}`,
      );
    }
  });
  if (pack.omitted > 0) parts.push(`\n${pack.omitted} more relevant passage(s) did not fit the budget.`);
  return parts.filter(Boolean).join('\n');
}
