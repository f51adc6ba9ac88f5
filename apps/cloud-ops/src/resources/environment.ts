import { defineResource, ToolError } from '@bounded/core';
import type { CloudOpsDeps } from '../config.js';
import { formatMicroUsd, hourlyMicroUsd } from '../domain/prices.js';
import { EnvironmentName } from '../domain/tags.js';
import { findEnvironmentByName, listEnvironments } from '../store/environments.js';
import { operationsOf } from '../store/operations.js';

export const environmentResource = defineResource<CloudOpsDeps>({
  name: 'environment',
  title: 'Environment',
  description:
    'One environment this server provisioned: its plan, instances, TTL, cost and latest operations.',
  uri: 'cloud-ops://environments/{name}',
  mimeType: 'text/markdown',
  async list(ctx) {
    const environments = await listEnvironments(ctx.db, 50);
    return environments.map((e) => ({
      uri: `cloud-ops://environments/${e.name}`,
      name: `${e.name} (${e.status})`,
    }));
  },
  async read(params, ctx) {
    const name = EnvironmentName.safeParse(params.name);
    if (!name.success)
      throw new ToolError('invalid_argument', `"${params.name}" is not an environment name.`);
    const env = await findEnvironmentByName(ctx.db, name.data);
    if (!env) throw new ToolError('not_found', `No environment named ${name.data}.`);
    const operations = await operationsOf(ctx.db, env.id, 10);
    const hourly = (hourlyMicroUsd(env.instanceType) ?? 0) * env.instanceCount;
    const userTags = Object.entries(env.tags);
    return {
      text: [
        `# Environment ${env.name}`,
        '',
        `- id: ${env.id}, status: **${env.status}**, region ${env.region}`,
        `- ${env.instanceCount} × ${env.instanceType} from ${env.imageId}${env.subnetId ? ` in ${env.subnetId}` : ''}; about ${formatMicroUsd(hourly)}/h while running`,
        `- instances: ${env.instanceIds.join(', ') || '(not confirmed yet)'}`,
        `- expires: ${env.expiresAt?.toISOString() ?? 'never (no TTL)'}`,
        `- created ${env.createdAt.toISOString()} by ${env.createdBy}`,
        `- tags: ${userTags.length > 0 ? userTags.map(([k, v]) => `${k}=${v}`).join(', ') : 'none'}`,
        '',
        '## Latest operations',
        '',
        ...operations.map(
          (o) =>
            `- ${o.id} ${o.kind} → ${o.targetState}: ${o.status} (${o.triggeredBy === 'ttl_sweep' ? 'TTL sweep' : o.principal}, ${o.createdAt.toISOString()})`,
        ),
      ].join('\n'),
    };
  },
});
