// The policy is enforced by the server before EC2 hears anything, whatever the model sends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEnvironment, recordInstances, setEnvironmentStatus } from '../src/store/environments.js';
import {
  failure,
  key,
  ok,
  provisionArgs,
  settle,
  setupCloudOps,
  type CloudOps,
} from './support/cloud-ops.js';

let env: CloudOps;

beforeAll(async () => {
  env = await setupCloudOps({
    policy: {
      allowed_instance_types: ['t3.micro', 'm5.large'],
      max_instances_per_environment: 3,
      max_instances_total: 5,
      max_hourly_cost_per_environment_usd: '0.10',
      max_hourly_cost_total_usd: '0.15',
      protected_environments: ['prod', 'prod-*'],
      launches_per_hour_per_principal: 4,
    },
  });
});

afterAll(async () => {
  await env?.close();
});

/** Runs `fn` and returns the EC2 requests it caused. */
async function sentDuring(fn: () => Promise<unknown>) {
  const before = env.requests().length;
  await fn();
  return env.requests().slice(before);
}

describe('policy refusals send nothing to EC2', () => {
  it.each([
    ['a disallowed type', { instance_type: 'p4d.24xlarge' }, 'allowed_instance_types'],
    ['an over-limit count', { count: 4 }, 'max_instances_per_environment'],
    ['an over-budget cost', { instance_type: 'm5.large', count: 2 }, 'max_hourly_cost_per_environment'],
    ['a disallowed region', { region: 'eu-west-1' }, 'allowed_regions'],
    ['a protected environment', { environment: 'prod-eu' }, 'protected_environments'],
  ])('refuses %s', async (_what, change, rule) => {
    const client = await env.connect();
    const { environment = 'policy-test', ...rest } = change as { environment?: string };
    let error: Awaited<ReturnType<typeof failure>> | undefined;
    const sent = await sentDuring(async () => {
      error = await failure(
        client,
        'provision_environment',
        provisionArgs(environment, { count: 1, ...rest }),
      );
    });
    expect(error!.code).toBe('precondition_failed');
    expect(error!.message).toMatch(/Policy refuses this launch/);
    expect(error!.details.violations.map((v: { rule: string }) => v.rule)).toContain(rule);
    expect(sent).toEqual([]);
  });

  it('names every broken rule at once, and a dry run reports them without asking EC2', async () => {
    const client = await env.connect();
    let dry: Awaited<ReturnType<typeof ok>>;
    const sent = await sentDuring(async () => {
      dry = await ok(
        client,
        'provision_environment',
        provisionArgs('prod', { instance_type: 'c5.large', count: 9, dry_run: true }),
      );
    });
    expect(dry.policy.allowed).toBe(false);
    expect(dry.policy.violations.map((v: { rule: string }) => v.rule).sort()).toEqual(
      [
        'allowed_instance_types',
        'max_hourly_cost_per_environment',
        'max_hourly_cost_total',
        'max_instances_per_environment',
        'max_instances_total',
        'protected_environments',
      ].sort(),
    );
    expect(dry.ec2_permission).toBeNull();
    expect(sent).toEqual([]);
  });

  it('prices an allowed dry run and asks EC2 only for its DryRun permission check', async () => {
    const client = await env.connect();
    let dry: Awaited<ReturnType<typeof ok>>;
    const sent = await sentDuring(async () => {
      dry = await ok(client, 'provision_environment', provisionArgs('dry-1', { count: 2, dry_run: true }));
    });
    expect(dry.cost).toEqual({ hourly_micro_usd: 20_800, hourly: '$0.0208', monthly: '$15.1840' });
    expect(dry.policy).toEqual({ allowed: true, violations: [] });
    expect(dry.ec2_permission).toMatchObject({ action: 'ec2:RunInstances', allowed: true });
    expect(dry.operation).toBeNull();
    expect(sent.map((r) => [r.action, r.dryRun])).toEqual([['RunInstances', true]]);
  });

  it('counts the live fleet against the fleet-wide limits', async () => {
    const client = await env.connect();
    await ok(client, 'provision_environment', provisionArgs('fleet-a', { count: 3 }));
    let error: Awaited<ReturnType<typeof failure>> | undefined;
    const sent = await sentDuring(async () => {
      error = await failure(client, 'provision_environment', provisionArgs('fleet-b', { count: 3 }));
    });
    expect(error!.details.violations.map((v: { rule: string }) => v.rule)).toEqual(['max_instances_total']);
    expect(sent).toEqual([]);
    // Terminating fleet-a frees its share.
    const done = await ok(client, 'get_operation_status', {
      operation_id: await latestOperation('fleet-a'),
      wait_seconds: 10,
    });
    expect(done.operation.status).toBe('succeeded');
    const terminated = await ok(client, 'terminate_environment', {
      environment: 'fleet-a',
      idempotency_key: key('t'),
    });
    await settle(client, terminated.operation.operation_id);
  });

  it('holds a per-principal launch allowance across calls', async () => {
    const client = await env.connect();
    // fleet-a used 3 of the 4 launches this hour.
    let error: Awaited<ReturnType<typeof failure>> | undefined;
    const sent = await sentDuring(async () => {
      error = await failure(client, 'provision_environment', provisionArgs('quota-1', { count: 2 }));
    });
    expect(error!.code).toBe('rate_limited');
    expect(error!.retryable).toBe(true);
    expect(error!.message).toMatch(/allowance of 4 per hour \(3 used\)/);
    // The DryRun permission check ran; no launch did.
    expect(sent.filter((r) => !r.dryRun)).toEqual([]);
  });
});

