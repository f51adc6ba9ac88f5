import { idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';
import { UnreadableContent } from '../domain/document-text.js';
import { prepareDocument, type PreparedDocument } from '../domain/prepare-document.js';
import { indexDocuments, type IndexOutcome } from '../store/index-document.js';
import { refreshPlannerStatistics, REFRESH_STATISTICS_AFTER_CHUNKS } from '../store/term-stats.js';
import { defineKbTool, WRITE_SCOPES } from './define-kb-tool.js';
import { collectionName, documentUri, embeddingsPending, pendingLine, tagName } from './shapes.js';

const MAX_DOCUMENT_CHARS = 1_000_000;
const MAX_BATCH_CHARS = 8_000_000;
// Progress is reported, and the batch indexed, this many documents at a time.
const STEP = 25;

const DocumentIn = z.object({
  uri: documentUri.describe(
    'Stable identity of the document (a URL or any unique name); re-ingesting a uri replaces it.',
  ),
  title: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('Defaults to the front-matter title, the first heading, or the uri.'),
  content: z
    .string()
    .min(1)
    .max(MAX_DOCUMENT_CHARS)
    .describe(`The text, at most ${MAX_DOCUMENT_CHARS} characters.`),
  content_type: z.enum(['markdown', 'text', 'html']).default('markdown'),
  collection: collectionName.default('default'),
  tags: z.array(tagName).max(20).default([]),
});

const Outcome = z.object({
  uri: z.string(),
  document_id: z.string(),
  status: z.enum(['created', 'updated', 'unchanged']),
  chunks: z.number().int(),
});

export const ingestDocuments = defineKbTool({
  name: 'ingest_documents',
  title: 'Add or update documents',
  description:
    'Indexes a batch of documents given inline (markdown, plain text or HTML; 1 to 100 documents, at most 1M characters each ' +
    'and 8M in all). Upserts by uri: a new uri is created, a changed one re-indexed, an unchanged one (same content and metadata) ' +
    'skipped. The whole batch is applied atomically: on any error nothing changes. Binary or malformed text is refused by name. ' +
    'Use one idempotency_key per batch and reuse it only to retry that batch. For files on the server use ingest_directory.',
  input: z.object({
    documents: z.array(DocumentIn).min(1).max(100),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    chunks: z.number().int().describe('Chunks indexed for created and updated documents.'),
    embeddings_pending: embeddingsPending,
    documents: z.array(Outcome),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'transactional',
  scopes: WRITE_SCOPES,
  timeoutMs: 300_000,
  async handler(input, ctx) {
    const total = input.documents.reduce((sum, d) => sum + d.content.length, 0);
    if (total > MAX_BATCH_CHARS) {
      throw new ToolError(
        'invalid_argument',
        `The batch holds ${total} characters; at most ${MAX_BATCH_CHARS} are accepted.`,
        {
          hint: 'Split it into smaller batches, each with its own idempotency_key.',
          details: { field: 'documents' },
        },
      );
    }
    const seen = new Set<string>();
    const prepared: PreparedDocument[] = input.documents.map((d, i) => {
      if (seen.has(d.uri)) {
        throw new ToolError('invalid_argument', `documents[${i}].uri ${d.uri} appears twice in the batch.`, {
          hint: 'Give each document once.',
          details: { field: `documents.${i}.uri` },
        });
      }
      seen.add(d.uri);
      try {
        return prepareDocument({ ...d, contentType: d.content_type });
      } catch (error) {
        if (!(error instanceof UnreadableContent)) throw error;
        throw new ToolError(
          'invalid_argument',
          `documents[${i}] (${d.uri}) cannot be indexed: ${error.message}.`,
          {
            hint: 'Send text only: decode files as UTF-8 and leave binary formats out. Nothing was changed.',
            details: { field: `documents.${i}.content` },
          },
        );
      }
    });
    const outcomes: IndexOutcome[] = [];
    for (let i = 0; i < prepared.length; i += STEP) {
      ctx.signal.throwIfAborted();
      outcomes.push(...(await indexDocuments(ctx.tx, prepared.slice(i, i + STEP))));
      const done = Math.min(i + STEP, prepared.length);
      await ctx.progress(done, prepared.length, `indexed ${done} of ${prepared.length} documents`);
    }
    const count = (status: string) => outcomes.filter((o) => o.status === status).length;
    const chunks = outcomes.filter((o) => o.status !== 'unchanged').reduce((sum, o) => sum + o.chunks, 0);
    if (chunks >= REFRESH_STATISTICS_AFTER_CHUNKS) await refreshPlannerStatistics(ctx.tx);
    const summary = {
      created: count('created'),
      updated: count('updated'),
      unchanged: count('unchanged'),
      chunks,
      embeddings_pending: await ctx.deps.semantic.pendingIn(ctx.tx),
    };
    ctx.deps.semantic.wake();
    return {
      data: {
        ...summary,
        documents: outcomes.map((o) => ({
          uri: o.uri,
          document_id: o.documentId,
          status: o.status,
          chunks: o.chunks,
        })),
      },
      text:
        `Indexed ${prepared.length} document(s): ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged; ${chunks} chunk(s) written.` +
        pendingLine(summary.embeddings_pending),
    };
  },
});
