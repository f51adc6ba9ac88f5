import { z } from 'zod';
import { formatMicroUsd, hourlyMicroUsd, parseUsd } from './prices.js';

const usd = z
  .string()
  .transform((text, ctx) => {
    try {
      return parseUsd(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  })
  .describe('US dollars per hour, as a string such as "2.50".');

/** The operator's policy file (JSON): what the server lets any caller do, enforced before EC2 is called. */
export const PolicyFile = z
  .object({
    allowed_instance_types: z.array(z.string().min(1)).min(1),
    allowed_regions: z.array(z.string().min(1)).min(1),
    max_instances_per_environment: z.number().int().min(1).max(1000),
    max_instances_total: z.number().int().min(1).max(100_000),
    max_hourly_cost_per_environment_usd: usd,
    max_hourly_cost_total_usd: usd,
    /** Environment names (with `*` wildcards) that can never be stopped or terminated through this server. */
    protected_environments: z.array(z.string().min(1)).default([]),
    /** What the TTL sweep does to an environment past its TTL. */
    ttl_action: z.enum(['stop', 'terminate']).default('stop'),
    max_ttl_hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 365)
      .optional(),
    /** Instances one principal may launch per rolling hour, across every replica. */
    launches_per_hour_per_principal: z.number().int().min(1).max(100_000).default(20),
  })
  .strict();

export type Policy = z.output<typeof PolicyFile>;

/** The policy a server runs with when the operator gives none: small, cheap, non-production. */
export const DEFAULT_POLICY: Policy = PolicyFile.parse({
  allowed_instance_types: [
    't3.nano',
    't3.micro',
    't3.small',
    't3.medium',
    't4g.micro',
    't4g.small',
    'm5.large',
  ],
  allowed_regions: ['us-east-1'],
  max_instances_per_environment: 5,
  max_instances_total: 20,
  max_hourly_cost_per_environment_usd: '0.50',
  max_hourly_cost_total_usd: '2.00',
  protected_environments: ['prod', 'prod-*', 'production*'],
  ttl_action: 'stop',
  max_ttl_hours: 24 * 7,
  launches_per_hour_per_principal: 20,
});

/** What the fleet already holds, as this server's records count it (every non-terminated environment). */
export interface FleetUsage {
  instances: number;
  hourlyMicroUsd: number;
}

export interface LaunchPlan {
  environment: string;
  region: string;
  instanceType: string;
  count: number;
  ttlHours?: number | undefined;
}

export interface Violation {
  rule: string;
  message: string;
}

export interface LaunchVerdict {
  allowed: boolean;
  violations: Violation[];
  /** Estimated hourly cost of the plan in micro-USD. */
  hourlyMicroUsd: number;
}

/** Checks a launch against the policy and the current fleet; every broken rule is named, not just the first. */
export function evaluateLaunch(policy: Policy, plan: LaunchPlan, fleet: FleetUsage): LaunchVerdict {
  const violations: Violation[] = [];
  const unitPrice = hourlyMicroUsd(plan.instanceType);
  const hourly = (unitPrice ?? 0) * plan.count;
  if (!policy.allowed_regions.includes(plan.region)) {
    violations.push({
      rule: 'allowed_regions',
      message: `Region ${plan.region} is not allowed; allowed: ${policy.allowed_regions.join(', ')}.`,
    });
  }
  if (!policy.allowed_instance_types.includes(plan.instanceType)) {
    violations.push({
      rule: 'allowed_instance_types',
      message: `Instance type ${plan.instanceType} is not allowed; allowed: ${policy.allowed_instance_types.join(', ')}.`,
    });
  } else if (unitPrice === undefined) {
    // An allowed type the price table does not know would make every cost limit meaningless.
    violations.push({
      rule: 'price_table',
      message: `Instance type ${plan.instanceType} has no price in the price table, so its cost cannot be checked.`,
    });
  }
  if (isProtected(policy, plan.environment)) {
    violations.push({
      rule: 'protected_environments',
      message: `Environment ${plan.environment} is protected; it cannot be provisioned or changed through this server.`,
    });
  }
  if (plan.count > policy.max_instances_per_environment) {
    violations.push({
      rule: 'max_instances_per_environment',
      message: `${plan.count} instances exceed the limit of ${policy.max_instances_per_environment} per environment.`,
    });
  }
  if (fleet.instances + plan.count > policy.max_instances_total) {
    violations.push({
      rule: 'max_instances_total',
      message: `The fleet would hold ${fleet.instances + plan.count} instances (${fleet.instances} now + ${plan.count}); the limit is ${policy.max_instances_total}.`,
    });
  }
  if (hourly > policy.max_hourly_cost_per_environment_usd) {
    violations.push({
      rule: 'max_hourly_cost_per_environment',
      message: `The environment would cost ${formatMicroUsd(hourly)}/h; the limit is ${formatMicroUsd(policy.max_hourly_cost_per_environment_usd)}/h.`,
    });
  }
  if (fleet.hourlyMicroUsd + hourly > policy.max_hourly_cost_total_usd) {
    violations.push({
      rule: 'max_hourly_cost_total',
      message: `The fleet would cost ${formatMicroUsd(fleet.hourlyMicroUsd + hourly)}/h (${formatMicroUsd(fleet.hourlyMicroUsd)}/h now); the limit is ${formatMicroUsd(policy.max_hourly_cost_total_usd)}/h.`,
    });
  }
  if (
    plan.ttlHours !== undefined &&
    policy.max_ttl_hours !== undefined &&
    plan.ttlHours > policy.max_ttl_hours
  ) {
    violations.push({
      rule: 'max_ttl_hours',
      message: `A TTL of ${plan.ttlHours} h exceeds the limit of ${policy.max_ttl_hours} h.`,
    });
  }
  return { allowed: violations.length === 0, violations, hourlyMicroUsd: hourly };
}

/** True when the policy names the environment (exactly or through a `*` pattern) as protected. */
export function isProtected(policy: Policy, environment: string): boolean {
  return policy.protected_environments.some((pattern) => globToRegExp(pattern).test(environment));
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}
