import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { advanceOperation, type OperationSnapshot } from '../advance-operation.js';
import { defineCloudTool } from './define-cloud-tool.js';
import { OperationOut, operationId, operationOut } from './shapes.js';

const POLL_MS = 1_000;
const MAX_WAIT_SECONDS = 25;

export const getOperationStatus = defineCloudTool({
  name: 'get_operation_status',
  title: 'Get operation status',
  description:
    'State, instances and progress of an operation. wait_seconds (at most ' +
    `${MAX_WAIT_SECONDS}) waits for it to finish, sending progress notifications; call again while it is in_progress.`,
  input: z.object({
    operation_id: operationId,
    wait_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_WAIT_SECONDS)
      .default(0)
      .describe(`Wait up to this many seconds (0–${MAX_WAIT_SECONDS}) for the operation to finish.`),
  }),
  output: z.object({
    operation: OperationOut,
    progress: z.object({ done: z.number().int(), total: z.number().int() }),
    instances: z.array(z.object({ instance_id: z.string(), state: z.string() })),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  effects: 'none',
  scopes: ['cloud:read'],
  async handler(input, ctx) {
    const deadline = Date.now() + input.wait_seconds * 1000;
    let snapshot: OperationSnapshot;
    for (;;) {
      snapshot = await advanceOperation(ctx.db, ctx.deps, input.operation_id, ctx.signal);
      const { done, total } = snapshot.progress;
      await ctx.progress(done, total, `${done} of ${total} instance(s) ${snapshot.operation.targetState}`);
      if (snapshot.operation.status !== 'in_progress' || Date.now() + POLL_MS > deadline) break;
      await delay(POLL_MS, undefined, { signal: ctx.signal });
    }
    const { operation, progress, instances } = snapshot;
    const states = instances.slice(0, 100).map((i) => ({ instance_id: i.id, state: i.state }));
    return {
      data: {
        operation: operationOut(operation),
        progress: { done: progress.done, total: progress.total },
        instances: states,
      },
      text: statusText(snapshot),
    };
  },
});

function statusText({ operation, progress, instances }: OperationSnapshot): string {
  const head = `Operation ${operation.id} (${operation.kind} ${operation.environmentName})`;
  if (operation.status === 'failed')
    return `${head} failed: ${operation.error?.message ?? 'no reason recorded'}`;
  if (operation.status === 'succeeded') {
    return `${head} succeeded: ${progress.total} instance(s) ${operation.targetState}.`;
  }
  if (operation.instanceIds.length === 0) {
    return `${head} is in progress but its launch is not confirmed yet. If the provision call failed, retry it with the same idempotency_key: it resumes without launching twice.`;
  }
  const byState = new Map<string, number>();
  for (const i of instances) byState.set(i.state, (byState.get(i.state) ?? 0) + 1);
  const counts = [...byState].map(([state, n]) => `${n} ${state}`).join(', ');
  return `${head} is in progress: ${progress.done} of ${progress.total} ${operation.targetState} (${counts}). Call again with wait_seconds to keep following it.`;
}
