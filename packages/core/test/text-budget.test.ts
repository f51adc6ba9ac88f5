import { expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_TEXT_BUDGET_CHARS, defineTool } from '../src/index.js';
import { connectClient, createTestRuntime } from '../src/testing/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();

const verbose = defineTool({
  name: 'verbose',
  description: 'Returns far more text than a model should read.',
  input: z.object({}),
  output: z.object({ size: z.number() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  async handler() {
    return { data: { size: 100_000 }, text: 'line of text\n'.repeat(100_000 / 13) };
  },
});

it('cuts a tool text that ignores the budget, and says so', async () => {
  const runtime = createTestRuntime({
    app: { name: 'verbose', version: '0', tools: [verbose] },
    db: database(),
    deps: {},
  });
  const client = await connectClient(runtime, { era: 'modern' });
  try {
    const result = await client.callTool('verbose', {});
    const text = result.content[0]!.text!;
    expect(text.length).toBeLessThanOrEqual(DEFAULT_TEXT_BUDGET_CHARS);
    expect(text).toMatch(/truncated: \d+ more characters/);
    expect(result.structuredContent).toEqual({ size: 100_000 });
  } finally {
    await client.close();
  }
});
