import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPgliteDatabase } from '../db/pglite.js';

let template: Promise<string> | undefined;

/**
 * A PGlite data directory initialised once per machine and PGlite build, kept in the temporary
 * directory. A copy of it opens in a fraction of a second, where a fresh directory runs initdb
 * (seconds, and a memory peak of several hundred MB) first.
 */
export function pgliteTemplate(): Promise<string> {
  template ??= build();
  return template;
}

/** Fills `dataDir` (new or empty) with a copy of the template: a fresh, never-used cluster. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  cpSync(await pgliteTemplate(), dataDir, { recursive: true });
}

async function build(): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  const key = createHash('sha256')
    .update(`${entry}:${statSync(entry).mtimeMs}`)
    .digest('hex')
    .slice(0, 12);
  const dir = join(tmpdir(), `bounded-pglite-template-${key}`);
  const complete = () => existsSync(join(dir, 'PG_VERSION'));
  if (complete()) return dir;
  // A directory under the final name is only ever created whole, by the rename below; one
  // without PG_VERSION was damaged afterwards (a temp cleaner), so it is rebuilt.
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  // Built aside and renamed into place; when several test workers race, the first rename wins
  // and the others discard their copy.
  const staging = mkdtempSync(`${dir}-staging-`);
  const db = createPgliteDatabase({ dataDir: staging });
  await db.query('SELECT 1');
  await db.close();
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another test worker renamed its copy first; anything else is reported below.
    rmSync(staging, { recursive: true, force: true });
    if (!complete()) throw error;
  }
  if (!complete()) throw new Error(`PGlite template ${dir} has no PG_VERSION after it was built`);
  return dir;
}
