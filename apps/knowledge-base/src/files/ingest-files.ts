import { open } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Queryable } from '@bounded/core';
import { contentTypeOfFile, decodeUtf8, UnreadableContent } from '../domain/document-text.js';
import { prepareDocument, type PreparedDocument } from '../domain/prepare-document.js';
import { indexDocuments } from '../store/index-document.js';
import type { SkippedFile } from './scan-directory.js';

export interface FileBatchResult {
  created: number;
  updated: number;
  unchanged: number;
  chunks: number;
  skipped: SkippedFile[];
}

/** The uri a file is indexed under: its real path as a file: URL. */
export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/**
 * Reads and indexes one batch of files in the transaction `q`. Re-running a batch is harmless:
 * unchanged files are skipped by hash. A file that changed size past the limit, or is binary or
 * not UTF-8, is skipped with its reason.
 */
export async function ingestFiles(
  q: Queryable,
  paths: readonly string[],
  options: { collection: string; tags: string[]; maxFileBytes: number; signal?: AbortSignal },
): Promise<FileBatchResult> {
  const skipped: SkippedFile[] = [];
  const prepared: PreparedDocument[] = [];
  for (const path of paths) {
    options.signal?.throwIfAborted();
    const contentType = contentTypeOfFile(path);
    if (!contentType) {
      skipped.push({ path, reason: 'not a markdown, text or HTML file' });
      continue;
    }
    try {
      const content = decodeUtf8(await readAtMost(path, options.maxFileBytes));
      prepared.push(
        prepareDocument({
          uri: fileUri(path),
          collection: options.collection,
          tags: options.tags,
          contentType,
          content,
        }),
      );
    } catch (error) {
      if (!(error instanceof UnreadableContent)) throw error;
      skipped.push({ path, reason: error.message });
    }
  }
  const outcomes = await indexDocuments(q, prepared);
  const count = (status: string) => outcomes.filter((o) => o.status === status).length;
  return {
    created: count('created'),
    updated: count('updated'),
    unchanged: count('unchanged'),
    chunks: outcomes.filter((o) => o.status !== 'unchanged').reduce((sum, o) => sum + o.chunks, 0),
    skipped,
  };
}

// Reads at most limit + 1 bytes: a file that grew past the limit since it was listed is refused
// without reading it whole.
async function readAtMost(path: string, limit: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > limit) throw new UnreadableContent(`it is larger than ${limit} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}
