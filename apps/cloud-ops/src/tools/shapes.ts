import { z } from 'zod';
import { formatMicroUsd, HOURS_PER_MONTH } from '../domain/prices.js';
import { EnvironmentName, isManaged, TAG } from '../domain/tags.js';
import type { InstanceView } from '../ec2/instance-view.js';
import { ID_PATTERN } from '../store/ids.js';
import type { Operation } from '../store/operations.js';

export const environmentName = EnvironmentName.describe('Environment name, e.g. "review-1234".');

export const regionInput = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
  .optional()
  .describe("AWS region; default the server's.");

export const operationId = z
  .string()
  .regex(ID_PATTERN.op, 'an operation id such as op_0123456789abcdef')
  .describe('Operation id returned by a state-changing tool (op_…).');

export const instanceState = z.enum([
  'pending',
  'running',
  'stopping',
  'stopped',
  'shutting-down',
  'terminated',
]);

export const Cost = z.object({
  hourly_micro_usd: z.number().int().describe('Millionths of a USD per hour.'),
  hourly: z.string(),
  monthly: z.string().describe(`${HOURS_PER_MONTH} hours.`),
});

/** An hourly price in micro-USD, with its formatted hourly and monthly forms. */
export function cost(hourlyMicro: number): z.output<typeof Cost> {
  return {
    hourly_micro_usd: hourlyMicro,
    hourly: formatMicroUsd(hourlyMicro),
    monthly: formatMicroUsd(hourlyMicro * HOURS_PER_MONTH),
  };
}

export const InstanceOut = z.object({
  instance_id: z.string(),
  name: z.string().nullable().describe('Name tag.'),
  environment: z.string().nullable(),
  instance_type: z.string(),
  state: z.string(),
  managed: z.boolean().describe('Launched by this server; only these can be changed.'),
  launched_at: z.string().nullable(),
  private_ip: z.string().nullable(),
});

export function instanceOut(instance: InstanceView): z.output<typeof InstanceOut> {
  return {
    instance_id: instance.id,
    name: instance.tags.Name ?? null,
    environment: instance.tags[TAG.environment] ?? null,
    instance_type: instance.type,
    state: instance.state,
    managed: isManaged(instance.tags),
    launched_at: instance.launchedAt ?? null,
    private_ip: instance.privateIp ?? null,
  };
}

export const OperationOut = z.object({
  operation_id: z.string(),
  kind: z.enum(['provision', 'stop', 'start', 'terminate']),
  environment: z.string(),
  status: z.enum(['in_progress', 'succeeded', 'failed']),
  target_state: z.enum(['running', 'stopped', 'terminated']),
  instance_ids: z.array(z.string()),
  error: z.string().nullable(),
});

export function operationOut(op: Operation): z.output<typeof OperationOut> {
  return {
    operation_id: op.id,
    kind: op.kind,
    environment: op.environmentName,
    status: op.status,
    target_state: op.targetState,
    instance_ids: op.instanceIds,
    error: op.error ? `${op.error.code}: ${op.error.message}` : null,
  };
}
