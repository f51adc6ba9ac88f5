import { basename } from 'node:path';
import type { Database, Phase } from '@bounded/core';
import { refreshPlannerStatistics, REFRESH_STATISTICS_AFTER_CHUNKS } from '../store/term-stats.js';
import { ingestFiles, type FileBatchResult } from './ingest-files.js';
import { scanDirectory, type SkippedFile } from './scan-directory.js';

/** Files indexed per transaction (and per recovery point). */
export const FILES_PER_BATCH = 25;

export interface DirectoryIngest {
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  chunks: number;
  skipped: SkippedFile[];
  /** true when the directory held more files than one call takes. */
  truncated: boolean;
  collection: string;
}

/**
 * Indexes every indexable file under `path` (already checked to be inside `roots`): one scan,
 * then batches of files, each in its own transaction. `step` records each part (the scan, every
 * batch) so that a retry after a crash continues after the last batch that committed.
 */
export async function ingestDirectory(
  db: Database,
  request: { path: string; roots: string[]; collection?: string | undefined; tags: string[] },
  limits: { maxFileBytes: number; maxFiles: number },
  hooks: {
    step: Phase['step'];
    progress(done: number, total: number, message: string): Promise<void>;
    signal?: AbortSignal;
  },
): Promise<DirectoryIngest> {
  const scan = await hooks.step('scan', () =>
    scanDirectory(request.path, { roots: request.roots, ...limits }).then((s) => ({
      files: s.files.map((f) => f.path),
      skipped: s.skipped,
      truncated: s.truncated,
    })),
  );
  const collection = request.collection ?? collectionOf(request.path);
  const totals: DirectoryIngest = {
    files: scan.files.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    chunks: 0,
    skipped: [...scan.skipped],
    truncated: scan.truncated,
    collection,
  };
  for (let i = 0; i < scan.files.length; i += FILES_PER_BATCH) {
    const batch = scan.files.slice(i, i + FILES_PER_BATCH);
    const result: FileBatchResult = await hooks.step(`batch-${i / FILES_PER_BATCH}`, () =>
      db.transaction((tx) =>
        ingestFiles(tx, batch, {
          collection,
          tags: request.tags,
          maxFileBytes: limits.maxFileBytes,
          ...(hooks.signal ? { signal: hooks.signal } : {}),
        }),
      ),
    );
    totals.created += result.created;
    totals.updated += result.updated;
    totals.unchanged += result.unchanged;
    totals.chunks += result.chunks;
    totals.skipped.push(...result.skipped);
    const done = i + batch.length;
    await hooks.progress(done, scan.files.length, `indexed ${done} of ${scan.files.length} files`);
  }
  if (totals.chunks >= REFRESH_STATISTICS_AFTER_CHUNKS) await refreshPlannerStatistics(db);
  return totals;
}

/** A collection name from a directory name: the characters collection names allow. */
function collectionOf(path: string): string {
  return (
    basename(path)
      .replace(/[^\w.:-]+/g, '-')
      .slice(0, 100) || 'files'
  );
}
