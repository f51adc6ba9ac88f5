import { realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Database, Logger } from '@bounded/core';
import type { KnowledgeBaseConfigValues } from './config.js';
import { ingestDirectory } from './files/ingest-directory.js';

/**
 * `--ingest PATH`: indexes a directory (or file) before serving, with progress on stderr. The
 * operator named it, so it is its own root. Safe to repeat: unchanged files are skipped.
 */
export async function ingestAtStart(
  db: Database,
  config: KnowledgeBaseConfigValues,
  path: string,
  log: Logger,
): Promise<void> {
  const real = await realpath(path);
  const root = (await stat(real)).isDirectory() ? real : dirname(real);
  const started = performance.now();
  const result = await ingestDirectory(
    db,
    { path: real, roots: [root], tags: [] },
    { maxFileBytes: config.KB_MAX_FILE_BYTES, maxFiles: config.KB_MAX_FILES },
    {
      step: (_name, fn) => fn(),
      progress: async (done, total) =>
        log.info({ done, total }, `indexing ${real}: ${done} of ${total} files`),
    },
  );
  const { skipped, ...counts } = result;
  for (const s of skipped) log.warn({ path: s.path, reason: s.reason }, 'file skipped');
  log.info(
    { ...counts, skipped: skipped.length, seconds: Math.round(performance.now() - started) / 1000 },
    `indexed ${real}`,
  );
}
