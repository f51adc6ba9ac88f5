import { DEFAULT_TEXT_BUDGET_CHARS, fitToBudget, pageInput, pageOutput } from '@bounded/core';
import type { Filter } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { TAG, TagValue } from '../domain/tags.js';
import { defineCloudTool } from './define-cloud-tool.js';
import { environmentName, regionInput, InstanceOut, instanceOut, instanceState } from './shapes.js';

/** Where the next page starts: EC2's own page token, and how many of that page were already shown. */
interface ListPosition {
  token: string | null;
  skip: number;
}

export const listInstances = defineCloudTool({
  name: 'list_instances',
  title: 'List instances',
  description:
    'Lists EC2 instances, one row each, filtered by environment, state, type or a tag. Shows every instance, managed ' +
    'here or not (only managed ones can be changed). Pages of 20 (max 100): pass next_cursor back as cursor with the ' +
    'same filters. For counts and costs use get_fleet_report.',
  input: z.object({
    environment: environmentName.optional(),
    state: instanceState.optional(),
    instance_type: z.string().max(32).optional().describe('Exact instance type, e.g. t3.micro.'),
    tag_key: z.string().min(1).max(128).optional().describe('Only instances carrying this tag.'),
    tag_value: TagValue.optional().describe('With tag_key: only this value.'),
    managed_only: z.boolean().default(false).describe('Only instances this server launched.'),
    region: regionInput,
    ...pageInput,
  }),
  output: z.object({ instances: z.array(InstanceOut), ...pageOutput }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  effects: 'none',
  scopes: ['cloud:read'],
  async handler(input, ctx) {
    const region = input.region ?? ctx.deps.config.AWS_REGION;
    const filters: Filter[] = [];
    if (input.environment) filters.push({ Name: `tag:${TAG.environment}`, Values: [input.environment] });
    if (input.state) filters.push({ Name: 'instance-state-name', Values: [input.state] });
    if (input.instance_type) filters.push({ Name: 'instance-type', Values: [input.instance_type] });
    if (input.managed_only) filters.push({ Name: `tag:${TAG.managedBy}`, Values: ['cloud-ops'] });
    if (input.tag_key !== undefined) {
      filters.push(
        input.tag_value === undefined
          ? { Name: 'tag-key', Values: [input.tag_key] }
          : { Name: `tag:${input.tag_key}`, Values: [input.tag_value] },
      );
    }
    const binding = { tool: 'list_instances', filters: { ...input, limit: undefined, cursor: undefined } };
    const at: ListPosition = input.cursor
      ? (ctx.cursors.decode(input.cursor, binding) as unknown as ListPosition)
      : { token: null, skip: 0 };
    // EC2 pages hold 5 to 1000 instances; a page is re-read from its token, skipping what was shown.
    const page = await ctx.deps.ec2.describeInstances(
      region,
      {
        filters,
        maxResults: Math.min(1000, Math.max(5, at.skip + input.limit)),
        ...(at.token ? { nextToken: at.token } : {}),
      },
      ctx.signal,
    );
    const rest = page.instances.slice(at.skip);
    const fitted = fitToBudget(rest.slice(0, input.limit).map(instanceOut), {
      maxChars: DEFAULT_TEXT_BUDGET_CHARS,
    });
    const shown = fitted.items.length;
    const next: ListPosition | null =
      shown < rest.length
        ? { token: at.token, skip: at.skip + shown }
        : page.nextToken
          ? { token: page.nextToken, skip: 0 }
          : null;
    const next_cursor = next ? ctx.cursors.encode({ ...next }, binding) : null;
    const lines = fitted.items.map(
      (i) =>
        `- ${i.instance_id}${i.name ? ` "${i.name}"` : ''} ${i.instance_type} ${i.state}${i.environment ? `, env ${i.environment}` : ''}${i.managed ? '' : ', not managed here'}`,
    );
    const tail = next_cursor ? '\nMore instances match: call again with cursor = next_cursor.' : '';
    return {
      data: { instances: fitted.items, next_cursor, truncated: fitted.truncated },
      text: shown === 0 ? 'No instances match.' : `${shown} instance(s):\n${lines.join('\n')}${tail}`,
    };
  },
});
