import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Every file a bundled entry loads before it runs: itself and the chunks it imports statically. */
export function startupFiles(file: string, seen = new Set<string>()): Set<string> {
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const [, spec] of source.matchAll(/^import\s[^;]*?from\s*"(\.{1,2}\/[^"]+)"/gm)) {
    const next = join(dirname(file), spec!);
    if (!seen.has(next)) startupFiles(next, seen);
  }
  return seen;
}
