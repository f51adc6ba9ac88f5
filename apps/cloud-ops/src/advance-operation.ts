import { ToolError, type Database } from '@bounded/core';
import type { CloudOpsDeps } from './config.js';
import { operationProgress, settledStatus, type OperationProgress } from './domain/operation-progress.js';
import type { InstanceView } from './ec2/instance-view.js';
import { setEnvironmentStatus } from './store/environments.js';
import { findOperation, settleOperation, type Operation } from './store/operations.js';

export interface OperationSnapshot {
  operation: Operation;
  instances: InstanceView[];
  progress: OperationProgress;
}

/**
 * Looks at an operation's instances in EC2 and settles the operation when they all reached the
 * target (or one never can). Any replica may do this at any time: settling is a conditional
 * update, so concurrent observers agree on one outcome.
 */
export async function advanceOperation(
  db: Database,
  deps: CloudOpsDeps,
  operationId: string,
  signal: AbortSignal,
): Promise<OperationSnapshot> {
  const operation = await findOperation(db, operationId);
  if (!operation) {
    throw new ToolError('not_found', `No operation ${operationId}.`, {
      hint: 'Use the operation_id a provision, stop, start or terminate call returned.',
    });
  }
  if (operation.instanceIds.length === 0) {
    return { operation, instances: [], progress: { done: 0, total: 0, failure: undefined } };
  }
  const { instances } = await deps.ec2.describeAll(
    operation.region,
    { ids: operation.instanceIds },
    1000,
    signal,
  );
  const states = new Map(instances.map((i) => [i.id, i.state]));
  const progress = operationProgress(operation.targetState, operation.instanceIds, states);
  if (operation.status !== 'in_progress') return { operation, instances, progress };

  if (progress.failure !== undefined || progress.done === progress.total) {
    const failed = progress.failure !== undefined;
    await db.transaction(async (tx) => {
      const error = failed
        ? new ToolError(
            'precondition_failed',
            `Operation ${operation.id} failed: ${progress.failure}`,
          ).toBody()
        : undefined;
      if (await settleOperation(tx, operation.id, failed ? 'failed' : 'succeeded', error)) {
        const now = operation.instanceIds.map((id) => states.get(id) ?? 'terminated');
        await setEnvironmentStatus(tx, operation.environmentId, settledStatus(now));
      }
    });
    return { operation: (await findOperation(db, operationId))!, instances, progress };
  }
  return { operation, instances, progress };
}
