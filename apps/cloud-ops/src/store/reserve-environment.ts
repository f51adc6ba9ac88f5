import { ToolError, type Database } from '@bounded/core';
import { evaluateLaunch, type LaunchPlan, type LaunchVerdict, type Policy } from '../domain/policy.js';
import { findEnvironmentByName, insertEnvironment, LIVE_STATUSES } from './environments.js';
import { fleetUsage } from './fleet-usage.js';
import { newId } from './ids.js';
import { takeLaunchQuota } from './launch-quota.js';
import { insertOperation } from './operations.js';

export interface EnvironmentRequest extends LaunchPlan {
  imageId: string;
  subnetId: string | undefined;
  tags: Record<string, string>;
  expiresAt: Date | undefined;
}

export interface Reservation {
  environmentId: string;
  operationId: string;
  hourlyMicroUsd: number;
}

// One lock for every check-then-insert on the fleet, so two launches cannot both fit under a
// limit that only one of them fits under. Held for one short transaction.
const FLEET_LOCK = 'select pg_advisory_xact_lock(7243810021)';

/** The policy verdict for a plan against the fleet as it is now, without reserving anything. */
export async function checkLaunch(db: Database, policy: Policy, plan: LaunchPlan): Promise<LaunchVerdict> {
  return evaluateLaunch(policy, plan, await fleetUsage(db));
}

/**
 * Checks the plan against the policy, the name against live environments and the principal's
 * launch allowance, then records the environment and its provision operation (with the EC2
 * client token) — all in one transaction, before anything is sent to EC2.
 */
export async function reserveEnvironment(
  db: Database,
  policy: Policy,
  request: EnvironmentRequest,
  principal: string,
  clientToken: string,
  signal: AbortSignal,
): Promise<Reservation> {
  return db.transaction(
    async (tx) => {
      await tx.query(FLEET_LOCK);
      const verdict = evaluateLaunch(policy, request, await fleetUsage(tx));
      if (!verdict.allowed) throw policyRefusal(verdict);
      const existing = await findEnvironmentByName(tx, request.environment);
      if (existing && LIVE_STATUSES.includes(existing.status)) {
        throw new ToolError(
          'conflict',
          `Environment ${request.environment} already exists (${existing.status}).`,
          {
            hint: 'Pick another name, or terminate the existing environment first.',
            details: { environment_id: existing.id },
          },
        );
      }
      const quota = await takeLaunchQuota(
        tx,
        principal,
        request.count,
        policy.launches_per_hour_per_principal,
      );
      if (!quota.granted) {
        throw new ToolError(
          'rate_limited',
          `Launching ${request.count} more instance(s) would exceed your allowance of ${policy.launches_per_hour_per_principal} per hour (${quota.used} used).`,
          {
            hint: `Retry after ${quota.resetsAt.toISOString()} with the same idempotency_key.`,
            details: {
              used: quota.used,
              limit: policy.launches_per_hour_per_principal,
              resets_at: quota.resetsAt.toISOString(),
            },
          },
        );
      }
      const environmentId = newId('env');
      const operationId = newId('op');
      await insertEnvironment(tx, {
        id: environmentId,
        name: request.environment,
        region: request.region,
        instanceType: request.instanceType,
        instanceCount: request.count,
        imageId: request.imageId,
        subnetId: request.subnetId,
        tags: request.tags,
        expiresAt: request.expiresAt,
        createdBy: principal,
      });
      await insertOperation(tx, {
        id: operationId,
        environmentId,
        kind: 'provision',
        targetState: 'running',
        clientToken,
        principal,
      });
      return { environmentId, operationId, hourlyMicroUsd: verdict.hourlyMicroUsd };
    },
    { signal },
  );
}

/** The error a refused plan gets: every broken rule, so the model can fix them all at once. */
export function policyRefusal(verdict: LaunchVerdict): ToolError {
  return new ToolError(
    'precondition_failed',
    `Policy refuses this launch: ${verdict.violations.map((v) => v.message).join(' ')} Nothing was launched.`,
    {
      hint: 'Change the plan to fit the policy (call provision_environment with dry_run: true to check), or ask the operator to change the policy.',
      details: { violations: verdict.violations },
    },
  );
}
