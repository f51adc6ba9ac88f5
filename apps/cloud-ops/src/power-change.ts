import { ToolError, type Database, type Phase } from '@bounded/core';
import type { CloudOpsDeps } from './config.js';
import { isProtected } from './domain/policy.js';
import { hasProtectionTag, isManaged, TAG } from './domain/tags.js';
import type { InstanceView } from './ec2/instance-view.js';
import { findEnvironmentByName, setEnvironmentStatus, type Environment } from './store/environments.js';
import { newId } from './store/ids.js';
import { findOperation, insertOperation, type Operation } from './store/operations.js';

export type PowerAction = 'stop' | 'start' | 'terminate';

export const EC2_ACTION = {
  stop: 'StopInstances',
  start: 'StartInstances',
  terminate: 'TerminateInstances',
} as const;

const TARGET = { stop: 'stopped', start: 'running', terminate: 'terminated' } as const;
const TRANSITIONAL = { stop: 'stopping', start: 'starting', terminate: 'terminating' } as const;
// The instance states each action changes; instances already past them are left alone.
const ACTS_ON: Record<PowerAction, readonly string[]> = {
  stop: ['pending', 'running'],
  start: ['stopped'],
  terminate: ['pending', 'running', 'stopping', 'stopped'],
};

export interface PowerPlan {
  action: PowerAction;
  environment: Environment;
  instances: InstanceView[];
  /** The instances EC2 will be asked to change. */
  actOn: string[];
}

/**
 * Everything that must hold before an environment's instances are stopped, started or
 * terminated: it exists, it is not protected (by policy or tag: both checked before EC2 is
 * asked anything), and every instance still carries this server's tag.
 */
export async function planPowerChange(
  db: Database,
  deps: CloudOpsDeps,
  name: string,
  action: PowerAction,
  signal: AbortSignal,
): Promise<PowerPlan> {
  const environment = await findEnvironmentByName(db, name);
  if (!environment) {
    throw new ToolError('not_found', `No environment named ${name}.`, {
      hint: 'Environments are created with provision_environment; list_instances shows each instance with its environment.',
      transient: true,
    });
  }
  if (environment.status === 'terminated' || environment.status === 'failed') {
    throw new ToolError(
      'precondition_failed',
      `Environment ${name} is ${environment.status}; there is nothing to ${action}.`,
      {
        transient: true,
      },
    );
  }
  if (isProtected(deps.policy, name) || hasProtectionTag(environment.tags)) {
    throw protectedError(
      name,
      isProtected(deps.policy, name) ? 'the policy protects it' : `it carries the ${TAG.protected} tag`,
      action,
    );
  }
  if (environment.instanceIds.length === 0) {
    throw new ToolError('precondition_failed', `Environment ${name} has no confirmed instances yet.`, {
      hint: 'Its provision operation is still in progress: follow it with get_operation_status, or retry provision_environment with its idempotency_key.',
      transient: true,
    });
  }
  const { instances } = await deps.ec2.describeAll(
    environment.region,
    { ids: environment.instanceIds },
    1000,
    signal,
  );
  const foreign = instances.filter((i) => !isManaged(i.tags) || i.tags[TAG.environment] !== name);
  if (foreign.length > 0) {
    throw new ToolError(
      'permission_denied',
      `Instance(s) ${foreign.map((i) => i.id).join(', ')} no longer carry this server's tags for ${name}; only instances this server manages can be changed.`,
      {
        hint: 'Someone changed their tags outside this server; ask the operator to check them.',
        transient: true,
      },
    );
  }
  const tagged = instances.filter((i) => hasProtectionTag(i.tags));
  if (tagged.length > 0) {
    throw protectedError(
      name,
      `instance(s) ${tagged.map((i) => i.id).join(', ')} carry the ${TAG.protected} tag`,
      action,
    );
  }
  const actOn = instances.filter((i) => ACTS_ON[action].includes(i.state)).map((i) => i.id);
  return { action, environment, instances, actOn };
}

/**
 * Records the operation, then asks EC2 to change the instances. Under a phase each part is a
 * recovery point, so a retry resumes instead of recording a second operation.
 */
export async function applyPowerChange(
  db: Database,
  deps: CloudOpsDeps,
  plan: PowerPlan,
  who: { principal: string; triggeredBy: 'tool' | 'ttl_sweep' },
  signal: AbortSignal,
  phase?: Phase,
): Promise<Operation> {
  const step = <T>(name: string, fn: () => Promise<T>) => (phase ? phase.step(name, fn) : fn());
  const { environment, action } = plan;
  const operationId = await step('record-operation', async () => {
    const id = newId('op');
    await db.transaction(async (tx) => {
      await insertOperation(tx, {
        id,
        environmentId: environment.id,
        kind: action,
        targetState: TARGET[action],
        instanceIds: environment.instanceIds,
        principal: who.principal,
        triggeredBy: who.triggeredBy,
      });
      await setEnvironmentStatus(tx, environment.id, TRANSITIONAL[action]);
    });
    return id;
  });
  await step(EC2_ACTION[action], async () => {
    if (plan.actOn.length > 0)
      await deps.ec2.changeState(environment.region, EC2_ACTION[action], plan.actOn, signal);
    return plan.actOn;
  });
  return (await findOperation(db, operationId))!;
}

function protectedError(name: string, why: string, action: PowerAction): ToolError {
  return new ToolError(
    'precondition_failed',
    `Environment ${name} is protected (${why}); it cannot be ${TARGET[action] === 'running' ? 'started' : TARGET[action]} through this server. Nothing was changed.`,
    {
      hint: 'Protected environments are changed by people through their own process, not here.',
    },
  );
}
