import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.js';
import { copyPgliteTemplate } from '../src/testing/pglite-template.js';

function recordingLog(): { lines: { obj: object; msg: string }[]; info(obj: object, msg: string): void } {
  const lines: { obj: object; msg: string }[] = [];
  return { lines, info: (obj, msg) => lines.push({ obj, msg }) };
}

describe('openDatabase', () => {
  it('without a URL, opens PGlite in the data directory, creating it, and says where', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bounded-open-'));
    const dataDir = join(root, 'nested', 'billing');
    const log = recordingLog();
    const db = openDatabase({ dataDir, log });
    try {
      expect(db.kind).toBe('pglite');
      expect(existsSync(dataDir)).toBe(true);
      expect(log.lines).toEqual([{ obj: { dataDir }, msg: expect.stringContaining(dataDir) }]);
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    } finally {
      await db.close();
      await rm(root, { recursive: true, force: true });
    }
    // A fresh directory means a real initdb (the only test that pays for one): seconds when the
    // machine is idle, well past the 30 s default under a parallel suite. It has no time assertion.
  }, 180_000);

  it('loads the PGlite extensions it is given, so CREATE EXTENSION works; without them it fails', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bounded-open-'));
    await copyPgliteTemplate(join(root, 'plain'));
    await copyPgliteTemplate(join(root, 'trgm'));
    const plain = openDatabase({ dataDir: join(root, 'plain'), log: recordingLog() });
    const withTrgm = openDatabase({
      dataDir: join(root, 'trgm'),
      pgliteExtensions: { pg_trgm },
      log: recordingLog(),
    });
    try {
      await expect(plain.query('CREATE EXTENSION pg_trgm')).rejects.toThrow(/pg_trgm/);
      await withTrgm.query('CREATE EXTENSION pg_trgm');
      const { rows } = await withTrgm.query<{ s: number }>("SELECT similarity('effect', 'efect') AS s");
      expect(rows[0]!.s).toBeGreaterThan(0.3);
    } finally {
      await plain.close();
      await withTrgm.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'with a URL, uses PostgreSQL and leaves the data directory alone',
    async () => {
      const dataDir = join(tmpdir(), `bounded-unused-${process.pid}`);
      const log = recordingLog();
      const db = openDatabase({ url: process.env.TEST_DATABASE_URL, dataDir, log });
      try {
        expect(db.kind).toBe('postgres');
        await db.ping();
        expect(existsSync(dataDir)).toBe(false);
        expect(log.lines).toEqual([]);
      } finally {
        await db.close();
      }
    },
  );
});
