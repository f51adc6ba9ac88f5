import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { contentTypeOfFile } from '../domain/document-text.js';
import { isInside } from './allowed-roots.js';

export interface FoundFile {
  /** Real path (symlinks resolved), inside a root. */
  path: string;
  size: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ScanLimits {
  roots: readonly string[];
  maxFileBytes: number;
  maxFiles: number;
}

/**
 * Lists the indexable files (markdown, text, HTML) under `start`, in path order. A symlink is
 * followed only when its target is inside a root; files too large, of another type, or reached
 * twice are skipped with a reason. Nothing is read here but directory entries and sizes.
 */
export async function scanDirectory(
  start: string,
  limits: ScanLimits,
): Promise<{ files: FoundFile[]; skipped: SkippedFile[]; truncated: boolean }> {
  const files: FoundFile[] = [];
  const skipped: SkippedFile[] = [];
  const seen = new Set<string>();
  let truncated = false;

  const consider = async (path: string): Promise<void> => {
    if (truncated) return;
    const link = await lstat(path);
    let real = path;
    if (link.isSymbolicLink()) {
      try {
        real = await realpath(path);
      } catch {
        skipped.push({ path, reason: 'broken symbolic link' });
        return;
      }
      if (!limits.roots.some((root) => isInside(root, real))) {
        skipped.push({ path, reason: 'symbolic link pointing outside the allowed directories (not read)' });
        return;
      }
    }
    if (seen.has(real)) return;
    seen.add(real);
    const info = link.isSymbolicLink() ? await stat(real) : link;
    if (info.isDirectory()) {
      const entries = (await readdir(real)).sort();
      for (const name of entries) {
        if (name.startsWith('.')) continue;
        await consider(join(real, name));
      }
      return;
    }
    if (!info.isFile()) return;
    if (!contentTypeOfFile(real)) {
      skipped.push({ path: real, reason: 'not a markdown, text or HTML file' });
      return;
    }
    if (info.size > limits.maxFileBytes) {
      skipped.push({ path: real, reason: `larger than ${limits.maxFileBytes} bytes (${info.size})` });
      return;
    }
    if (files.length >= limits.maxFiles) {
      truncated = true;
      return;
    }
    files.push({ path: real, size: info.size });
  };

  await consider(start);
  return { files, skipped, truncated };
}
