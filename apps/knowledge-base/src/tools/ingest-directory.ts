import { idempotencyKey } from '@bounded/core';
import { z } from 'zod';
import { ingestDirectory } from '../files/ingest-directory.js';
import { realRoots, resolveInsideRoots } from '../files/allowed-roots.js';
import { defineKbTool, WRITE_SCOPES } from './define-kb-tool.js';
import { collectionName, embeddingsPending, pendingLine, tagName } from './shapes.js';

const MAX_SKIPPED_LISTED = 30;

export const ingestDirectoryTool = defineKbTool({
  name: 'ingest_directory',
  title: 'Index files from a server directory',
  description:
    'Indexes the .md, .mdx, .txt and .html files under a directory (or one file) on the server, inside the directories the ' +
    'operator allowed (relative paths start at the first). Paths leading outside (.., other absolute paths, symlinks out) are ' +
    'refused unread; large, binary or non-UTF-8 files are skipped with a reason. Upserts by file uri, skipping unchanged files. ' +
    'Commits every 25 files with progress; after a failure or timeout, retry with the same idempotency_key to continue.',
  input: z.object({
    path: z
      .string()
      .min(1)
      .max(4096)
      .describe('Directory or file, absolute or relative to the first allowed root.'),
    collection: collectionName.optional(),
    tags: z.array(tagName).max(20).default([]),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    path: z.string().describe('The real path indexed.'),
    collection: z.string(),
    files: z.number().int().describe('Indexable files found.'),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    chunks: z.number().int(),
    embeddings_pending: embeddingsPending,
    skipped: z
      .array(z.object({ path: z.string(), reason: z.string() }))
      .describe(`Files left out, at most ${MAX_SKIPPED_LISTED} listed.`),
    skipped_count: z.number().int(),
    truncated: z
      .boolean()
      .describe(
        'true when the directory held more files than one call takes; index subdirectories separately.',
      ),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'phased',
  scopes: WRITE_SCOPES,
  timeoutMs: 600_000,
  async handler(input, ctx) {
    const { config } = ctx.deps;
    const { path } = await resolveInsideRoots(input.path, config.KB_INGEST_ROOTS);
    const result = await ingestDirectory(
      ctx.db,
      {
        path,
        roots: await realRoots(config.KB_INGEST_ROOTS),
        collection: input.collection,
        tags: input.tags,
      },
      { maxFileBytes: config.KB_MAX_FILE_BYTES, maxFiles: config.KB_MAX_FILES },
      { step: ctx.phase!.step.bind(ctx.phase), progress: ctx.progress, signal: ctx.signal },
    );
    const { skipped, ...counts } = result;
    const pending = await ctx.deps.semantic.pendingIn(ctx.db);
    ctx.deps.semantic.wake();
    return {
      data: {
        path,
        ...counts,
        embeddings_pending: pending,
        skipped: skipped.slice(0, MAX_SKIPPED_LISTED),
        skipped_count: skipped.length,
      },
      text:
        `Indexed ${result.files} file(s) under ${path} into collection ${result.collection}: ${result.created} created, ` +
        `${result.updated} updated, ${result.unchanged} unchanged; ${result.chunks} chunk(s) written.` +
        pendingLine(pending) +
        (skipped.length > 0
          ? `\nSkipped ${skipped.length}:\n${skipped
              .slice(0, MAX_SKIPPED_LISTED)
              .map((s) => `- ${s.path}: ${s.reason}`)
              .join('\n')}`
          : '') +
        (result.truncated
          ? '\nThe directory holds more files than one call takes; index its subdirectories separately.'
          : ''),
    };
  },
});
