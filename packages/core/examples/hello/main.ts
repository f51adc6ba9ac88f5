// The smallest server on @bounded/core: one read-only tool, served over stdio or --http.
import { z } from 'zod';
import { defineTool, runApp } from '@bounded/core';

const greet = defineTool({
  name: 'greet',
  description: 'Returns a greeting for a name. Use it to check that the server answers.',
  input: z.object({ name: z.string().min(1).max(100).describe('Who to greet') }),
  output: z.object({ greeting: z.string() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  effects: 'none',
  async handler({ name }) {
    return { data: { greeting: `Hello, ${name}!` }, text: `Hello, ${name}!` };
  },
});

await runApp({
  app: { name: 'hello', version: '0.1.0', tools: [greet] },
  migrations: new URL('./migrations/', import.meta.url),
  config: z.object({}),
  deps: () => ({}),
});
