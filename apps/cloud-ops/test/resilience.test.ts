// EC2 misbehaving: throttling and 5xx are retried with backoff, a missing permission is named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  env = await setupCloudOps({ policy: { launches_per_hour_per_principal: 100, max_instances_total: 50 } });
});

afterAll(async () => {
  await env?.close();
});

describe('under injected faults', () => {
  it('completes every operation while 30% of EC2 calls are throttled or fail with 5xx', async () => {
    env.sandbox!.injectFault({ error: 'RequestLimitExceeded', probability: 0.2 });
    env.sandbox!.injectFault({ error: 'InternalError', probability: 0.1 });
    try {
      const client = await env.connect();
      const names = ['throttled-a', 'throttled-b', 'throttled-c'];
      const provisioned = await Promise.all(
        names.map((name) => ok(client, 'provision_environment', provisionArgs(name, { count: 1 }))),
      );
      for (const p of provisioned)
        expect((await settle(client, p.operation.operation_id)).operation.status).toBe('succeeded');
      for (const tool of ['stop_environment', 'start_environment', 'terminate_environment']) {
        const changed = await Promise.all(
          names.map((environment) => ok(client, tool, { environment, idempotency_key: key(tool) })),
        );
        for (const c of changed)
          expect((await settle(client, c.operation.operation_id)).operation.status).toBe('succeeded');
      }
      const faulted = env
        .requests()
        .filter((r) => r.errorCode === 'RequestLimitExceeded' || r.errorCode === 'InternalError');
      // The faults really fired, and were absorbed by the SDK's retries.
      expect(faulted.length).toBeGreaterThan(0);
      expect(env.requests('RunInstances').filter((r) => !r.dryRun && r.status === 200)).toHaveLength(3);
    } finally {
      env.sandbox!.clearFaults();
    }
  }, 120_000);

  it('names the missing IAM action when EC2 answers UnauthorizedOperation, and launches nothing', async () => {
    env.sandbox!.injectFault({ action: 'RunInstances', error: 'UnauthorizedOperation' });
    try {
      const client = await env.connect();
      const before = env.requests('RunInstances').filter((r) => !r.dryRun).length;
      const error = await failure(client, 'provision_environment', provisionArgs('denied-1', { count: 1 }));
      expect(error.code).toBe('permission_denied');
      expect(error.message).toMatch(/ec2:RunInstances/);
      expect(error.hint).toMatch(/grant ec2:RunInstances/);
      expect(error.details).toMatchObject({
        ec2_action: 'ec2:RunInstances',
        ec2_code: 'UnauthorizedOperation',
      });
      expect(env.requests('RunInstances').filter((r) => !r.dryRun)).toHaveLength(before);

      const dry = await ok(
        client,
        'provision_environment',
        provisionArgs('denied-1', { count: 1, dry_run: true }),
      );
      expect(dry.policy.allowed).toBe(true);
      expect(dry.ec2_permission).toMatchObject({ action: 'ec2:RunInstances', allowed: false });
      expect(dry.ec2_permission.message).toMatch(/ec2:RunInstances/);
    } finally {
      env.sandbox!.clearFaults();
    }
  });

  it('checks TerminateInstances with a DryRun before asking the person, and names it when denied', async () => {
    const client = await env.connect();
    const provisioned = await ok(
      client,
      'provision_environment',
      provisionArgs('no-terminate', { count: 1 }),
    );
    await settle(client, provisioned.operation.operation_id);
    const terminations = () => env.requests('TerminateInstances').filter((r) => !r.dryRun).length;
    const before = terminations();
    env.sandbox!.injectFault({ action: 'TerminateInstances', error: 'UnauthorizedOperation' });
    try {
      const asked: string[] = [];
      const person = await env.connect({
        onElicit: (message) => {
          asked.push(message);
          return { action: 'accept', content: { confirm: true } };
        },
      });
      const error = await failure(person, 'terminate_environment', {
        environment: 'no-terminate',
        idempotency_key: key('t'),
      });
      expect(error.code).toBe('permission_denied');
      expect(error.message).toMatch(/ec2:TerminateInstances/);
      expect(asked).toEqual([]);
      expect(terminations()).toBe(before);
      expect(env.requests('TerminateInstances').at(-1)).toMatchObject({
        dryRun: true,
        errorCode: 'UnauthorizedOperation',
      });
    } finally {
      env.sandbox!.clearFaults();
    }
  });

  it('reports exhausted capacity as retryable, and the same key launches once capacity is back', async () => {
    env.sandbox!.injectFault({ action: 'RunInstances', error: 'InsufficientInstanceCapacity' });
    const client = await env.connect();
    const args = provisionArgs('capacity-1', { count: 1 });
    try {
      const error = await failure(client, 'provision_environment', args);
      expect(error.code).toBe('unavailable');
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/no capacity/);
    } finally {
      env.sandbox!.clearFaults();
    }
    const retried = await ok(client, 'provision_environment', args);
    expect(retried.operation.instance_ids).toHaveLength(1);
    const listed = await ok(client, 'list_instances', { environment: 'capacity-1' });
    expect(listed.instances).toHaveLength(1);
  });
  it('hands the call signal to every AWS call, so cancelling stops a slow EC2 request', async () => {
    env.sandbox!.injectFault({ action: 'DescribeInstances', latencyMs: 60_000 });
    try {
      const controller = new AbortController();
      const pending = env.deps.ec2.describeInstances('us-east-1', {}, controller.signal);
      controller.abort(new DOMException('cancelled by the client', 'AbortError'));
      // Without the signal the request would wait out the sandbox's minute of latency.
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      env.sandbox!.clearFaults();
    }
  });
});
