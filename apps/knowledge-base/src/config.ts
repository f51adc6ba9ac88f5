import { isAbsolute } from 'node:path';
import type { AppFlags } from '@bounded/core';
import { z } from 'zod';
import { createSemanticSearch, type SemanticSearch } from './hybrid/semantic-search.js';

const absolutePaths = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine((paths) => paths.every((p) => isAbsolute(p)), { message: 'every root must be an absolute path' });

/** Environment of the knowledge-base server. */
export const KnowledgeBaseConfig = z
  .object({
    KB_INGEST_ROOTS: absolutePaths.describe(
      'Directories ingest_directory may read, comma-separated absolute paths (default: none, so the tool refuses).',
    ),
    KB_MAX_FILE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(2 * 1024 * 1024)
      .describe('Largest file ingest_directory reads, in bytes (default 2 MiB); larger files are skipped.'),
    KB_MAX_FILES: z.coerce
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(5000)
      .describe('Most files one ingest_directory call takes (default 5000).'),
    KB_INGEST: z
      .string()
      .min(1)
      .optional()
      .describe('A directory (or file) to index at start-up, before serving (--ingest PATH).'),
    KB_EMBEDDINGS_URL: z
      .string()
      .url()
      .optional()
      .describe(
        'Base URL of an OpenAI-compatible embeddings API (e.g. https://api.openai.com/v1); with KB_EMBEDDINGS_MODEL it turns on hybrid search.',
      ),
    KB_EMBEDDINGS_MODEL: z.string().min(1).max(200).optional().describe('Embedding model name.'),
    KB_EMBEDDINGS_KEY: z
      .string()
      .min(1)
      .optional()
      .describe('Bearer key of the embeddings API (secret; never logged).'),
    KB_EMBEDDINGS_DIMENSIONS: z.coerce
      .number()
      .int()
      .min(1)
      .max(16_000)
      .optional()
      .describe('Vector size to ask for (models that can shorten); default: what the model returns.'),
    KB_EMBEDDINGS_BATCH: z.coerce
      .number()
      .int()
      .min(1)
      .max(2048)
      .default(64)
      .describe('Chunks embedded per request (default 64).'),
    KB_EMBEDDINGS_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(30_000)
      .describe('Deadline of one embeddings request, ms (default 30000).'),
  })
  .superRefine((c, ctx) => {
    // Half a configuration would silently serve keyword search only: it stops start-up instead.
    if (c.KB_EMBEDDINGS_URL !== undefined && c.KB_EMBEDDINGS_MODEL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['KB_EMBEDDINGS_MODEL'],
        message: 'required with KB_EMBEDDINGS_URL',
      });
    }
    const needsUrl = (['KB_EMBEDDINGS_MODEL', 'KB_EMBEDDINGS_KEY', 'KB_EMBEDDINGS_DIMENSIONS'] as const).find(
      (name) => c[name] !== undefined,
    );
    if (c.KB_EMBEDDINGS_URL === undefined && needsUrl) {
      ctx.addIssue({ code: 'custom', path: ['KB_EMBEDDINGS_URL'], message: `required with ${needsUrl}` });
    }
  });

export type KnowledgeBaseConfigValues = z.output<typeof KnowledgeBaseConfig>;

/** Whether the operator configured an embeddings endpoint (then hybrid search is wanted). */
export function embeddingsConfigured(config: KnowledgeBaseConfigValues): boolean {
  return config.KB_EMBEDDINGS_URL !== undefined;
}

export const KNOWLEDGE_BASE_FLAGS: AppFlags = { ingest: { env: 'KB_INGEST', type: 'string' } };

export interface KnowledgeBaseDeps {
  config: KnowledgeBaseConfigValues;
  /** Embeddings and vector search, or why they are unavailable. */
  semantic: SemanticSearch;
}

/** The dependencies of the tools, from the parsed configuration. */
export function knowledgeBaseDeps(config: KnowledgeBaseConfigValues): KnowledgeBaseDeps {
  return { config, semantic: createSemanticSearch(config) };
}
