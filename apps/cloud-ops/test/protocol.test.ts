// The server as a client sees it: its tool contract, eras, scopes, read-only mode, resources, prompt.
import { createTestRuntime } from '@bounded/core/testing';
import { loadMigrations } from '@bounded/core';
import { connectClient } from '@bounded/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudOpsApp } from '../src/server.js';
import {
  failure,
  key,
  MIGRATIONS,
  ok,
  provisionArgs,
  settle,
  setupCloudOps,
  type CloudOps,
} from './support/cloud-ops.js';

let env: CloudOps;

beforeAll(async () => {
  env = await setupCloudOps();
});

afterAll(async () => {
  await env?.close();
});

describe('cloud-ops over MCP', () => {
  it('lists seven tools with all four annotations, output schemas and scopes; the listing is small and snapshotted', async () => {
    const client = await env.connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'get_fleet_report',
      'get_operation_status',
      'list_instances',
      'provision_environment',
      'start_environment',
      'stop_environment',
      'terminate_environment',
    ]);
    for (const tool of tools) {
      expect(Object.keys(tool.annotations as object)).toEqual(
        expect.arrayContaining(['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']),
      );
      expect(tool.outputSchema).toBeDefined();
    }
    for (const tool of cloudOpsApp.tools) {
      expect(tool.scopes?.length, tool.name).toBe(1);
      if (tool.effects !== 'none') expect(Object.keys(tool.input.shape)).toContain('idempotency_key');
    }
    const size = JSON.stringify(tools).length;
    console.error(`cloud-ops tools/list: ${size} characters`);
    expect(size).toBeLessThanOrEqual(20_000);
    await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('__snapshots__/tools-list.json');
  });

  it.each(['legacy', 'legacy-session', 'v1'] as const)('serves the %s era', async (era) => {
    const client = await env.connect({ era });
    const report = await ok(client, 'get_fleet_report', {});
    expect(report.price_table).toMatchObject({ source: expect.stringMatching(/AWS/), as_of: '2024-06-01' });
  });

  it('exposes environment and operation resources, and the cost clean-up prompt', async () => {
    const client = await env.connect();
    const provisioned = await ok(
      client,
      'provision_environment',
      provisionArgs('resource-1', { count: 1, ttl_hours: 4 }),
    );
    await settle(client, provisioned.operation.operation_id);
    const templates = (await client.listResourceTemplates()).resourceTemplates
      .map((t) => t.uriTemplate)
      .sort();
    expect(templates).toEqual(['cloud-ops://environments/{name}', 'cloud-ops://operations/{operation_id}']);
    const page = await client.readResource('cloud-ops://environments/resource-1');
    expect(page.contents[0]!.text).toMatch(
      /# Environment resource-1[\s\S]*status: \*\*running\*\*[\s\S]*expires: 20/,
    );
    const op = await client.readResource(`cloud-ops://operations/${provisioned.operation.operation_id}`);
    expect(JSON.parse(op.contents[0]!.text!)).toMatchObject({ kind: 'provision', status: 'succeeded' });
    const prompt = await client.getPrompt('cost_cleanup_review', { monthly_target_usd: '500' });
    expect(prompt.messages[0]!.content.text).toMatch(/get_fleet_report[\s\S]*under \$500\/month/);
  });
});

describe('access', () => {
  it('checks scopes per tool: cloud:read lists, cloud:write provisions, cloud:destroy terminates', async () => {
    const reader = await env.connect({
      authInfo: { token: 't', clientId: 'reader', scopes: ['cloud:read'], extra: { sub: 'reader' } },
    });
    await ok(reader, 'list_instances', {});
    const launchesBefore = env.requests('RunInstances').length;
    // A missing scope is answered like HTTP's 403 insufficient_scope, naming it, before anything runs.
    await expect(
      reader.callTool('provision_environment', provisionArgs('scoped-1', { count: 1 })),
    ).rejects.toThrow(/cloud:write/);
    expect(env.requests('RunInstances')).toHaveLength(launchesBefore);

    const writer = await env.connect({
      authInfo: {
        token: 't',
        clientId: 'writer',
        scopes: ['cloud:read', 'cloud:write'],
        extra: { sub: 'writer' },
      },
    });
    await ok(writer, 'provision_environment', provisionArgs('scoped-1', { count: 1 }));
    await expect(
      writer.callTool('terminate_environment', { environment: 'scoped-1', idempotency_key: key('t') }),
    ).rejects.toThrow(/cloud:destroy/);
    expect(env.requests('TerminateInstances')).toHaveLength(0);
  });

  it('--read-only leaves list, report and status', async () => {
    const runtime = createTestRuntime({
      app: cloudOpsApp,
      db: env.db,
      deps: env.deps,
      migrations: await loadMigrations(MIGRATIONS),
      options: { readOnly: true },
    });
    const client = await connectClient(runtime, { era: 'modern' });
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'get_fleet_report',
        'get_operation_status',
        'list_instances',
      ]);
      await ok(client, 'list_instances', {});
    } finally {
      await client.close();
    }
  });

  it('a client that cannot elicit gets confirmation_required for a termination, and nothing is terminated', async () => {
    const client = await env.connect();
    const provisioned = await ok(client, 'provision_environment', provisionArgs('no-elicit', { count: 1 }));
    await settle(client, provisioned.operation.operation_id);
    const mute = await env.connect({ onElicit: undefined });
    const before = env.requests('TerminateInstances').filter((r) => !r.dryRun).length;
    const error = await failure(mute, 'terminate_environment', {
      environment: 'no-elicit',
      idempotency_key: key('t'),
    });
    expect(error.code).toBe('confirmation_required');
    expect(env.requests('TerminateInstances').filter((r) => !r.dryRun)).toHaveLength(before);
  });
});
