import { mkdtempSync, mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestClient } from '@bounded/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key, setupKnowledgeBase, statsDrift, type KnowledgeBase } from './support/knowledge-base.js';

// Words that exist only outside the allowed root: finding one would mean a file there was read.
const SECRET = 'zyxwvutsecretword';

let kb: KnowledgeBase;
let client: TestClient;
let base: string;
let root: string;

async function counts(): Promise<{ documents: number; chunks: number; terms: number }> {
  const { rows } = await kb.db.query<{ documents: number; chunks: number; terms: number }>(
    `SELECT (SELECT count(*)::int FROM kb_documents) AS documents, (SELECT count(*)::int FROM kb_chunks) AS chunks,
            (SELECT count(*)::int FROM kb_terms) AS terms`,
  );
  return rows[0]!;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'kb-bad-input-'));
  root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'docs'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.md'), `# Secret\n\n${SECRET} lives outside the root.\n`);
  writeFileSync(join(root, 'docs', 'good.md'), '# Good\n\nA readable document about caching.\n');
  writeFileSync(join(root, 'docs', 'binary.md'), Buffer.from([0x23, 0x20, 0x48, 0x00, 0x01, 0x02]));
  writeFileSync(join(root, 'docs', 'latin1.md'), Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]));
  writeFileSync(join(root, 'docs', 'picture.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  // 100 MB without writing 100 MB: a sparse file.
  writeFileSync(join(root, 'docs', 'huge.md'), '# Huge\n');
  truncateSync(join(root, 'docs', 'huge.md'), 100 * 1024 * 1024);
  symlinkSync(join(outside, 'secret.md'), join(root, 'docs', 'link-out.md'));
  symlinkSync(outside, join(root, 'dir-link-out'));
  kb = await setupKnowledgeBase({ KB_INGEST_ROOTS: root });
  client = await kb.connect();
});
afterAll(async () => {
  await client?.close();
  await kb?.close();
  rmSync(base, { recursive: true, force: true });
});

describe('path safety of ingest_directory', () => {
  it.each([
    ['..', () => '..'],
    ['../outside', () => '../outside'],
    ['docs/../../outside/secret.md', () => 'docs/../../outside/secret.md'],
    ['an absolute path outside', () => join(base, 'outside')],
    ['a symlinked directory pointing outside', () => 'dir-link-out'],
    ['a symlinked file pointing outside', () => 'docs/link-out.md'],
    ['/etc/passwd', () => '/etc/passwd'],
  ])('refuses %s and reads nothing', async (_name, path) => {
    const before = await counts();
    const result = await client.callTool('ingest_directory', { path: path(), idempotency_key: key() });
    expect(result.isError).toBe(true);
    expect(result.structuredContent!.error).toMatchObject({ code: 'permission_denied' });
    expect(result.content[0]!.text).toContain('outside the directories this server may read');
    expect(await counts()).toEqual(before);
  });

  it('indexes what is inside, skips links out, binary, non-UTF-8, other types and the 100 MB file, each with its reason', async () => {
    const result = await client.callTool('ingest_directory', { path: '.', idempotency_key: key() });
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    const data = result.structuredContent as { created: number; skipped: { path: string; reason: string }[] };
    expect(data.created).toBe(1);
    const reasons = Object.fromEntries(data.skipped.map((s) => [s.path.split('/').pop(), s.reason]));
    expect(reasons).toEqual({
      'link-out.md': expect.stringContaining('outside the allowed directories'),
      'dir-link-out': expect.stringContaining('outside the allowed directories'),
      'binary.md': expect.stringContaining('NUL bytes'),
      'latin1.md': 'it is not valid UTF-8',
      'picture.png': 'not a markdown, text or HTML file',
      'huge.md': expect.stringContaining('larger than'),
    });
    const search = await client.callTool('search_knowledge', { query: SECRET });
    expect((search.structuredContent as { results: unknown[] }).results).toEqual([]);
    const { rows } = await kb.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM kb_documents WHERE content LIKE '%' || $1 || '%'",
      [SECRET],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses a file larger than the limit when asked for it directly', async () => {
    const result = await client.callTool('ingest_directory', {
      path: 'docs/huge.md',
      idempotency_key: key(),
    });
    expect(result.structuredContent).toMatchObject({ created: 0, skipped_count: 1 });
    expect((result.structuredContent as { skipped: { reason: string }[] }).skipped[0]!.reason).toContain(
      'larger than',
    );
  });
});

