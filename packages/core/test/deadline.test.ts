// A call's deadline reaches the libraries a handler uses through ctx.signal; whatever error they
// make of the abort, the model gets the deadline's answer (timeout, retryable), not `internal`.
import { expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, type AppDefinition } from '../src/index.js';
import { connectClient, createTestRuntime } from '../src/testing/index.js';
import { useTestDatabase } from './support/test-database.js';

const database = useTestDatabase();

/** Waits for an outside answer that never comes, and fails the way `kind` says when aborted. */
const remoteCall = defineTool({
  name: 'remote_call',
  description: 'Waits on a remote service until the call is aborted.',
  input: z.object({ kind: z.enum(['sdk', 'dom', 'reason']) }),
  output: z.object({}),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  effects: 'none',
  handler(input, ctx) {
    return new Promise((_, reject) => {
      const fail = () => {
        const reason: unknown = ctx.signal.reason;
        if (input.kind === 'sdk') {
          // What the AWS SDK (smithy) throws: a plain Error named AbortError, the reason as cause.
          reject(Object.assign(new Error('Request aborted', { cause: reason }), { name: 'AbortError' }));
        } else if (input.kind === 'dom') {
          reject(new DOMException('This operation was aborted', 'AbortError'));
        } else {
          reject(reason);
        }
      };
      // As libraries do: an already aborted signal fails at once, a later abort when it comes.
      if (ctx.signal.aborted) fail();
      else ctx.signal.addEventListener('abort', fail, { once: true });
    });
  },
});

it.each(['sdk', 'dom', 'reason'] as const)(
  'answers a deadline that a library turned into its own %s abort error with timeout, retryable',
  async (kind) => {
    const app: AppDefinition<object> = { name: 'deadline', version: '0', tools: [remoteCall] };
    const runtime = createTestRuntime({ app, db: database(), deps: {}, options: { toolTimeoutMs: 300 } });
    // Migrated first, so the deadline falls while the handler waits, not while the database opens.
    await runtime.ready();
    const client = await connectClient(runtime, { era: 'modern' });
    try {
      const result = await client.callTool('remote_call', { kind });
      expect(result.structuredContent!.error).toMatchObject({
        code: 'timeout',
        retryable: true,
        message: expect.stringMatching(/did not finish within 300 ms, and it returned nothing/),
      });
    } finally {
      await client.close();
    }
  },
);