describe('protected environments', () => {
  it('named by the policy cannot be stopped or terminated, and EC2 hears nothing', async () => {
    // An environment launched before the operator added "prod-*" to the protected list.
    await insertEnvironment(env.db, {
      id: 'env_00000000000000aa',
      name: 'prod-eu',
      region: 'us-east-1',
      instanceType: 't3.micro',
      instanceCount: 1,
      imageId: 'ami-0123456789abcdef0',
      subnetId: undefined,
      tags: {},
      expiresAt: undefined,
      createdBy: 'someone',
    });
    await recordInstances(env.db, 'env_00000000000000aa', ['i-0123456789abcdef0']);
    await setEnvironmentStatus(env.db, 'env_00000000000000aa', 'running');
    const client = await env.connect();
    for (const tool of ['stop_environment', 'start_environment', 'terminate_environment']) {
      let error: Awaited<ReturnType<typeof failure>> | undefined;
      const sent = await sentDuring(async () => {
        error = await failure(client, tool, { environment: 'prod-eu', idempotency_key: key(tool) });
      });
      expect(error!.code).toBe('precondition_failed');
      expect(error!.message).toMatch(/prod-eu is protected \(the policy protects it\)/);
      expect(sent).toEqual([]);
    }
  });

  it('cannot be stopped or terminated when the protection tag is on their instances, and EC2 changes nothing', async () => {
    const client = await env.connect();
    const provisioned = await ok(client, 'provision_environment', provisionArgs('tagged-1', { count: 1 }));
    await settle(client, provisioned.operation.operation_id);
    // Someone marks the instance protected outside this server.
    const { EC2Client, CreateTagsCommand } = await import('@aws-sdk/client-ec2');
    const ec2 = new EC2Client({
      endpoint: env.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    await ec2.send(
      new CreateTagsCommand({
        Resources: provisioned.operation.instance_ids,
        Tags: [{ Key: 'bounded:protected', Value: 'true' }],
      }),
    );
    for (const tool of ['stop_environment', 'terminate_environment']) {
      let error: Awaited<ReturnType<typeof failure>> | undefined;
      const sent = await sentDuring(async () => {
        error = await failure(client, tool, { environment: 'tagged-1', idempotency_key: key(tool) });
      });
      expect(error!.code).toBe('precondition_failed');
      expect(error!.message).toMatch(/protected .*bounded:protected/);
      // Only the read that found the tag.
      expect(sent.map((r) => r.action)).toEqual(['DescribeInstances']);
    }
  });
});

async function latestOperation(environment: string): Promise<string> {
  const { rows } = await env.db.query<{ id: string }>(
    `select o.id from cloud_operations o join cloud_environments e on e.id = o.environment_id
      where e.name = $1 order by o.created_at desc limit 1`,
    [environment],
  );
  return rows[0]!.id;
}