describe('bad input is refused with a clear error and changes nothing', () => {
  it.each([
    ['an empty query', { query: '' }, /query: must not be empty/],
    ['a blank query', { query: '   ' }, /query: must not be empty/],
    ['a 3 MB query', { query: 'a'.repeat(3 * 1024 * 1024) }, /query: at most 500 characters/],
    ['a query of stop words only', { query: 'the and of' }, /no searchable words/],
  ])('search_knowledge: %s', async (_name, args, message) => {
    const result = await client.callTool('search_knowledge', args);
    expect(result.isError).toBe(true);
    expect(result.structuredContent!.error).toMatchObject({ code: 'invalid_argument' });
    expect(result.content[0]!.text).toMatch(message);
  });

  it('search_knowledge: a 10 MB query is refused by the transport before it reaches the tool', async () => {
    await expect(
      client.callTool('search_knowledge', { query: 'a'.repeat(10 * 1024 * 1024) }),
    ).rejects.toThrow(/Payload Too Large/);
    const after = await client.callTool('search_knowledge', { query: 'caching' });
    expect(after.isError, JSON.stringify(after)).toBeFalsy();
  });

  it.each([
    ['binary content', 'PK\u0003\u0004\u0000\u0000binary', /documents\[1\].*NUL bytes/],
    [
      'invalid UTF-16 (a lone surrogate)',
      'text \ud800 here',
      /documents\.1\.content: not well-formed Unicode/,
    ],
  ])('ingest_documents: %s rejects the whole batch', async (_name, content, message) => {
    const before = await counts();
    const result = await client.callTool('ingest_documents', {
      documents: [
        { uri: 'mem://fine', content: '# Fine\n\nThis one is good.' },
        { uri: 'mem://bad', content },
      ],
      idempotency_key: key(),
    });
    expect(result.structuredContent!.error).toMatchObject({ code: 'invalid_argument' });
    expect(result.content[0]!.text).toMatch(message);
    expect(await counts()).toEqual(before);
  });

  it('ingest_documents: a document over 1M characters, a duplicate uri, no documents', async () => {
    const before = await counts();
    const big = await client.callTool('ingest_documents', {
      documents: [{ uri: 'mem://big', content: 'x'.repeat(1_000_001) }],
      idempotency_key: key(),
    });
    expect(big.content[0]!.text).toMatch(/documents\.0\.content/);
    const twice = await client.callTool('ingest_documents', {
      documents: [
        { uri: 'mem://same', content: 'one' },
        { uri: 'mem://same', content: 'two' },
      ],
      idempotency_key: key(),
    });
    expect(twice.content[0]!.text).toContain('appears twice');
    const none = await client.callTool('ingest_documents', { documents: [], idempotency_key: key() });
    expect(none.structuredContent!.error).toMatchObject({ code: 'invalid_argument' });
    const noKey = await client.callTool('ingest_documents', {
      documents: [{ uri: 'mem://k', content: 'k' }],
    });
    expect(noKey.content[0]!.text).toContain('idempotency_key');
    expect(await counts()).toEqual(before);
  });

  it('get_document and delete_documents need exactly one target', async () => {
    const both = await client.callTool('get_document', { document_id: 'doc_x', uri: 'mem://x' });
    expect(both.structuredContent!.error).toMatchObject({ code: 'invalid_argument' });
    const missing = await client.callTool('get_document', { document_id: 'doc_missing' });
    expect(missing.structuredContent!.error).toMatchObject({ code: 'not_found' });
    const neither = await client.callTool('delete_documents', { idempotency_key: key() });
    expect(neither.structuredContent!.error).toMatchObject({ code: 'invalid_argument' });
  });

  it('an upsert replaces a document atomically, and the statistics follow', async () => {
    const put = (content: string) =>
      client.callTool('ingest_documents', {
        documents: [{ uri: 'mem://evolving', content, collection: 'scratch' }],
        idempotency_key: key(),
      });
    expect((await put('# Evolving\n\nalpha bravo charlie')).structuredContent).toMatchObject({ created: 1 });
    expect((await put('# Evolving\n\nalpha bravo charlie')).structuredContent).toMatchObject({
      unchanged: 1,
      chunks: 0,
    });
    expect((await put('# Evolving\n\ndelta echo')).structuredContent).toMatchObject({ updated: 1 });
    const old = await client.callTool('search_knowledge', { query: 'charlie', collection: 'scratch' });
    expect((old.structuredContent as { results: unknown[] }).results).toEqual([]);
    const fresh = await client.callTool('search_knowledge', { query: 'delta', collection: 'scratch' });
    expect((fresh.structuredContent as { results: unknown[] }).results).toHaveLength(1);
    expect(await statsDrift(kb.db)).toEqual([]);
  });
});
