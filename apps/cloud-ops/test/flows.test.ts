// The whole life of an environment through a real MCP client, against the EC2 sandbox through the real SDK.
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
  env = await setupCloudOps();
});

afterAll(async () => {
  await env?.close();
});

describe('an environment from provision to terminate', () => {
  it('provisions, reports progress, stops, starts and terminates with the person approving', async () => {
    const client = await env.connect();
    const provisioned = await ok(
      client,
      'provision_environment',
      provisionArgs('review-42', { tags: { team: 'web' }, ttl_hours: 8 }),
    );
    expect(provisioned.operation).toMatchObject({
      kind: 'provision',
      status: 'in_progress',
      environment: 'review-42',
    });
    expect(provisioned.operation.instance_ids).toHaveLength(2);
    expect(provisioned.cost.hourly_micro_usd).toBe(2 * 10_400);

    // Counted over the whole life: the client may drop a notification that arrives right before
    // the final answer (it handles notifications a tick later than responses).
    const progress: unknown[] = [];
    const track = (p: unknown) => progress.push(p);
    const status = await settle(client, provisioned.operation.operation_id, track);
    expect(status.operation.status).toBe('succeeded');
    expect(status.progress).toEqual({ done: 2, total: 2 });

    const listed = await ok(client, 'list_instances', { environment: 'review-42' });
    expect(listed.instances).toHaveLength(2);
    expect(
      listed.instances.every((i: { managed: boolean; state: string }) => i.managed && i.state === 'running'),
    ).toBe(true);

    const stopped = await ok(client, 'stop_environment', {
      environment: 'review-42',
      idempotency_key: key('stop'),
    });
    expect(stopped.acted_on).toHaveLength(2);
    expect((await settle(client, stopped.operation.operation_id, track)).operation.status).toBe('succeeded');

    const started = await ok(client, 'start_environment', {
      environment: 'review-42',
      idempotency_key: key('start'),
    });
    expect((await settle(client, started.operation.operation_id, track)).operation.status).toBe('succeeded');
    expect(progress.length).toBeGreaterThan(0);

    const terminated = await ok(client, 'terminate_environment', {
      environment: 'review-42',
      idempotency_key: key('term'),
    });
    const done = await settle(client, terminated.operation.operation_id);
    expect(done.operation.status).toBe('succeeded');
    expect(done.instances.map((i: { state: string }) => i.state)).toEqual(['terminated', 'terminated']);
    expect(env.requests('TerminateInstances').filter((r) => !r.dryRun)).toHaveLength(1);

    // A terminated environment frees its name and has nothing left to stop.
    const again = await failure(client, 'stop_environment', {
      environment: 'review-42',
      idempotency_key: key('stop'),
    });
    expect(again.code).toBe('precondition_failed');
  });

  it('does not terminate when the person declines', async () => {
    const client = await env.connect();
    const provisioned = await ok(client, 'provision_environment', provisionArgs('decline-me', { count: 1 }));
    await settle(client, provisioned.operation.operation_id);
    const declining = await env.connect({ onElicit: () => ({ action: 'decline' }) });
    const before = env.requests('TerminateInstances').filter((r) => !r.dryRun).length;
    const refused = await failure(declining, 'terminate_environment', {
      environment: 'decline-me',
      idempotency_key: key('term'),
    });
    expect(refused.code).toBe('permission_denied');
    expect(env.requests('TerminateInstances').filter((r) => !r.dryRun)).toHaveLength(before);
  });
});
