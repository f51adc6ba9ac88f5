import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { key, setupKnowledgeBase, statsDrift, type KnowledgeBase } from './support/knowledge-base.js';

let kb: KnowledgeBase;
let dir: string;
const FILES = 70; // three batches of 25, 25 and 20

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kb-resume-'));
  for (let i = 0; i < FILES; i += 1) {
    writeFileSync(
      join(dir, `note-${String(i).padStart(3, '0')}.md`),
      `# Note ${i}\n\nVersion one of note number ${i}.\n`,
    );
  }
  kb = await setupKnowledgeBase({ KB_INGEST_ROOTS: dir });
});
afterAll(async () => {
  await kb?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a call stopped after its first batch resumes there when retried with the same key', async () => {
  const client = await kb.connect({ era: 'legacy-session' });
  try {
    const args = { path: '.', collection: 'notes', idempotency_key: key() };
    const stop = new AbortController();
    const interrupted = client.callTool('ingest_directory', args, {
      signal: stop.signal,
      onprogress: () => stop.abort(),
    });
    await expect(interrupted).rejects.toThrow();
    // Wait until the server has let go of the call (its lease is released when it stops).
    await expect
      .poll(
        async () =>
          (
            await kb.db.query<{ status: string; expired: boolean }>(
              'SELECT status, lease_expires_at <= now() AS expired FROM bounded_idempotency WHERE key = $1',
              [args.idempotency_key],
            )
          ).rows[0],
        { timeout: 20_000 },
      )
      .toEqual({ status: 'running', expired: true });
    // The stop lands during the second batch (which then rolls back), or, on a slow machine, just after it.
    const { rows: committed } = await kb.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM kb_documents',
    );
    expect([25, 50]).toContain(committed[0]!.n);

    // A file of the first batch changes before the retry: a resumed call does not read it again.
    writeFileSync(join(dir, 'note-000.md'), '# Note 0\n\nVersion two, written between the calls.\n');
    const progress: number[] = [];
    const resumed = await client.callTool('ingest_directory', args, {
      onprogress: (p) => progress.push((p as { progress: number }).progress),
    });
    expect(resumed.isError, JSON.stringify(resumed)).toBeFalsy();
    expect(resumed.structuredContent).toMatchObject({
      files: FILES,
      created: FILES,
      updated: 0,
      replayed: false,
    });
    expect(progress).toEqual([25, 50, 70]); // recorded batches report progress as they are passed over
    const first = await kb.db.query<{ content: string }>(
      "SELECT content FROM kb_documents WHERE uri LIKE '%/note-000.md'",
    );
    expect(first.rows[0]!.content).toContain('Version one');

    // A fresh key reads every file again and picks up the change.
    const again = await client.callTool('ingest_directory', { ...args, idempotency_key: key() });
    expect(again.structuredContent).toMatchObject({ updated: 1, unchanged: FILES - 1 });
    expect(await statsDrift(kb.db)).toEqual([]);
  } finally {
    await client.close();
  }
});
