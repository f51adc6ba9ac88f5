import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { key, setupKnowledgeBase, type KnowledgeBase } from './support/knowledge-base.js';

let kb: KnowledgeBase;
beforeAll(async () => {
  kb = await setupKnowledgeBase();
  const client = await kb.connect();
  const seeded = await client.callTool('ingest_documents', {
    documents: [
      {
        uri: 'mem://guide',
        content: `# Guide\n\n## Caching\n\nCache results near the reader. ${'Caches trade memory for time. '.repeat(8)}\n\n## Retries\n\nRetry with the same key. ${'A retry repeats a request that may have failed. '.repeat(6)}`,
        collection: 'guides',
        tags: ['ops'],
      },
      {
        uri: 'mem://page.html',
        content_type: 'html',
        content:
          '<html><head><title>Page</title><style>p{}</style></head><body><h2>Heading kept</h2><p>Tags <b>stripped</b>.</p><script>alert(1)</script></body></html>',
      },
      { uri: 'mem://plain.txt', content_type: 'text', content: 'Plain text, no headings at all.' },
    ],
    idempotency_key: key(),
  });
  expect(seeded.isError, JSON.stringify(seeded)).toBeFalsy();
  await client.close();
});
afterAll(async () => kb?.close());

const ALL_TOOLS = [
  'delete_documents',
  'get_document',
  'ingest_directory',
  'ingest_documents',
  'list_collections',
  'research_question',
  'search_knowledge',
];

describe('knowledge-base over MCP', () => {
  it('lists seven tools with annotations, output schemas and scopes; the listing is small and matches the snapshot', async () => {
    const client = await kb.connect();
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(ALL_TOOLS);
      for (const tool of tools) {
        expect(Object.keys(tool.annotations as object)).toEqual(
          expect.arrayContaining(['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']),
        );
        expect(tool.outputSchema).toBeDefined();
        const writes = !(tool.annotations as { readOnlyHint: boolean }).readOnlyHint;
        const props = tool.inputSchema as { properties: Record<string, unknown>; required?: string[] };
        expect('idempotency_key' in props.properties).toBe(writes);
        if (writes) expect(props.required).toContain('idempotency_key');
      }
      await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('__snapshots__/tools-list.json');
      // The whole listing stays small enough to sit in a model's context comfortably.
      expect(JSON.stringify(tools).length).toBeLessThanOrEqual(20_000);
    } finally {
      await client.close();
    }
  });

  it('--read-only serves the four read tools, --tools narrows further', async () => {
    const readOnly = await kb.connect();
    const runtimeReadOnly = (await import('@bounded/core/testing')).createTestRuntime({
      app: kb.runtime.app,
      db: kb.db,
      deps: kb.deps,
      options: { readOnly: true },
    });
    await readOnly.close();
    const { connectClient } = await import('@bounded/core/testing');
    const client = await connectClient(runtimeReadOnly, { era: 'modern' });
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
        'get_document',
        'list_collections',
        'research_question',
        'search_knowledge',
      ]);
    } finally {
      await client.close();
    }
    const narrowed = await connectClient(
      (await import('@bounded/core/testing')).createTestRuntime({
        app: kb.runtime.app,
        db: kb.db,
        deps: kb.deps,
        options: { tools: ['search_knowledge', 'get_document'] },
      }),
      { era: 'modern' },
    );
    try {
      expect((await narrowed.listTools()).tools.map((t) => t.name).sort()).toEqual([
        'get_document',
        'search_knowledge',
      ]);
    } finally {
      await narrowed.close();
    }
  });

  it('enforces kb:read and kb:write for tokens that carry scopes', async () => {
    const auth = (scopes: string[]) => ({ token: 't', clientId: 'c', scopes, extra: { sub: 'reader' } });
    const reader = await kb.connect({ authInfo: auth(['kb:read']) });
    try {
      const search = await reader.callTool('search_knowledge', { query: 'cache' });
      expect(search.isError, JSON.stringify(search)).toBeFalsy();
      // A missing scope is answered like HTTP's 403 insufficient_scope, naming it, before anything runs.
      await expect(
        reader.callTool('delete_documents', { collection: 'guides', idempotency_key: key() }),
      ).rejects.toThrow(/kb:write/);
      const still = await reader.callTool('search_knowledge', { query: 'cache' });
      expect(still.isError, JSON.stringify(still)).toBeFalsy();
    } finally {
      await reader.close();
    }
  });

  it.each(['legacy', 'v1'] as const)(
    'works for %s-era hosts: search, document resource, prompt',
    async (era) => {
      const client = await kb.connect({ era });
      try {
        const found = await client.callTool('search_knowledge', { query: 'retry key' });
        const results = (
          found.structuredContent as {
            results: { citation: { document_id: string; heading_path: string[] } }[];
          }
        ).results;
        expect(results[0]!.citation.heading_path).toEqual(['Guide', 'Retries']);
        const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
        expect(templates).toEqual(['kb://documents/{document_id}']);
        const doc = await client.readResource(`kb://documents/${results[0]!.citation.document_id}`);
        expect(doc.contents[0]!.text).toContain('Retry with the same key.');
        const prompt = await client.getPrompt('answer_with_citations', { question: 'How should I retry?' });
        expect(prompt.messages[0]!.content.text).toContain('research_question');
      } finally {
        await client.close();
      }
    },
  );

  it('indexes HTML with tags stripped and headings kept, and plain text as one section', async () => {
    const client = await kb.connect();
    try {
      const html = await client.callTool('get_document', { uri: 'mem://page.html', section: 0 });
      const text = html.structuredContent as {
        document: { title: string };
        sections: { text: string; heading_path: string[] }[];
      };
      expect(text.document.title).toBe('Page');
      expect(text.sections[0]!.heading_path).toEqual(['Heading kept']);
      expect(text.sections.map((s) => s.text).join('')).toMatch(
        /^## Heading kept\n\nTags \*\*stripped\*\*\.$/,
      );
      const plain = await client.callTool('get_document', { uri: 'mem://plain.txt' });
      expect((plain.structuredContent as { outline: unknown[] }).outline).toHaveLength(1);
      const collections = await client.callTool('list_collections', {});
      expect(
        (collections.structuredContent as { collections: { collection: string; documents: number }[] })
          .collections,
      ).toEqual([
        expect.objectContaining({ collection: 'default', documents: 2 }),
        expect.objectContaining({ collection: 'guides', documents: 1 }),
      ]);
    } finally {
      await client.close();
    }
  });
});
