import { readFile } from 'node:fs/promises';
import type { Database } from '@bounded/core';
import { prepareDocument, type PreparedDocument } from './domain/prepare-document.js';
import { indexDocuments } from './store/index-document.js';

// The project's own documentation: in the repository (from src/ or dist/), or beside dist/ in the image.
const PLACES = [new URL('../../../', import.meta.url), new URL('../docs/', import.meta.url)];
const FILES = ['README.md', 'apps/billing/README.md', 'apps/knowledge-base/README.md'];

/** Indexes the project's own READMEs into the collection bounded-docs (unchanged ones are skipped). */
export async function seedDemo(db: Database): Promise<number> {
  const docs: PreparedDocument[] = [];
  for (const file of FILES) {
    for (const place of PLACES) {
      const content = await readFile(new URL(file, place), 'utf8').catch(() => undefined);
      if (content === undefined) continue;
      docs.push(
        prepareDocument({
          uri: `bounded://docs/${file}`,
          collection: 'bounded-docs',
          tags: ['bounded'],
          contentType: 'markdown',
          content,
        }),
      );
      break;
    }
  }
  if (docs.length === 0) throw new Error('the project documentation was not found beside this server');
  await db.transaction((tx) => indexDocuments(tx, docs));
  return docs.length;
}
