import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_POLICY, PolicyFile, type Policy } from './domain/policy.js';
import type { Ec2Gateway } from './ec2/gateway.js';

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** Environment of the cloud-ops server (AWS credentials are the SDK's own: env, profile, or role). */
export const CloudOpsConfig = z.object({
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
    .default('us-east-1')
    .describe('Region the server works in (default us-east-1).'),
  EC2_ENDPOINT: z
    .string()
    .url()
    .optional()
    .describe('EC2 endpoint override, e.g. a standalone ec2-sandbox or moto_server.'),
  CLOUD_OPS_SANDBOX: bool
    .optional()
    .describe(
      'true (--sandbox): EC2 calls go to the embedded sandbox; false: always to AWS; unset: to the sandbox only when no AWS credentials are configured.',
    ),
  CLOUD_OPS_POLICY_FILE: z.string().min(1).optional().describe('Path of the policy file (JSON).'),
  CLOUD_OPS_TTL_SWEEP_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(60)
    .describe('How often environments past their TTL are stopped or terminated; 0 turns the sweep off here.'),
  CLOUD_OPS_EC2_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(8)
    .describe('Attempts per EC2 call for throttling and 5xx (backoff with jitter between them).'),
  CLOUD_OPS_LONG_STOPPED_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(7)
    .describe('The fleet report flags instances stopped for longer than this.'),
});

export type CloudOpsConfigValues = z.output<typeof CloudOpsConfig>;

export interface CloudOpsDeps {
  config: CloudOpsConfigValues;
  policy: Policy;
  ec2: Ec2Gateway;
  /** The clock; tests pin it. */
  now?: () => Date;
}

/** Reads the policy file, or the default policy without one; a bad file stops start-up with its first problem. */
export function loadPolicy(path: string | undefined): Policy {
  if (path === undefined) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Invalid CLOUD_OPS_POLICY_FILE ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = PolicyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `Invalid CLOUD_OPS_POLICY_FILE ${path}: ${issue.path.join('.') || '(file)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

export function clockOf(deps: CloudOpsDeps): Date {
  return deps.now?.() ?? new Date();
}
