// Retries never double a launch: one key, one set of instances, however the calls arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, ok, provisionArgs, setupCloudOps, type CloudOps } from './support/cloud-ops.js';

let env: CloudOps;

beforeAll(async () => {
  env = await setupCloudOps({ policy: { launches_per_hour_per_principal: 100 } });
});

afterAll(async () => {
  await env?.close();
});

const launches = () => env.requests('RunInstances').filter((r) => !r.dryRun);

describe('provision_environment with one idempotency_key', () => {
  it('sent 20 times at once launches one set of instances, and every caller gets it', async () => {
    const client = await env.connect();
    const args = provisionArgs('burst-1', { count: 3 });
    const before = launches().length;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.callTool('provision_environment', args)),
    );
    for (const result of results) expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const operations = new Set(
      results.map(
        (r) => (r.structuredContent as { operation: { operation_id: string } }).operation.operation_id,
      ),
    );
    expect(operations.size).toBe(1);
    const ids = new Set(
      results.flatMap(
        (r) => (r.structuredContent as { operation: { instance_ids: string[] } }).operation.instance_ids,
      ),
    );
    expect(ids.size).toBe(3);
    expect(results.filter((r) => (r.structuredContent as { replayed: boolean }).replayed)).toHaveLength(19);
    expect(launches().length - before).toBe(1);
    const listed = await ok(client, 'list_instances', { environment: 'burst-1' });
    expect(listed.instances).toHaveLength(3);
  });

  it('with other parameters is refused with a clear error, and nothing is launched', async () => {
    const client = await env.connect();
    const args = provisionArgs('reuse-1', { count: 1 });
    await ok(client, 'provision_environment', args);
    const before = env.requests().length;
    const error = await failure(client, 'provision_environment', { ...args, count: 2 });
    expect(error.code).toBe('idempotency_key_reused');
    expect(error.message).toMatch(/already used .* different arguments/);
    expect(error.hint).toMatch(/new idempotency_key/);
    expect(env.requests()).toHaveLength(before);
  });

  it('replays a finished launch without calling EC2 again', async () => {
    const client = await env.connect();
    const args = provisionArgs('replay-1', { count: 1 });
    const first = await ok(client, 'provision_environment', args);
    const before = env.requests().length;
    const again = await ok(client, 'provision_environment', args);
    expect(again.replayed).toBe(true);
    expect(again.operation.operation_id).toBe(first.operation.operation_id);
    expect(env.requests()).toHaveLength(before);
  });

  it('refuses a second live environment of the same name under another key', async () => {
    const client = await env.connect();
    await ok(client, 'provision_environment', provisionArgs('taken-1', { count: 1 }));
    const before = launches().length;
    const error = await failure(client, 'provision_environment', provisionArgs('taken-1', { count: 1 }));
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/already exists/);
    expect(launches()).toHaveLength(before);
  });
});
