import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ToolError } from '@bounded/core';

/** Whether `target` is `root` itself or lies beneath it (both already real paths). */
export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The configured roots as real paths (symlinks resolved); roots that do not exist are left out. */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real: string[] = [];
  for (const root of roots) {
    try {
      real.push(await realpath(root));
    } catch {
      // A root that is missing (or unreadable) lets nothing in; the others still apply.
    }
  }
  return real;
}

/**
 * Resolves a requested path (absolute, or relative to the first root) to its real path, and
 * refuses it unless that real path lies inside one of the roots: `..`, absolute paths elsewhere
 * and symlinks pointing out are all refused before anything is read.
 */
export async function resolveInsideRoots(
  requested: string,
  roots: readonly string[],
): Promise<{ path: string; root: string }> {
  const real = await realRoots(roots);
  if (real.length === 0) {
    throw new ToolError('precondition_failed', 'No ingest roots are configured on this server.', {
      hint: 'The operator sets KB_INGEST_ROOTS (absolute directories) to allow ingest_directory; ingest_documents takes content inline.',
    });
  }
  const candidate = isAbsolute(requested) ? resolve(requested) : resolve(real[0]!, requested);
  const outside = () =>
    new ToolError('permission_denied', `${requested} is outside the directories this server may read.`, {
      hint: `Use a path inside one of: ${real.join(', ')} (relative paths start at ${real[0]}).`,
    });
  // The lexical check first: a path that names somewhere else is refused without touching it.
  if (
    !real.some((root) => isInside(root, candidate)) &&
    !roots.some((r) => isInside(resolve(r), candidate))
  ) {
    throw outside();
  }
  let target: string;
  try {
    target = await realpath(candidate);
  } catch {
    throw new ToolError('not_found', `${requested} does not exist.`, {
      hint: 'Check the path; relative paths start at the first ingest root.',
    });
  }
  const root = real.find((r) => isInside(r, target));
  if (!root) throw outside();
  return { path: target, root };
}
