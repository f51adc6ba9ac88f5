import { z } from 'zod';
import { clockOf } from '../config.js';
import { fleetReport, type Bucket } from '../domain/fleet-report.js';
import { formatMicroUsd, HOURS_PER_MONTH, PRICE_TABLE } from '../domain/prices.js';
import { TAG } from '../domain/tags.js';
import { stoppedSince } from '../store/stopped-since.js';
import { defineCloudTool } from './define-cloud-tool.js';
import { Cost, cost, environmentName, regionInput } from './shapes.js';

const MAX_INSTANCES = 5_000;
const LIST_CAP = 20;

const BucketOut = z.object({
  key: z.string(),
  instances: z.number().int(),
  running: z.number().int(),
  hourly_micro_usd: z.number().int(),
});

export const getFleetReport = defineCloudTool({
  name: 'get_fleet_report',
  title: 'Fleet report',
  description:
    'Summarises the EC2 fleet: counts by state, type and environment; estimated hourly and monthly cost of running ' +
    'instances (on-demand list prices; source and date in the result); clean-up candidates: untagged, long-stopped and ' +
    'previous-generation instances. Includes instances this server does not manage.',
  input: z.object({
    environment: environmentName.optional().describe('Only this environment.'),
    region: regionInput,
  }),
  output: z.object({
    region: z.string(),
    complete: z.boolean().describe(`False when only the first ${MAX_INSTANCES} instances were counted.`),
    total_instances: z.number().int(),
    managed_instances: z.number().int(),
    cost: Cost.describe('Running instances, on-demand list price.'),
    price_table: z.object({
      source: z.string(),
      as_of: z.string(),
      currency: z.string(),
    }),
    unpriced: z.array(z.object({ type: z.string(), instances: z.number().int() })),
    by_state: z.array(BucketOut),
    by_type: z.array(BucketOut),
    by_environment: z.array(BucketOut),
    untagged: z.object({ count: z.number().int(), instance_ids: z.array(z.string()) }),
    long_stopped: z.object({
      days: z.number().int(),
      count: z.number().int(),
      instance_ids: z.array(z.string()),
    }),
    previous_generation: z.array(
      z.object({ type: z.string(), instances: z.number().int(), suggestion: z.string().nullable() }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  effects: 'none',
  scopes: ['cloud:read'],
  async handler(input, ctx) {
    const region = input.region ?? ctx.deps.config.AWS_REGION;
    const filters = input.environment
      ? [{ Name: `tag:${TAG.environment}`, Values: [input.environment] }]
      : [];
    const { instances, complete } = await ctx.deps.ec2.describeAll(
      region,
      { filters },
      MAX_INSTANCES,
      ctx.signal,
    );
    // EC2 does not always say when an instance stopped; this server's own record fills the gap for its instances.
    const recorded = await stoppedSince(
      ctx.db,
      instances.map((i) => i.id),
    );
    const days = ctx.deps.config.CLOUD_OPS_LONG_STOPPED_DAYS;
    const report = fleetReport(
      instances.map((i) => ({
        id: i.id,
        type: i.type,
        state: i.state,
        tags: i.tags,
        stateChangedAt: i.stateChangedAt ? new Date(i.stateChangedAt) : recorded.get(i.id),
      })),
      clockOf(ctx.deps),
      days,
    );
    const bucket = (b: Bucket) => ({
      key: b.key,
      instances: b.instances,
      running: b.running,
      hourly_micro_usd: b.hourlyMicroUsd,
    });
    const data = {
      region,
      complete,
      total_instances: report.total,
      managed_instances: report.managed,
      cost: cost(report.hourlyMicroUsd),
      price_table: {
        source: PRICE_TABLE.source,
        as_of: PRICE_TABLE.asOf,
        currency: PRICE_TABLE.currency,
      },
      unpriced: report.unpriced,
      by_state: report.byState.map(bucket),
      by_type: report.byType.slice(0, LIST_CAP).map(bucket),
      by_environment: report.byEnvironment.slice(0, LIST_CAP).map(bucket),
      untagged: { count: report.untagged.length, instance_ids: report.untagged.slice(0, LIST_CAP) },
      long_stopped: {
        days,
        count: report.longStopped.length,
        instance_ids: report.longStopped.slice(0, LIST_CAP).map((l) => l.id),
      },
      previous_generation: report.previousGeneration.map((p) => ({ ...p, suggestion: p.suggestion ?? null })),
    };
    const lines = [
      `${report.total} instance(s) in ${region} (${report.managed} managed here)${complete ? '' : `, first ${MAX_INSTANCES} only`}; running cost about ${formatMicroUsd(report.hourlyMicroUsd)}/h, ${formatMicroUsd(report.hourlyMicroUsd * HOURS_PER_MONTH)}/month (${PRICE_TABLE.source}, prices as of ${PRICE_TABLE.asOf}).`,
      `By state: ${report.byState.map((b) => `${b.instances} ${b.key}`).join(', ') || 'none'}.`,
      `Top environments by cost: ${
        report.byEnvironment
          .slice(0, 5)
          .map((b) => `${b.key} ${formatMicroUsd(b.hourlyMicroUsd)}/h`)
          .join(', ') || 'none'
      }.`,
      `Untagged: ${report.untagged.length}. Stopped over ${days} days: ${report.longStopped.length}. Previous generation: ${report.previousGeneration.map((p) => `${p.instances} ${p.type}`).join(', ') || 'none'}.`,
      ...(report.unpriced.length > 0
        ? [
            `Not in the price table (not counted): ${report.unpriced.map((u) => `${u.instances} ${u.type}`).join(', ')}.`,
          ]
        : []),
    ];
    return { data, text: lines.join('\n') };
  },
});
