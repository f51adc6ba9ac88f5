import { idempotencyKey, ToolError } from '@bounded/core';
import { z } from 'zod';
import { clockOf } from '../config.js';
import { formatMicroUsd } from '../domain/prices.js';
import { launchTags, UserTags } from '../domain/tags.js';
import type { LaunchRequest } from '../ec2/gateway.js';
import { findOperation } from '../store/operations.js';
import { recordLaunchFailed, recordProvisioned } from '../store/provisioned.js';
import { checkLaunch, policyRefusal, reserveEnvironment } from '../store/reserve-environment.js';
import { defineCloudTool } from './define-cloud-tool.js';
import { checkEc2Permission, Ec2PermissionOut } from './ec2-permission.js';
import { Cost, cost, environmentName, OperationOut, operationOut, regionInput } from './shapes.js';

// EC2 refusals after which nothing was launched and a retry with the same request cannot succeed.
const DEFINITE_REFUSALS = new Set(['invalid_argument', 'not_found', 'conflict', 'permission_denied']);

export const provisionEnvironment = defineCloudTool({
  name: 'provision_environment',
  title: 'Provision an environment',
  description:
    'Launches a new environment: `count` EC2 instances of one type from one image, tagged as managed here. The operator ' +
    'policy (types, regions, counts, hourly cost, launches per hour) is checked first; a refused plan launches nothing. ' +
    "dry_run: true returns the cost, the policy verdict and EC2's DryRun permission check without launching. Returns an " +
    'operation at once: follow it with get_operation_status. With ttl_hours the environment is stopped or terminated ' +
    '(policy decides) when it expires. Reusing the idempotency_key never launches a second set. Does not resize.',
  input: z.object({
    environment: environmentName,
    instance_type: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'an EC2 instance type such as t3.micro')
      .max(32)
      .describe('EC2 instance type, e.g. t3.micro; the policy lists the allowed ones.'),
    count: z.number().int().min(1).max(100).describe('Number of instances (the policy caps this lower).'),
    image_id: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, 'an AMI id such as ami-0123456789abcdef0')
      .describe('AMI id to launch.'),
    subnet_id: z
      .string()
      .regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id such as subnet-0123456789abcdef0')
      .optional()
      .describe("Subnet to launch into; the account's default subnet when omitted."),
    region: regionInput,
    tags: UserTags.default({}).describe('Extra tags (at most 40; values ≤ 256 characters).'),
    ttl_hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 365)
      .optional()
      .describe('Hours until the environment is stopped or terminated automatically.'),
    dry_run: z.boolean().default(false).describe('Check and price the plan without launching anything.'),
    idempotency_key: idempotencyKey(),
  }),
  output: z.object({
    dry_run: z.boolean(),
    cost: Cost,
    policy: z.object({
      allowed: z.boolean(),
      violations: z.array(z.object({ rule: z.string(), message: z.string() })),
    }),
    ec2_permission: Ec2PermissionOut.nullable().describe('EC2 DryRun result (dry runs only).'),
    operation: OperationOut.nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  effects: 'phased',
  scopes: ['cloud:write'],
  async handler(input, ctx) {
    const { policy, config, ec2 } = ctx.deps;
    const region = input.region ?? config.AWS_REGION;
    const plan = {
      environment: input.environment,
      region,
      instanceType: input.instance_type,
      count: input.count,
      ttlHours: input.ttl_hours,
    };
    const launch: Omit<LaunchRequest, 'clientToken'> = {
      imageId: input.image_id,
      instanceType: input.instance_type,
      count: input.count,
      subnetId: input.subnet_id,
      tags: launchTags(input.environment, 'dry-run', input.tags, undefined),
    };
    const verdict = await checkLaunch(ctx.db, policy, plan);
    const shape = {
      cost: cost(verdict.hourlyMicroUsd),
      policy: { allowed: verdict.allowed, violations: verdict.violations },
    };
    const summary = `${input.count} × ${input.instance_type} in ${region}, about ${formatMicroUsd(verdict.hourlyMicroUsd)}/h`;
    if (input.dry_run) {
      // EC2 is asked only about plans the policy allows: a refused plan sends nothing anywhere.
      const permission = verdict.allowed
        ? await checkEc2Permission(ec2, region, { action: 'RunInstances', launch }, ctx.signal)
        : null;
      const verdictText = verdict.allowed
        ? `Policy allows it; EC2 DryRun: ${permission!.allowed ? 'permitted' : permission!.message}`
        : `Policy refuses it: ${verdict.violations.map((v) => v.message).join(' ')}`;
      return {
        data: { dry_run: true, ...shape, ec2_permission: permission, operation: null },
        text: `Dry run for ${input.environment}: ${summary}. ${verdictText} Nothing was launched.`,
      };
    }
    if (!verdict.allowed) throw policyRefusal(verdict);

    const phase = ctx.phase!;
    // A missing IAM permission shows up here, before anything is recorded or launched.
    await phase.step('permission-check', () =>
      ec2.checkPermission(region, { action: 'RunInstances', launch }, ctx.signal),
    );
    // The client token is on record (with the environment and its operation) before RunInstances.
    const reserved = await phase.step('reserve', async () => {
      const expiresAt =
        input.ttl_hours === undefined
          ? undefined
          : new Date(clockOf(ctx.deps).getTime() + input.ttl_hours * 3_600_000);
      const reservation = await reserveEnvironment(
        ctx.db,
        policy,
        { ...plan, imageId: input.image_id, subnetId: input.subnet_id, tags: input.tags, expiresAt },
        ctx.principal.id,
        phase.clientToken,
        ctx.signal,
      );
      return { ...reservation, expiresAt: expiresAt?.toISOString() ?? null };
    });
    const launched = await phase.step('run-instances', async () => {
      const earlier = await findOperation(ctx.db, reserved.operationId);
      if (earlier?.status === 'failed') {
        throw new ToolError(
          'conflict',
          `This launch failed earlier: ${earlier.error?.message ?? 'EC2 refused it'}`,
          {
            hint: 'Fix the request and use a new idempotency_key.',
            details: { operation_id: earlier.id },
          },
        );
      }
      const expiresAt = reserved.expiresAt === null ? undefined : new Date(reserved.expiresAt);
      try {
        // Every parameter comes from the input or the recorded reservation, so a resumed call sends
        // EC2 exactly the same request with the same token, and EC2 returns the same reservation.
        const result = await ec2.runInstances(
          region,
          {
            ...launch,
            tags: launchTags(input.environment, reserved.operationId, input.tags, expiresAt),
            clientToken: phase.clientToken,
          },
          ctx.signal,
        );
        return { reservationId: result.reservationId, instanceIds: result.instances.map((i) => i.id) };
      } catch (error) {
        if (error instanceof ToolError && DEFINITE_REFUSALS.has(error.code)) {
          await recordLaunchFailed(ctx.db, reserved, error.toBody());
        }
        throw error;
      }
    });
    await recordProvisioned(ctx.db, reserved, launched);
    const operation = await findOperation(ctx.db, reserved.operationId);
    return {
      data: { dry_run: false, ...shape, ec2_permission: null, operation: operationOut(operation!) },
      text:
        `Launching ${input.environment}: ${summary} (${launched.instanceIds.join(', ')}). ` +
        `Operation ${reserved.operationId} is in progress: call get_operation_status with wait_seconds to follow it.`,
    };
  },
});
