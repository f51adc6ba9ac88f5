import { ToolError } from '@bounded/core';
import { z } from 'zod';
import type { DryRunRequest, Ec2Gateway } from '../ec2/gateway.js';

export const Ec2PermissionOut = z.object({
  action: z.string().describe('The IAM action checked, e.g. ec2:RunInstances.'),
  allowed: z.boolean(),
  message: z.string(),
});

/** EC2's DryRun verdict as data: a missing permission is an answer here, not a failure. */
export async function checkEc2Permission(
  ec2: Ec2Gateway,
  region: string,
  request: DryRunRequest,
  signal: AbortSignal,
): Promise<z.output<typeof Ec2PermissionOut>> {
  const action = `ec2:${request.action}`;
  try {
    await ec2.checkPermission(region, request, signal);
    return { action, allowed: true, message: `EC2 DryRun: this server may call ${action}.` };
  } catch (error) {
    if (error instanceof ToolError && error.code === 'permission_denied') {
      return { action, allowed: false, message: error.message };
    }
    throw error;
  }
}
