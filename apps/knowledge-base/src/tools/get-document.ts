import { DEFAULT_TEXT_BUDGET_CHARS, fitToBudget, pageOutput, ToolError } from '@bounded/core';
import { z } from 'zod';
import { documentSections, pageOfSections } from '../domain/document-pages.js';
import { findDocument, type StoredDocument } from '../store/documents.js';
import { defineKbTool, READ_SCOPES } from './define-kb-tool.js';
import { documentUri, headingLabel } from './shapes.js';

const OutlineEntry = z.object({
  section: z.number().int().describe('Pass as section to read from here.'),
  heading_path: z.array(z.string()),
  level: z.number().int(),
  start_offset: z.number().int(),
  chars: z.number().int(),
});

const SectionOut = z.object({
  heading_path: z.array(z.string()),
  start_offset: z.number().int(),
  end_offset: z.number().int(),
  text: z.string(),
  partial: z.boolean().describe('true when only part of the section is here.'),
});

const DocumentOut = z.object({
  document_id: z.string(),
  uri: z.string(),
  title: z.string(),
  collection: z.string(),
  tags: z.array(z.string()),
  content_type: z.enum(['markdown', 'text', 'html']),
  updated_at: z.string(),
  chars: z.number().int(),
  chunks: z.number().int(),
});

// Text and structured content both carry the section text; JSON escapes add up to a fifth.
const SECTION_BUDGET_CHARS = Math.floor((DEFAULT_TEXT_BUDGET_CHARS / 2) * 0.8);

export const getDocument = defineKbTool({
  name: 'get_document',
  title: 'Read a document',
  description:
    'Reads one document by document_id or uri. Without cursor or section it returns the outline (sections with their heading ' +
    'paths and sizes) and a next_cursor; then pass next_cursor back (same document_id or uri) to read the text page by page ' +
    '(about 1.5k tokens a page, whole sections where they fit), or pass section (from the outline) to start at one section. ' +
    'Offsets in citations from search_knowledge and research_question are character offsets into this text.',
  input: z.object({
    document_id: z.string().min(1).max(64).optional(),
    uri: documentUri.optional(),
    section: z
      .number()
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .describe('Start reading at this outline section.'),
    cursor: z.string().max(2048).optional().describe('next_cursor of the previous call, verbatim.'),
  }),
  output: z.object({
    document: DocumentOut,
    outline: z.array(OutlineEntry).nullable().describe('Present on the first call (no cursor, no section).'),
    sections: z.array(SectionOut),
    ...pageOutput,
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  scopes: READ_SCOPES,
  async handler(input, ctx) {
    if ((input.document_id === undefined) === (input.uri === undefined)) {
      throw new ToolError('invalid_argument', 'Give exactly one of document_id and uri.', {
        hint: 'Both come with every citation; pass one of them.',
        details: { field: 'document_id' },
      });
    }
    const doc = await findDocument(
      ctx.db,
      input.document_id !== undefined ? { id: input.document_id } : { uri: input.uri! },
    );
    if (!doc) {
      throw new ToolError('not_found', `No document ${input.document_id ?? input.uri}.`, {
        hint: 'Find documents with search_knowledge; ids and uris come with every result.',
      });
    }
    const sections = documentSections(doc.content, doc.contentType);
    const binding = { tool: 'get_document', document: doc.id, hash: doc.contentHash };
    const document = documentOut(doc);

    if (input.cursor === undefined && input.section === undefined) {
      const outline = sections.map((s, i) => ({
        section: i,
        heading_path: s.headingPath,
        level: s.level,
        start_offset: s.start,
        chars: s.end - s.start,
      }));
      const fitted = fitToBudget(outline, { maxChars: DEFAULT_TEXT_BUDGET_CHARS / 2 });
      const next_cursor = doc.content.length > 0 ? ctx.cursors.encode({ from: 0 }, binding) : null;
      const lines = fitted.items.map(
        (o) =>
          `${'  '.repeat(Math.max(0, o.level - 1))}${o.section}. ${headingLabel(o.heading_path.slice(-1))} (${o.chars} chars)`,
      );
      return {
        data: { document, outline: fitted.items, sections: [], next_cursor, truncated: fitted.truncated },
        text:
          `${doc.title} — ${doc.uri} (${doc.id}, ${doc.content.length} chars, collection ${doc.collection})\nOutline:\n${lines.join('\n')}` +
          `${fitted.truncated ? `\n… ${outline.length - fitted.items.length} more sections; pass section to jump.` : ''}` +
          '\nRead on with cursor = next_cursor, or pass section.',
      };
    }

    let from: number;
    if (input.cursor !== undefined) {
      const position = ctx.cursors.decode(input.cursor, binding) as { from?: unknown };
      from = typeof position.from === 'number' ? position.from : 0;
    } else {
      const section = sections[input.section!];
      if (!section) {
        throw new ToolError('invalid_argument', `This document has sections 0 to ${sections.length - 1}.`, {
          hint: 'Take a section number from the outline (call without cursor and section).',
          details: { field: 'section' },
        });
      }
      from = section.start;
    }
    const page = pageOfSections(doc.content, sections, from, SECTION_BUDGET_CHARS);
    const next_cursor = page.next === null ? null : ctx.cursors.encode({ from: page.next }, binding);
    const text = page.parts
      .map(
        (p) =>
          `§ ${headingLabel(p.headingPath)} @${p.start}-${p.end}${p.partial ? ' (part)' : ''}\n${p.text.trim()}`,
      )
      .join('\n\n');
    return {
      data: {
        document,
        outline: null,
        sections: page.parts.map((p) => ({
          heading_path: p.headingPath,
          start_offset: p.start,
          end_offset: p.end,
          text: p.text,
          partial: p.partial,
        })),
        next_cursor,
        truncated: false,
      },
      text: `${doc.title} (${doc.id})\n${text}${next_cursor ? '\n\nMore follows: call again with cursor = next_cursor.' : '\n\n(end of document)'}`,
    };
  },
});

function documentOut(doc: StoredDocument): z.input<typeof DocumentOut> {
  return {
    document_id: doc.id,
    uri: doc.uri,
    title: doc.title,
    collection: doc.collection,
    tags: doc.tags,
    content_type: doc.contentType,
    updated_at: doc.updatedAt.toISOString(),
    chars: doc.content.length,
    chunks: doc.chunkCount,
  };
}
