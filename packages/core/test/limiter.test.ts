import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineTool, type AppDefinition } from '../src/index.js';
import { ToolError } from '../src/errors.js';
import { ConcurrencyLimiter } from '../src/server/limiter.js';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type TestDatabase,
} from '../src/testing/index.js';

const never = new AbortController().signal;
/** Lets every promise continuation that is ready run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Acquires a slot and records when it arrives. */
function track(limiter: ConcurrencyLimiter, signal = never) {
  const state: { release?: () => void; error?: unknown } = {};
  const done = limiter.acquire(signal).then(
    (release) => (state.release = release),
    (error: unknown) => (state.error = error),
  );
  return Object.assign(state, { done });
}

describe('ConcurrencyLimiter', () => {
  it('hands a freed slot to the queued waiter, not to a caller arriving before the waiter resumes', async () => {
    const limiter = new ConcurrencyLimiter(1, 10_000);
    const first = track(limiter);
    await first.done;
    const queued = track(limiter);
    await flush();
    expect(queued.release).toBeUndefined();

    first.release!();
    // Arrives in the same turn as the release, before the waiter's continuation runs.
    const newcomer = track(limiter);
    await flush();
    expect(queued.release).toBeDefined();
    expect(newcomer.release).toBeUndefined();
    expect(limiter.active).toBe(1);

    queued.release!();
    await newcomer.done;
    expect(newcomer.release).toBeDefined();
    expect(limiter.active).toBe(1);
    newcomer.release!();
    expect(limiter.active).toBe(0);
  });

  it('never runs more than max callers under churn', async () => {
    const limiter = new ConcurrencyLimiter(3, 10_000);
    let running = 0;
    let peak = 0;
    const call = async (i: number) => {
      const release = await limiter.acquire(never);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => (i % 2 ? setImmediate(r) : queueMicrotask(() => r(undefined))));
      running -= 1;
      release();
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => call(i)));
    expect(peak).toBe(3);
    expect(limiter.active).toBe(0);
  });

  it('answers rate_limited when no slot frees up within the wait, and honours aborts', async () => {
    const limiter = new ConcurrencyLimiter(1, 50);
    const holder = track(limiter);
    await holder.done;
    const late = track(limiter);
    await late.done;
    expect(late.error).toBeInstanceOf(ToolError);
    expect(late.error).toMatchObject({ code: 'rate_limited', retryable: true });

    const controller = new AbortController();
    const cancelled = track(new ConcurrencyLimiter(0, 10_000), controller.signal);
    controller.abort(new Error('client went away'));
    await cancelled.done;
    expect(cancelled.error).toMatchObject({ message: 'client went away' });
  });

  it('close() refuses queued and later callers while holders keep their slots until they release', async () => {
    const limiter = new ConcurrencyLimiter(1, 10_000);
    const holder = track(limiter);
    await holder.done;
    const queued = track(limiter);
    const shuttingDown = new ToolError('unavailable', 'The server is shutting down.');
    limiter.close(shuttingDown);
    await queued.done;
    expect(queued.error).toBe(shuttingDown);
    const later = track(limiter);
    await later.done;
    expect(later.error).toBe(shuttingDown);

    expect(limiter.active).toBe(1);
    const idle = limiter.idle(10_000);
    holder.release!();
    holder.release!(); // a second release is a no-op
    expect(await idle).toBe(true);
    expect(limiter.active).toBe(0);
  });
});

describe('tool calls and the concurrency limit', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('keeps the slot of a call answered "outcome unknown" until its work really ends', async () => {
    const events: string[] = [];
    const readOnly = {
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    };
    // Ignores its signal on purpose: work that will not stop when told to.
    const stubborn = defineTool({
      name: 'stubborn',
      description: 'Works for a fixed time whatever happens.',
      input: z.object({ ms: z.number().int() }),
      output: z.object({}),
      annotations: readOnly,
      effects: 'none',
      async handler(input) {
        await new Promise((r) => setTimeout(r, input.ms));
        events.push('stubborn ended');
        return { data: {}, text: 'done' };
      },
    });
    const quick = defineTool({
      name: 'quick',
      description: 'Returns at once.',
      input: z.object({}),
      output: z.object({}),
      annotations: readOnly,
      effects: 'none',
      handler() {
        events.push('quick started');
        return Promise.resolve({ data: {}, text: 'done' });
      },
    });
    const app: AppDefinition<object> = { name: 'slots', version: '0', tools: [stubborn, quick] };
    const runtime = createTestRuntime({
      app,
      db: testDb.db,
      deps: {},
      maxConcurrentCalls: 1,
      options: { toolTimeoutMs: 200 },
    });
    const client = await connectClient(runtime, { era: 'modern' });
    try {
      // The deadline passes at 0.2 s and the wrapper gives up waiting 5 s later, well before the
      // handler's 7 s are over.
      const abandoned = await client.callTool('stubborn', { ms: 7_000 });
      expect(abandoned.structuredContent!.error).toMatchObject({
        code: 'timeout',
        message: expect.stringMatching(/not known whether/),
      });
      // The only slot still belongs to the abandoned work: the next call waits for it and gives up.
      const refused = await client.callTool('quick', {});
      expect(refused.structuredContent!.error).toMatchObject({ retryable: true });
      expect(events).toEqual([]);
      await vi.waitFor(() => expect(events).toEqual(['stubborn ended']), { timeout: 10_000 });
      const next = await client.callTool('quick', {});
      expect(next.isError).toBeFalsy();
      expect(events).toEqual(['stubborn ended', 'quick started']);
    } finally {
      await client.close();
    }
  }, 30_000);
});
