import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestClient } from '@bounded/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORPUS_DIR,
  key,
  NO_CORPUS_MESSAGE,
  setupKnowledgeBase,
  statsDrift,
  type KnowledgeBase,
} from './support/knowledge-base.js';

if (!CORPUS_DIR) console.warn(NO_CORPUS_MESSAGE);

const BUDGET_CHARS = 16_000; // the default result budget: about 4k tokens

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : /\.mdx?$/.test(name) ? [path] : [];
  });
}

type Result = {
  rank: number;
  snippet: string;
  chunk_id: string;
  citation: {
    document_id: string;
    uri: string;
    title: string;
    heading_path: string[];
    start_offset: number;
    end_offset: number;
  };
};

describe.skipIf(!CORPUS_DIR)('the React docs through a real MCP client', () => {
  let kb: KnowledgeBase;
  let client: TestClient;
  let ingested: Record<string, unknown>;
  const progress: number[] = [];

  beforeAll(async () => {
    kb = await setupKnowledgeBase({ KB_INGEST_ROOTS: CORPUS_DIR! });
    client = await kb.connect();
    const result = await client.callTool(
      'ingest_directory',
      { path: '.', collection: 'react', tags: ['react', 'docs'], idempotency_key: key() },
      // Seconds on an idle machine; minutes on a loaded one.
      { onprogress: (p) => progress.push((p as { progress: number }).progress), timeout: 600_000 },
    );
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    ingested = result.structuredContent!;
  }, 600_000);
  afterAll(async () => {
    await client?.close();
    await kb?.close();
  });

  it('indexes every markdown file of the corpus, reporting progress batch by batch', () => {
    const files = markdownFiles(CORPUS_DIR!).length;
    expect(ingested).toMatchObject({
      files,
      created: files,
      updated: 0,
      unchanged: 0,
      skipped_count: 0,
      collection: 'react',
    });
    expect(ingested.chunks as number).toBeGreaterThan(files);
    expect(progress.at(-1)).toBe(files);
    expect(progress.length).toBe(Math.ceil(files / 25));
  });

  it('keeps the BM25 statistics equal to what the chunks say', async () => {
    expect(await statsDrift(kb.db)).toEqual([]);
  });

  it('searches: ranked, highlighted, cited passages, within the budget, paged by cursor', async () => {
    const first = await client.callTool('search_knowledge', {
      query: 'useEffect cleanup function',
      limit: 10,
    });
    expect(first.isError, JSON.stringify(first)).toBeFalsy();
    const data = first.structuredContent as {
      results: Result[];
      next_cursor: string | null;
      match: { mode: string; matched: string };
    };
    expect(data.match).toMatchObject({ mode: 'keyword', matched: 'all_terms' });
    expect(data.results).toHaveLength(10);
    expect(
      data.results.slice(0, 3).some((r) => r.citation.uri.endsWith('/reference/react/useEffect.md')),
    ).toBe(true);
    // Snippets mark the matches in the body; a passage that matched through its title or headings alone has none to mark.
    expect(data.results[0]!.snippet).toMatch(/«[^»]+»/);
    expect(data.results.filter((r) => /«[^»]+»/.test(r.snippet)).length).toBeGreaterThanOrEqual(5);
    for (const r of data.results) expect(r.citation.end_offset).toBeGreaterThan(r.citation.start_offset);
    expect(first.content[0]!.text!.length).toBeLessThanOrEqual(BUDGET_CHARS);
    expect(JSON.stringify(first.structuredContent).length).toBeLessThanOrEqual(BUDGET_CHARS);

    const second = await client.callTool('search_knowledge', {
      query: 'useEffect cleanup function',
      limit: 10,
      cursor: data.next_cursor,
    });
    const page2 = (second.structuredContent as { results: Result[] }).results;
    expect(page2[0]!.rank).toBe(11);
    const ids = new Set(data.results.map((r) => r.chunk_id));
    expect(page2.filter((r) => ids.has(r.chunk_id))).toEqual([]);
    const foreign = await client.callTool('search_knowledge', {
      query: 'something else',
      cursor: data.next_cursor,
    });
    expect(foreign.structuredContent!.error).toMatchObject({ code: 'invalid_argument' });
  });

  it('filters by collection, tags and source', async () => {
    const query = { query: 'hydration mismatch' };
    const none = await client.callTool('search_knowledge', { ...query, collection: 'other' });
    expect((none.structuredContent as { results: Result[] }).results).toEqual([]);
    const tagged = await client.callTool('search_knowledge', { ...query, tags: ['react'] });
    expect((tagged.structuredContent as { results: Result[] }).results.length).toBeGreaterThan(0);
    const blogOnly = await client.callTool('search_knowledge', {
      ...query,
      source: `file://${CORPUS_DIR}/blog/`,
    });
    const results = (blogOnly.structuredContent as { results: Result[] }).results;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.citation.uri.includes('/blog/'))).toBe(true);
  });

  it('corrects a misspelt query through trigram similarity and says so', async () => {
    const result = await client.callTool('search_knowledge', { query: 'useReducr dispach' });
    const data = result.structuredContent as {
      results: Result[];
      match: { matched: string; corrections: { from: string; to: string }[] };
    };
    expect(data.match.matched).toBe('spelling_corrected');
    expect(data.match.corrections.map((c) => c.to)).toEqual(expect.arrayContaining(['usereduc', 'dispatch']));
    expect(data.results[0]!.citation.uri).toMatch(/useReducer|reducer/i);
    expect(result.content[0]!.text).toContain('instead of');
  });

  it('research_question returns cited passages grouped by document, within the budget asked', async () => {
    for (const token_budget of [300, 1500, 4000]) {
      const result = await client.callTool('research_question', {
        question: 'Why does my Effect run twice in development, and how should cleanup handle it?',
        token_budget,
      });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      const data = result.structuredContent as {
        documents: {
          ref: number;
          uri: string;
          passages: { text: string; start_offset: number; end_offset: number }[];
        }[];
        used_tokens: number;
      };
      expect(data.documents.length).toBeGreaterThan(0);
      expect(result.content[0]!.text!.length).toBeLessThanOrEqual(token_budget * 4);
      expect(JSON.stringify(result.structuredContent).length).toBeLessThanOrEqual(token_budget * 4);
      expect(data.used_tokens).toBeLessThanOrEqual(token_budget);
      const uris = data.documents.map((d) => d.uri);
      expect(new Set(uris).size).toBe(uris.length);
      if (token_budget === 4000) {
        expect(uris.some((u) => /synchronizing-with-effects|useEffect/.test(u))).toBe(true);
        // Merged spans never overlap within a document.
        for (const doc of data.documents) {
          const spans = [...doc.passages].sort((a, b) => a.start_offset - b.start_offset);
          for (let i = 1; i < spans.length; i += 1)
            expect(spans[i]!.start_offset).toBeGreaterThan(spans[i - 1]!.end_offset);
        }
      }
    }
  });

  it('get_document: the outline first, then every section by cursor, adding up to the whole text', async () => {
    const uri = `file://${CORPUS_DIR}/learn/synchronizing-with-effects.md`;
    const first = await client.callTool('get_document', { uri });
    const head = first.structuredContent as {
      document: { document_id: string; chars: number };
      outline: { section: number; heading_path: string[] }[];
      next_cursor: string;
    };
    expect(head.outline.map((o) => o.heading_path.at(-1))).toEqual(
      expect.arrayContaining(['How to write an Effect', 'Step 3: Add cleanup if needed']),
    );
    let cursor: string | null = head.next_cursor;
    let text = '';
    let pages = 0;
    while (cursor) {
      const page = await client.callTool('get_document', { document_id: head.document.document_id, cursor });
      expect(page.content[0]!.text!.length).toBeLessThanOrEqual(BUDGET_CHARS);
      expect(JSON.stringify(page.structuredContent).length).toBeLessThanOrEqual(BUDGET_CHARS);
      const data = page.structuredContent as { sections: { text: string }[]; next_cursor: string | null };
      text += data.sections.map((s) => s.text).join('');
      cursor = data.next_cursor;
      pages += 1;
    }
    expect(pages).toBeGreaterThan(3);
    expect(text.length).toBe(head.document.chars);
    const jump = await client.callTool('get_document', { uri, section: 3 });
    expect(
      (jump.structuredContent as { sections: { heading_path: string[] }[] }).sections[0]!.heading_path,
    ).toEqual(head.outline[3]!.heading_path);
    const resource = await client.readResource(`kb://documents/${head.document.document_id}`);
    expect(resource.contents[0]!.text).toContain('Synchronizing with Effects');
    expect(resource.contents[0]!.text!.length).toBeLessThanOrEqual(BUDGET_CHARS + 200);
  });

  it('re-ingesting the directory skips every unchanged file; the same key replays', async () => {
    const args = { path: CORPUS_DIR!, collection: 'react', tags: ['react', 'docs'], idempotency_key: key() };
    const again = await client.callTool('ingest_directory', args);
    expect(again.structuredContent).toMatchObject({ created: 0, updated: 0, chunks: 0, replayed: false });
    expect(again.structuredContent!.unchanged).toBe(ingested.files);
    const replay = await client.callTool('ingest_directory', args);
    expect(replay.structuredContent).toMatchObject({ unchanged: ingested.files, replayed: true });
  });

  it('lists the collection with its counts', async () => {
    const result = await client.callTool('list_collections', {});
    expect((result.structuredContent as { collections: unknown[] }).collections).toEqual([
      expect.objectContaining({ collection: 'react', documents: ingested.files, chunks: ingested.chunks }),
    ]);
  });

  it('deletes only after the person confirms, and the documents leave the results and the statistics', async () => {
    const uri = `file://${CORPUS_DIR}/reference/react/useReducer.md`;
    const asked: string[] = [];
    let answer: 'accept' | 'decline' = 'decline';
    const person = await kb.connect({
      onElicit: (message) => {
        asked.push(message);
        return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      },
    });
    try {
      const declined = await person.callTool('delete_documents', { uris: [uri], idempotency_key: key() });
      expect(declined.structuredContent!.error).toMatchObject({ code: 'permission_denied' });
      expect(asked[0]).toContain(uri);
      expect((await kb.db.query('SELECT 1 FROM kb_documents WHERE uri = $1', [uri])).rows).toHaveLength(1);

      const noElicitation = await client.callTool('delete_documents', {
        uris: [uri],
        idempotency_key: key(),
      });
      expect(noElicitation.structuredContent!.error).toMatchObject({ code: 'confirmation_required' });

      answer = 'accept';
      const deleted = await person.callTool('delete_documents', {
        uris: [uri, 'file:///nowhere.md'],
        idempotency_key: key(),
      });
      expect(deleted.structuredContent).toMatchObject({
        deleted_documents: 1,
        not_found: ['file:///nowhere.md'],
      });
      const search = await person.callTool('search_knowledge', { query: 'useReducer', limit: 100 });
      const uris = (search.structuredContent as { results: Result[] }).results.map((r) => r.citation.uri);
      expect(uris).not.toContain(uri);
      expect(await statsDrift(kb.db)).toEqual([]);
    } finally {
      await person.close();
    }
  });
});
