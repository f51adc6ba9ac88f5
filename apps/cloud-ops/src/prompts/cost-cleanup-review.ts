import { definePrompt } from '@bounded/core';
import { z } from 'zod';
import { EnvironmentName } from '../domain/tags.js';

export const costCleanupReview = definePrompt({
  name: 'cost_cleanup_review',
  title: 'Cost clean-up review',
  description:
    'Reviews the fleet for waste (idle, untagged, long-stopped, previous-generation, expired) and proposes changes for a person to approve.',
  args: z.object({
    environment: EnvironmentName.optional().describe('Limit the review to one environment'),
    monthly_target_usd: z
      .string()
      .regex(/^\d{1,9}(\.\d{1,2})?$/)
      .optional()
      .describe('Monthly spend to get under, in US dollars'),
  }),
  render({ environment, monthly_target_usd }) {
    const scope = environment ? `the environment ${environment}` : 'the whole fleet';
    return [
      `Review the EC2 cost of ${scope} and propose a clean-up.`,
      '',
      `1. Call get_fleet_report${environment ? ` with environment "${environment}"` : ''}. Note the running cost, the price table's date, and every clean-up candidate.`,
      '2. For untagged and long-stopped instances, call list_instances to see what they are; say who might own each (Name tag, environment).',
      '3. For previous-generation types, give the suggested successor and the hourly saving from the report.',
      '4. For environments this server manages, read cloud-ops://environments/{name} to see TTLs and recent operations.',
      monthly_target_usd
        ? `5. Rank the proposals by monthly saving until the total is under $${monthly_target_usd}/month.`
        : '5. Rank the proposals by monthly saving.',
      '6. Present a table: instance or environment, what to do (stop, terminate, resize, tag), monthly saving, risk.',
      '',
      'Change nothing yet. Only after the person approves a line, act on it with stop_environment or terminate_environment (managed environments only), each with a fresh idempotency_key. Instances this server does not manage are for their owners to change.',
    ].join('\n');
  },
});
