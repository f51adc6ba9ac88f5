import { pageInput, pageOutput } from '@bounded/core';
import { z } from 'zod';
import { listCollections } from '../store/documents.js';
import { defineKbTool, READ_SCOPES } from './define-kb-tool.js';

export const listCollectionsTool = defineKbTool({
  name: 'list_collections',
  title: 'List collections',
  description:
    'Lists the collections of the knowledge base in name order, each with its document and passage counts and when a document ' +
    'in it last changed. Use a collection name as the collection filter of search_knowledge and research_question.',
  input: z.object({ ...pageInput }),
  output: z.object({
    collections: z.array(
      z.object({
        collection: z.string(),
        documents: z.number().int(),
        chunks: z.number().int(),
        last_updated: z.string().describe('RFC 3339 UTC.'),
      }),
    ),
    ...pageOutput,
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  scopes: READ_SCOPES,
  async handler(input, ctx) {
    const binding = { tool: 'list_collections' };
    const after = input.cursor ? String(ctx.cursors.decode(input.cursor, binding).after) : undefined;
    const rows = await listCollections(ctx.db, after, input.limit);
    const page = rows.slice(0, input.limit).map((r) => ({
      collection: r.collection,
      documents: r.documents,
      chunks: r.chunks,
      last_updated: r.lastUpdated.toISOString(),
    }));
    const next_cursor =
      rows.length > input.limit ? ctx.cursors.encode({ after: page.at(-1)!.collection }, binding) : null;
    return {
      data: { collections: page, next_cursor, truncated: false },
      text:
        page.length === 0
          ? 'The knowledge base is empty: add documents with ingest_documents or ingest_directory.'
          : page
              .map(
                (c) =>
                  `- ${c.collection}: ${c.documents} document(s), ${c.chunks} passage(s), last updated ${c.last_updated}`,
              )
              .join('\n') + (next_cursor ? '\nMore collections: call again with cursor = next_cursor.' : ''),
    };
  },
});
