import { idempotencyKey, type ToolAnnotations } from '@bounded/core';
import { z } from 'zod';
import { applyPowerChange, EC2_ACTION, planPowerChange, type PowerAction } from '../power-change.js';
import { defineCloudTool } from './define-cloud-tool.js';
import { environmentName, OperationOut, operationOut } from './shapes.js';

interface PowerToolSpec {
  name: string;
  title: string;
  description: string;
  action: PowerAction;
  destructiveHint: boolean;
  scope: 'cloud:write' | 'cloud:destroy';
  /** Check the IAM permission with a DryRun and ask the person before acting. */
  confirm: boolean;
}

/** One tool that stops, starts or terminates a whole environment; the three differ only in what `spec` says. */
export function environmentPowerTool(spec: PowerToolSpec) {
  const annotations: ToolAnnotations = {
    readOnlyHint: false,
    destructiveHint: spec.destructiveHint,
    idempotentHint: true,
    openWorldHint: true,
  };
  return defineCloudTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    input: z.object({
      environment: environmentName,
      idempotency_key: idempotencyKey(),
      ...(spec.confirm
        ? {
            confirmed: z
              .boolean()
              .optional()
              .describe(
                'Only if the operator allows model-confirmed calls and the person approved this call.',
              ),
          }
        : {}),
    }),
    output: z.object({
      operation: OperationOut,
      acted_on: z.array(z.string()).describe('Instances EC2 was asked to change; others were already there.'),
    }),
    annotations,
    effects: 'phased',
    scopes: [spec.scope],
    async handler(input, ctx) {
      const plan = await planPowerChange(ctx.db, ctx.deps, input.environment, spec.action, ctx.signal);
      if (spec.confirm && plan.actOn.length > 0) {
        // A missing IAM permission is reported before the person is asked to approve anything.
        await ctx.deps.ec2.checkPermission(
          plan.environment.region,
          { action: EC2_ACTION[spec.action], ids: plan.actOn },
          ctx.signal,
        );
        await ctx.confirm(
          `${spec.title}: ${input.environment} (${plan.actOn.length} instance(s): ${plan.actOn.join(', ')}). This cannot be undone.`,
        );
      }
      const operation = await applyPowerChange(
        ctx.db,
        ctx.deps,
        plan,
        { principal: ctx.principal.id, triggeredBy: 'tool' },
        ctx.signal,
        ctx.phase,
      );
      const acted =
        plan.actOn.length > 0
          ? `asked EC2 to ${spec.action} ${plan.actOn.join(', ')}`
          : `every instance was already ${operation.targetState} or on its way`;
      return {
        data: { operation: operationOut(operation), acted_on: plan.actOn },
        text: `${spec.title} ${input.environment}: ${acted}. Operation ${operation.id}: follow it with get_operation_status.`,
      };
    },
  });
}
