// The bundled binary over stdio: --ingest indexes a folder at start, without holding up the
// handshake (progress on stderr; tool calls wait for it),
// --seed-demo the project's own READMEs, and stdout carries protocol messages only.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@bounded/core/testing';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bundle } from '../../../scripts/bundle-app.mjs';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

let testDb: TestDatabase;
let outDir: string;
let work: string;
let client: Client;
const stderr: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  outDir = mkdtempSync(join(APP_DIR, '.bundle-'));
  work = mkdtempSync(join(tmpdir(), 'kb-stdio-'));
  writeFileSync(
    join(work, 'runbook.md'),
    '# Runbook\n\n## Restarts\n\nRestart the quokka service with care.\n',
  );
  await bundle(join(APP_DIR, 'src', 'main.ts'), outDir);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(outDir, 'main.js'), '--ingest', work, '--seed-demo'],
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      ...(testDb.url ? { DATABASE_URL: testDb.url } : { BOUNDED_DATA_DIR: join(work, 'data') }),
    },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  client = new Client({ name: 'kb-stdio-test', version: '0' });
  await client.connect(transport);
}, 180_000);

afterAll(async () => {
  await client?.close();
  await testDb?.close();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

it('indexes the --ingest folder and the demo docs before the first call runs, logging progress on stderr', async () => {
  const found = await client.callTool({ name: 'search_knowledge', arguments: { query: 'quokka restart' } });
  const log = stderr.join('');
  expect(log).toContain(`indexing ${work}: 1 of 1 files`);
  expect(log).toMatch(/"created":1/);
  const results = (
    found.structuredContent as { results: { citation: { heading_path: string[]; uri: string } }[] }
  ).results;
  expect(results[0]!.citation).toMatchObject({ heading_path: ['Runbook'], uri: `file://${work}/runbook.md` });
  const demo = await client.callTool({ name: 'list_collections', arguments: {} });
  const names = (demo.structuredContent as { collections: { collection: string }[] }).collections.map(
    (c) => c.collection,
  );
  expect(names).toEqual(
    expect.arrayContaining(['bounded-docs', names.find((n) => n.startsWith('kb-stdio-'))!]),
  );
  const research = await client.callTool({
    name: 'research_question',
    arguments: { question: 'How do I run the tests on PostgreSQL?', collection: 'bounded-docs' },
  });
  expect((research.structuredContent as { documents: unknown[] }).documents.length).toBeGreaterThan(0);
}, 60_000);

it('stops at start-up, with one line naming the variable, when the embeddings configuration is half done', () => {
  const run = spawnSync(process.execPath, [join(outDir, 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      KB_EMBEDDINGS_URL: 'http://127.0.0.1:9/v1',
      KB_EMBEDDINGS_KEY: 'sk-secret-value',
    },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toBe(
    'knowledge-base-mcp: Invalid KB_EMBEDDINGS_MODEL: required with KB_EMBEDDINGS_URL\n',
  );
  expect(run.stdout).toBe('');
});
