// Search latency and ingest throughput at scale: the React docs corpus indexed again and again
// under different uris and collections until there are at least BENCH_CHUNKS chunks (default
// 50,000), then every question of the quality set asked as search_knowledge and research_question
// ask them, with ts_rank_cd over the same candidates as the baseline measured in the same run.
//
//   pnpm --filter @bounded/knowledge-base bench                       # PGlite (embedded)
//   BENCH_DATABASE_URL=postgres://… pnpm --filter @bounded/knowledge-base bench   # PostgreSQL, in a throwaway schema
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations, migrate } from '@bounded/core';
import { createTestDatabase } from '@bounded/core/testing';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { prepareDocument, type PreparedDocument } from '../src/domain/prepare-document.js';
import { indexDocuments } from '../src/store/index-document.js';
import { retrieve } from '../src/store/retrieve.js';
import type { Ranking } from '../src/store/search.js';

const target = Number(process.env.BENCH_CHUNKS ?? 50_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const corpus =
  process.env.REACT_DOCS_DIR ??
  fileURLToPath(new URL('../../../../shared/corpora/react-docs', import.meta.url));
const out = (line: string) => process.stdout.write(`${line}\n`);

if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
else delete process.env.TEST_DATABASE_URL;

const files = (await readdir(corpus, { withFileTypes: true, recursive: true }))
  .filter((e) => e.isFile() && /\.mdx?$/.test(e.name))
  .map((e) => join(e.parentPath, e.name));
const texts = await Promise.all(
  files.map(async (path) => ({ path: relative(corpus, path), content: await readFile(path, 'utf8') })),
);
const questions = (
  JSON.parse(
    await readFile(new URL('../test/quality/react-docs-questions.json', import.meta.url), 'utf8'),
  ) as {
    questions: { question: string }[];
  }
).questions.map((q) => q.question);

const testDb = await createTestDatabase({ pgliteExtensions: { pg_trgm } });
const db = testDb.db;
try {
  await migrate(db, 'knowledge-base', await loadMigrations(new URL('../migrations/', import.meta.url)));
  const backend = db.kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  out(
    `knowledge-base search bench on ${backend}: ${files.length} files of ${corpus}, target ${target} chunks`,
  );

  // Ingest: copies of the corpus under their own uris and collections, 50 documents a transaction.
  let chunks = 0;
  let copies = 0;
  let ingestMs = 0;
  while (chunks < target) {
    const docs: PreparedDocument[] = texts.map((t) =>
      prepareDocument({
        uri: `bench://copy-${copies}/${t.path}`,
        collection: `react-${copies}`,
        tags: [],
        contentType: 'markdown',
        content: t.content,
      }),
    );
    const started = performance.now();
    await db.transaction(async (tx) => {
      for (let i = 0; i < docs.length; i += 50) await indexDocuments(tx, docs.slice(i, i + 50));
    });
    ingestMs += performance.now() - started;
    chunks += docs.reduce((sum, d) => sum + d.chunks.length, 0);
    copies += 1;
    process.stderr.write(`  ${chunks} chunks indexed (${copies} copies)\n`);
  }
  // What autovacuum does on PostgreSQL after a bulk load: statistics and the visibility map the
  // postings index needs for index-only scans. PGlite has no autovacuum: run it the same way there.
  await db.query('VACUUM ANALYZE');
  const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  out(
    `ingest: ${chunks} chunks in ${(ingestMs / 1000).toFixed(1)} s = ${Math.round(chunks / (ingestMs / 1000))} chunks/s (chunking excluded)`,
  );
  out(
    `memory: ${rssMb} MiB resident after ingest${db.kind === 'pglite' ? ' (the embedded database included)' : ' (this process; PostgreSQL apart)'}`,
  );

  const measure = async (prefer: 'all' | 'any', ranking: Ranking, limit: number, highlight: boolean) => {
    const times: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      for (const question of questions) {
        const started = performance.now();
        await retrieve(db, question, { filters: {}, limit, offset: 0, prefer, highlight, ranking });
        times.push(performance.now() - started);
      }
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
    return { p50: at(0.5), p95: at(0.95) };
  };
  // One warm-up pass, so the first measured query does not pay for cold caches.
  await measure('any', 'bm25', 20, false);
  const line = (name: string, r: { p50: number; p95: number }, base?: { p50: number; p95: number }) =>
    out(
      `${name}: p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms` +
        (base
          ? ` (${(r.p50 / base.p50).toFixed(2)}x / ${(r.p95 / base.p95).toFixed(2)}x of ts_rank_cd)`
          : ''),
    );
  const searchBase = await measure('all', 'ts_rank_cd', 21, true);
  const search = await measure('all', 'bm25', 21, true);
  const researchBase = await measure('any', 'ts_rank_cd', 40, false);
  const research = await measure('any', 'bm25', 40, false);
  out(`${questions.length} questions x ${rounds} rounds at ${chunks} chunks:`);
  line('  search_knowledge  BM25      ', search, searchBase);
  line('  search_knowledge  ts_rank_cd', searchBase);
  line('  research_question BM25      ', research, researchBase);
  line('  research_question ts_rank_cd', researchBase);
} finally {
  await testDb.close();
}
