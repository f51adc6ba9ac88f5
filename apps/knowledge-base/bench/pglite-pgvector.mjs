// What PGlite's pgvector build costs and whether it is safe beside pg_trgm, each run in a fresh
// process: `node bench/pglite-pgvector.mjs [runs]`.
// 1. Open time (to the first query, on an existing data directory) and resident memory, without
//    pgvector, with it loaded, and with CREATE EXTENSION vector run.
// 2. How often a run of pg_trgm `%` queries hangs with pgvector loaded (a run that does not finish
//    in 10 s is counted as hung), against pg_trgm alone and similarity() with pgvector loaded.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 5);
const self = fileURLToPath(import.meta.url);

async function child(kind, dataDir) {
  const started = performance.now();
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const extensions = { pg_trgm };
  if (kind !== 'plain' && kind !== 'trgm-plain')
    extensions.vector = (await import('@electric-sql/pglite-pgvector')).vector;
  const db = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    extensions,
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=8MB'],
  });
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  if (kind === 'vector-created') await db.query('CREATE EXTENSION IF NOT EXISTS vector');
  await db.query('SELECT 1');
  const ms = performance.now() - started;
  if (kind.startsWith('trgm-')) {
    await db.exec("CREATE TABLE t (term text); INSERT INTO t VALUES ('quokka')");
    await db.query('CREATE INDEX ON t USING gin (term gin_trgm_ops)');
    const similar = kind === 'trgm-similarity' ? 'similarity(term, $1) >= 0.3' : 'term % $1';
    for (let i = 0; i < 6; i += 1) {
      await db.query(`SELECT term FROM t WHERE ${similar}`, ['quoka']);
      await db.query('SELECT 1');
    }
  }
  process.stdout.write(
    JSON.stringify({ ms: Math.round(ms), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) }),
  );
  await db.close();
}

function spawn(kind, dataDir) {
  const r = spawnSync(process.execPath, [self, '--child', kind, dataDir ?? ''], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return r.status === 0 ? JSON.parse(r.stdout) : undefined;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4] || undefined);
} else {
  const root = mkdtempSync(join(tmpdir(), 'kb-pgvector-bench-'));
  try {
    const kinds = ['plain', 'vector-loaded', 'vector-created'];
    for (const kind of kinds) spawn(kind, join(root, kind)); // creates each data directory
    const open = Object.fromEntries(kinds.map((k) => [k, []]));
    for (let i = 0; i < runs; i += 1)
      for (const kind of kinds) open[kind].push(spawn(kind, join(root, kind)));
    console.log(`PGlite open to first query, existing data directory, median of ${runs}:`);
    for (const kind of kinds) {
      const ok = open[kind].filter(Boolean);
      console.log(
        `  ${kind.padEnd(15)} ${median(ok.map((r) => r.ms))} ms, ${median(ok.map((r) => r.rssMiB))} MiB resident`,
      );
    }
    console.log(`pg_trgm queries, runs that did not finish in 10 s, of ${runs}:`);
    for (const kind of ['trgm-plain', 'trgm-percent', 'trgm-similarity']) {
      const hung = Array.from({ length: runs }, () => spawn(kind)).filter((r) => r === undefined).length;
      const label = {
        'trgm-plain': '% without pgvector',
        'trgm-percent': '% with pgvector',
        'trgm-similarity': 'similarity() with pgvector',
      }[kind];
      console.log(`  ${label.padEnd(27)} ${hung} hung`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
