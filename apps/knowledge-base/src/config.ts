import { isAbsolute } from 'node:path';
import type { AppFlags } from '@bounded/core';
import { z } from 'zod';

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
export const KnowledgeBaseConfig = z.object({
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
});

export type KnowledgeBaseConfigValues = z.output<typeof KnowledgeBaseConfig>;

export const KNOWLEDGE_BASE_FLAGS: AppFlags = { ingest: { env: 'KB_INGEST', type: 'string' } };

export interface KnowledgeBaseDeps {
  config: KnowledgeBaseConfigValues;
}
