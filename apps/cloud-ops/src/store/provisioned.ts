import type { Database, ToolErrorBody } from '@bounded/core';
import { recordInstances, setEnvironmentStatus } from './environments.js';
import { recordLaunch, settleOperation } from './operations.js';

/** Records what RunInstances returned on the environment and its operation; safe to repeat. */
export async function recordProvisioned(
  db: Database,
  ids: { environmentId: string; operationId: string },
  launched: { reservationId: string; instanceIds: string[] },
): Promise<void> {
  await db.transaction(async (tx) => {
    await recordLaunch(tx, ids.operationId, launched.reservationId, launched.instanceIds);
    await recordInstances(tx, ids.environmentId, launched.instanceIds);
  });
}

/** EC2 definitely launched nothing: the operation fails and the environment frees its name and its share of the limits. */
export async function recordLaunchFailed(
  db: Database,
  ids: { environmentId: string; operationId: string },
  error: ToolErrorBody,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (await settleOperation(tx, ids.operationId, 'failed', error)) {
      await setEnvironmentStatus(tx, ids.environmentId, 'failed');
    }
  });
}
